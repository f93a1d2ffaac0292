// a study's configuration: the JSON file (validated with zod), merged with command-line flags
// (flags win), resolved against the model zoo; and the check that a directory holds the same study
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { PairbenchError } from '../errors.js';
import { getModel } from '../models/registry.js';
import { variantName } from '../models/hyper.js';
import { gridSettingsOf } from './grid.js';
import { roundsOf } from './plan.js';
import { MAX_SEED } from './seeds.js';
import type { ModelVariant, StudyConfig, StudyKind, StudyMeta } from './types.js';

const posInt = z.number().int().min(1);

// a study's model: a zoo id, or a variant: { "id": "lenet-transfer/cnn", "as": "cnn-lr1e-2", "set": { "lr": 0.01 } }
const modelEntry = z.union([
  z.string().min(1),
  z.strictObject({ id: z.string().min(1), as: z.string().min(1).optional(), set: z.record(z.string(), z.union([z.number(), z.boolean(), z.string()])).optional() }),
]);
export type ModelEntry = z.infer<typeof modelEntry>;

// the file format of `pairbench study --config file.json`; every key optional, no other keys allowed
export const studyFileSchema = z.strictObject({
  name: z.string().min(1).optional(),
  models: z.array(modelEntry).min(1).optional(),
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
      if (i.code === 'invalid_union' && i.errors.length > 0) return unionIssue(i);
      return `${i.path.length > 0 ? issuePath(i.path) : '(top level)'}: ${i.message}`;
    })
    .join('; ');
}

// a value that fits none of the alternatives (zod says only 'Invalid input'): the alternative that
// got furthest into it names the field inside, else each alternative's expectation and what was there
function unionIssue(i: z.core.$ZodIssueInvalidUnion): string {
  const firsts = i.errors.map((b) => b[0]).filter((x): x is z.core.$ZodIssue => x !== undefined);
  const deepest = firsts.reduce<z.core.$ZodIssue | undefined>((a, b) => (a === undefined || b.path.length > a.path.length ? b : a), undefined);
  if (deepest !== undefined && deepest.path.length > 0) return formatIssues([{ ...deepest, path: [...i.path, ...deepest.path] }]);
  const got = firsts.map((x) => /received (\w+)$/.exec(x.message)?.[1]).find((x) => x !== undefined);
  const alts = firsts.map((x) => x.message.replace(/^Invalid input: /, '').replace(/, received \w+$/, ''));
  return `${i.path.length > 0 ? issuePath(i.path) : '(top level)'}: ${alts.join(', or ')}${got !== undefined ? ` (got ${got})` : ''}`;
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
export function checkModelIds(ids: readonly string[], variants: Readonly<Record<string, ModelVariant>> = {}): void {
  const seen = new Set<string>();
  for (const id of ids) {
    if (variants[id] === undefined) getModel(id);
    if (seen.has(id)) throw new PairbenchError('bad_config', `model '${id}' is listed twice`, { field: 'models', value: id });
    seen.add(id);
  }
}

// the names of a study's models and its variants; each variant is built once here, so an unknown id,
// an unknown hyperparameter or an ill-typed value fails before anything runs
export function resolveModelEntries(entries: readonly ModelEntry[]): { models: string[]; variants: Record<string, ModelVariant> } {
  const models: string[] = [];
  const variants: Record<string, ModelVariant> = {};
  entries.forEach((e, i) => {
    if (typeof e === 'string') {
      models.push(e);
      return;
    }
    const base = getModel(e.id);
    const set = e.set ?? {};
    const name = e.as ?? (Object.keys(set).length > 0 ? variantName(e.id, set) : e.id);
    if (name !== e.id) {
      try {
        getModel(name);
        throw new PairbenchError('bad_config', `models[${i}]: "as": "${name}" is a model id of the zoo; give the variant a name of its own`, { field: `models[${i}].as`, value: name });
      } catch (err) {
        if (!(err instanceof PairbenchError) || err.code !== 'unknown_model') throw err;
      }
    }
    try {
      base.variant(set, name);
    } catch (err) {
      if (err instanceof PairbenchError) throw new PairbenchError('bad_config', `models[${i}] (${name}): ${err.message}`, { ...err.details, field: `models[${i}].set` });
      throw err;
    }
    models.push(name);
    if (name !== e.id || Object.keys(set).length > 0) variants[name] = { id: e.id, set };
  });
  return { models, variants };
}

export function checkBaseline(baseline: string | undefined, models: readonly string[]): void {
  if (baseline !== undefined && !models.includes(baseline)) {
    throw new PairbenchError('bad_config', `baseline '${baseline}' is not one of the study's models (${models.join(', ')})`, { field: 'baseline', value: baseline });
  }
}

// key-sorted at every level: the same settings whatever order their keys were written in
function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k])]));
}

// what makes two studies the same: everything that changes the planned runs or their results
// (not the worker count, nor the baseline of the Welch tests, nor the name). Models and rounds may
// grow: the runs already there stay what they are (see growthDifferences)
function identity(kind: StudyKind, c: StudyConfig): Record<string, unknown> {
  return {
    kind,
    epochs: c.epochs,
    seed: c.seed,
    batchSize: c.batchSize,
    trainPairs: c.trainPairs ?? null,
    testPairs: c.testPairs ?? null,
    report: c.report ?? null,
    grid: canonical(gridSettingsOf(c)),
    ...(c.variants !== undefined && Object.keys(c.variants).length > 0 ? { variants: c.variants } : {}),
  };
}

// the fields in which an existing study differs from the requested one, as 'field: there -> here'
export function configDifferences(old: StudyMeta, kind: StudyKind, c: StudyConfig): string[] {
  const a = identity(old.kind ?? 'study', old.config);
  const b = identity(kind, c);
  // unset: pair counts default to 1000 each, epochs and batch size to each model's recipe
  const unset = (k: string): string => (k === 'trainPairs' || k === 'testPairs' ? 'default 1000' : k === 'report' ? 'none' : 'recipe default');
  const show = (k: string, v: unknown): string => (v === null ? unset(k) : Array.isArray(v) ? v.join(',') : typeof v === 'object' ? JSON.stringify(v) : String(v));
  const out: string[] = [];
  for (const k of Object.keys(b)) {
    if (JSON.stringify(a[k]) !== JSON.stringify(b[k])) out.push(`${k} ${show(k, a[k])} there, ${show(k, b[k])} here`);
  }
  return [...out, ...growthDifferences(old.config, c)];
}

// a study may gain models and rounds (its finished runs are kept and the new ones added); it may not lose them
function growthDifferences(old: StudyConfig, c: StudyConfig): string[] {
  const out: string[] = [];
  const missing = old.models.filter((m) => !c.models.includes(m));
  if (missing.length > 0) out.push(`models ${missing.join(',')} there, not here (models can be added, not removed)`);
  const r = (v: number | null): string => (v === null ? 'recipe default' : String(v));
  // rounds per model, the recipe's where the study follows it: none may go down
  const grows = old.rounds === c.rounds || old.models.every((m) => !c.models.includes(m) || roundsOf(c, m) >= roundsOf(old, m));
  if (!grows) out.push(`rounds ${r(old.rounds)} there, ${r(c.rounds)} here (rounds can be added, not removed)`);
  return out;
}
