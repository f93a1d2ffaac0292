// a study's configuration: the JSON file (validated with zod), merged with command-line flags
// (flags win), resolved against the model zoo; and the check that a directory holds the same study
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { PairbenchError } from '../errors.js';
import { getModel } from '../models/registry.js';
import { MAX_SEED } from './seeds.js';
import type { StudyConfig, StudyKind, StudyMeta } from './types.js';

const posInt = z.number().int().min(1);

// the file format of `pairbench study --config file.json`; every key optional, no other keys allowed
export const studyFileSchema = z.strictObject({
  name: z.string().min(1).optional(),
  models: z.array(z.string().min(1)).min(1).optional(),
  rounds: posInt.or(z.literal('recipe')).optional(), // 'recipe': each model's own recipe rounds
  epochs: posInt.optional(),
  seed: z.number().int().min(0).max(MAX_SEED).optional(),
  workers: posInt.max(256).optional(),
  out: z.string().min(1).optional(),
  baseline: z.string().min(1).optional(),
  batchSize: posInt.optional(),
  trainPairs: posInt.max(30000).optional(),
  testPairs: posInt.max(5000).optional(),
  mnistDir: z.string().min(1).optional(),
});
export type StudyFile = z.infer<typeof studyFileSchema>;

function issuePath(path: readonly PropertyKey[]): string {
  let s = '';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : s === '' ? String(p) : `.${String(p)}`;
  return s;
}

// zod issues as one line: 'rounds: Too small: expected number to be >=1; unknown key "foo"'
export function formatIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((i) => {
      if (i.code === 'unrecognized_keys') {
        const where = i.path.length > 0 ? ` in ${issuePath(i.path)}` : '';
        return `unknown key${i.keys.length > 1 ? 's' : ''} ${i.keys.map((k) => `"${k}"`).join(', ')}${where}`;
      }
      return `${i.path.length > 0 ? issuePath(i.path) : '(top level)'}: ${i.message}`;
    })
    .join('; ');
}

export function parseStudyFile(value: unknown, source: string): StudyFile {
  const r = studyFileSchema.safeParse(value);
  if (!r.success) throw new PairbenchError('bad_config', `${source}: ${formatIssues(r.error.issues)}`, { path: source });
  return r.data;
}

export function readStudyFile(path: string): StudyFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new PairbenchError('bad_config', `cannot read config ${path}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`, { path });
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new PairbenchError('bad_config', `config ${path} is not valid JSON: ${(e as Error).message}`, { path });
  }
  return parseStudyFile(v, `config ${path}`);
}

// every id known (throws unknown_model with the nearest ids otherwise), no duplicates
export function checkModelIds(ids: readonly string[]): void {
  const seen = new Set<string>();
  for (const id of ids) {
    getModel(id);
    if (seen.has(id)) throw new PairbenchError('bad_config', `model '${id}' is listed twice`, { field: 'models', value: id });
    seen.add(id);
  }
}

export function checkBaseline(baseline: string | undefined, models: readonly string[]): void {
  if (baseline !== undefined && !models.includes(baseline)) {
    throw new PairbenchError('bad_config', `baseline '${baseline}' is not one of the study's models (${models.join(', ')})`, { field: 'baseline', value: baseline });
  }
}

// what makes two studies the same: everything that changes the planned runs or their results
// (not the worker count, nor the baseline of the Welch tests, nor the name)
function identity(kind: StudyKind, c: StudyConfig): Record<string, unknown> {
  return {
    kind,
    models: c.models,
    rounds: c.rounds,
    epochs: c.epochs,
    seed: c.seed,
    batchSize: c.batchSize,
    trainPairs: c.trainPairs ?? null,
    testPairs: c.testPairs ?? null,
    report: c.report ?? null,
    grid: c.extra?.['grid'] ?? null,
  };
}

// the fields in which an existing study differs from the requested one, as 'field: there -> here'
export function configDifferences(old: StudyMeta, kind: StudyKind, c: StudyConfig): string[] {
  const a = identity(old.kind ?? 'study', old.config);
  const b = identity(kind, c);
  const show = (v: unknown): string => (v === null ? 'recipe default' : Array.isArray(v) ? v.join(',') : typeof v === 'object' ? JSON.stringify(v) : String(v));
  const out: string[] = [];
  for (const k of Object.keys(b)) {
    if (JSON.stringify(a[k]) !== JSON.stringify(b[k])) out.push(`${k} ${show(a[k])} there, ${show(b[k])} here`);
  }
  return out;
}
