// a report's grid search (its descriptor's grid space, src/models/): for each model, every
// combination of the axes its hyperparameters have, each trained on part of the training pairs over
// k seeds and scored on the rest (validation, final epoch); the best mean validation accuracy wins
// (ties: the first in list order); then the final rounds on all training pairs with the winner.
// The test pairs are never used to select.
import { join } from 'node:path';
import { z } from 'zod';
import { PairbenchError } from '../errors.js';
import { checkHyper } from '../models/hyper.js';
import { getModel, getReport, gridReports } from '../models/registry.js';
import type { GridAxis, GridSpace, HyperValues, ReportDescriptor } from '../models/types.js';
import { writeFileAtomic } from './files.js';
import { runKey, type GridTag, type RunJob, type StudyRecord } from './job.js';
import { runSeed } from './seeds.js';
import type { GridSettings, StudyConfig, StudyMeta } from './types.js';

export type { GridSettings };

export interface GridOptions {
  report?: string | undefined; // default: the one report with a grid space
  models?: string[] | undefined;
  axes?: Record<string, number[] | undefined>; // by the axis' flag ('hidden', 'lrs', 'lambdas'); default the report's lists
  k?: number | undefined;
  rounds?: number | undefined;
  epochs?: number | undefined;
  seed: number;
  workers: number;
  batchSize?: number | undefined;
  trainPairs?: number | undefined;
  testPairs?: number | undefined;
}

// one combination: a value per axis tag (null: the model lacks that hyperparameter)
export type Combo = Record<string, number | null>;

type GridReport = ReportDescriptor & { grid: GridSpace };

export function gridReport(id?: string): GridReport {
  if (id !== undefined) {
    const r = getReport(id);
    if (r.grid === undefined) throw new PairbenchError('bad_argument', `report '${id}' has no grid search (those that do: ${gridReports().map((g) => g.id).join(', ')})`, { field: 'report', value: id });
    return r as GridReport;
  }
  const all = gridReports();
  if (all.length !== 1) throw new PairbenchError('bad_argument', `name the report whose grid to run: ${all.map((g) => g.id).join(', ')}`, { field: 'report' });
  return all[0]!;
}

export function gridConfig(o: GridOptions): StudyConfig {
  const report = gridReport(o.report);
  const space = report.grid;
  const models = o.models ?? report.models().map((m) => m.id);
  for (const id of models) {
    const m = getModel(id); // unknown ids: the nearest ones
    if (m.report !== report.id) throw new PairbenchError('bad_config', `the grid search takes ${report.id} models only, got '${id}'`, { field: 'models', value: id });
  }
  if (new Set(models).size !== models.length) throw new PairbenchError('bad_config', 'a model is listed twice in --models', { field: 'models' });
  const axes: Record<string, number[]> = {};
  for (const a of space.axes) {
    const values = o.axes?.[a.flag] ?? a.values;
    const holder = models.map(getModel).find((m) => m.hyperSpace.some((p) => p.key === a.key));
    for (const v of values) {
      if (!(Number.isFinite(v) && v > 0 && (a.below === undefined || v < a.below))) {
        throw new PairbenchError('bad_argument', `${a.name} ${v} is out of range (must be above 0${a.below === undefined ? '' : ` and below ${a.below}`})`, { field: a.flag, value: v });
      }
      if (holder === undefined) continue;
      try {
        checkHyper(holder.id, holder.hyperSpace, { [a.key]: v });
      } catch (e) {
        if (e instanceof PairbenchError) throw new PairbenchError('bad_argument', `--${a.flag} ${v}: ${e.message}`, { field: a.flag, value: v });
        throw e;
      }
    }
    axes[a.flag] = values;
  }
  const grid: GridSettings = { axes, k: o.k ?? space.k, validationFraction: space.validationFraction };
  return {
    models,
    rounds: o.rounds ?? space.rounds,
    epochs: o.epochs ?? null,
    seed: o.seed,
    workers: o.workers,
    batchSize: o.batchSize ?? null,
    baseline: models[0]!,
    report: report.id,
    ...(o.trainPairs !== undefined ? { trainPairs: o.trainPairs } : {}),
    ...(o.testPairs !== undefined ? { testPairs: o.testPairs } : {}),
    grid,
  };
}

const numbers = z.array(z.number());
const settingsSchema = z.union([
  z.strictObject({ axes: z.record(z.string(), numbers), k: z.number(), validationFraction: z.number() }),
  // study.json before the grid space moved into the report descriptors: { lambdas, lrs, hidden, k, validationFraction } in config.extra.grid
  z.object({ k: z.number(), validationFraction: z.number() }).catchall(numbers).transform(({ k, validationFraction, ...axes }) => ({ axes, k, validationFraction })),
]);


// the grid settings of a grid study (its own field, or an older study.json's config.extra.grid); null for others
export function gridSettingsOf(c: Pick<StudyConfig, 'grid' | 'extra'>): GridSettings | null {
  const raw = c.grid ?? c.extra?.['grid'];
  if (raw === undefined || raw === null) return null;
  const r = settingsSchema.safeParse(raw);
  if (!r.success) throw new PairbenchError('bad_config', `study.json: the grid settings are not readable (${r.error.issues[0]?.message ?? ''})`, { field: 'grid' });
  return r.data;
}

export function gridSettings(c: StudyConfig): GridSettings {
  const g = gridSettingsOf(c);
  if (g === null) throw new PairbenchError('bad_config', 'not a grid study: study.json has no grid settings', { field: 'grid' });
  return g;
}

function axesOf(model: string): GridAxis[] {
  return gridReport(getModel(model).report).grid.axes;
}

// the combinations of one model: every axis its hyperparameters have, nested in the space's order
export function combos(model: string, g: GridSettings): Combo[] {
  const spec = getModel(model);
  let out: Combo[] = [{}];
  for (const a of axesOf(model)) {
    const has = spec.hyperSpace.some((p) => p.key === a.key);
    const values: (number | null)[] = has ? (g.axes[a.flag] ?? a.values) : [null];
    out = out.flatMap((c) => values.map((v) => ({ ...c, [a.tag]: v })));
  }
  return out;
}

// a model's combination with the largest value of every axis (H: the most costly to train), for
// estimating the final rounds before the winners are known
export function costliestCombo(model: string, g: GridSettings): Combo {
  const spec = getModel(model);
  return Object.fromEntries(axesOf(model).map((a) => [a.tag, spec.hyperSpace.some((p) => p.key === a.key) ? Math.max(...(g.axes[a.flag] ?? a.values)) : null]));
}

// the hyperparameters a grid tag (or a combination) sets on its model
export function comboHyper(model: string, c: Readonly<Record<string, unknown>>): HyperValues {
  const set: HyperValues = {};
  for (const a of axesOf(model)) {
    const v = c[a.tag];
    if (typeof v === 'number') set[a.key] = v;
  }
  return set;
}

function common(c: StudyConfig): Pick<RunJob, 'epochs' | 'batchSize' | 'trainPairs' | 'testPairs'> {
  return {
    epochs: c.epochs,
    batchSize: c.batchSize,
    ...(c.trainPairs !== undefined ? { trainPairs: c.trainPairs } : {}),
    ...(c.testPairs !== undefined ? { testPairs: c.testPairs } : {}),
  };
}

// the search: every model x combination x seed; the k seeds are the same for every combination of
// a model (the combinations see the same data draws)
export function searchJobs(c: StudyConfig): RunJob[] {
  const g = gridSettings(c);
  const jobs: RunJob[] = [];
  for (let i = 0; i < g.k; i++) {
    for (const model of c.models) {
      const seed = runSeed(c.seed, `grid:${model}`, i);
      for (const hp of combos(model, g)) jobs.push({ model, round: i, seed, ...common(c), grid: { stage: 'search', ...hp }, validationFraction: g.validationFraction });
    }
  }
  return jobs;
}

export type ComboScore = Combo & { n: number; validation: number; sd: number | null };
// best: null when no combination of the model has a finished search run; complete: every
// combination has its k seeds (otherwise the winner is provisional)
export interface GridWinner { model: string; best: Combo | null; complete: boolean; scores: ComboScore[] }

function comboOf(s: ComboScore, model: string): Combo {
  return Object.fromEntries(axesOf(model).map((a) => [a.tag, s[a.tag] ?? null]));
}

function sameCombo(tag: GridTag, c: Combo): boolean {
  return Object.entries(c).every(([k, v]) => (tag[k] ?? null) === v);
}

// mean final-epoch validation accuracy of each combination; the winner per model
export function gridWinners(c: StudyConfig, records: readonly StudyRecord[]): GridWinner[] {
  const g = gridSettings(c);
  return c.models.map((model) => {
    const scores: ComboScore[] = combos(model, g).map((hp) => {
      const v = records
        .filter((r) => r.model === model && r.grid?.stage === 'search' && sameCombo(r.grid, hp))
        .map((r) => r.validationAccuracy ?? r.metrics[r.metrics.length - 1]?.validationAccuracy ?? NaN);
      const n = v.length;
      const mean = n > 0 ? v.reduce((a, b) => a + b, 0) / n : NaN;
      const sd = n > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : null;
      return { ...hp, n, validation: mean, sd };
    });
    let best: ComboScore | null = null;
    for (const s of scores) if (s.n > 0 && (best === null || s.validation > best.validation || !Number.isFinite(best.validation))) best = s;
    const complete = scores.every((s) => s.n >= g.k);
    return { model, best: best === null ? null : comboOf(best, model), complete, scores };
  });
}

// what the study page shows of a grid search: the winners and how far the search stage got
export interface GridPageInfo {
  winners: GridWinner[];
  searchDone: number;
  searchPlanned: number;
  k: number;
  axes: { tag: string; key: string; name: string }[]; // the grid space's axes, in its order
  validationFraction: number;
}

export function gridPageInfo(meta: StudyMeta, records: readonly StudyRecord[]): GridPageInfo {
  const planned = meta.runs.filter((r) => (r as { grid?: GridTag }).grid?.stage === 'search').length;
  const searchPlanned = planned > 0 ? planned : searchJobs(meta.config).length;
  const done = new Set(records.filter((r) => r.grid?.stage === 'search').map((r) => runKey(r))).size;
  const g = gridSettings(meta.config);
  const axes = gridReport(meta.config.report).grid.axes.map((a) => ({ tag: a.tag, key: a.key, name: a.name }));
  return { winners: gridWinners(meta.config, records), searchDone: done, searchPlanned, k: g.k, axes, validationFraction: g.validationFraction };
}

export function finalJobs(c: StudyConfig, winners: readonly GridWinner[]): RunJob[] {
  const jobs: RunJob[] = [];
  for (let round = 0; round < c.rounds!; round++) {
    for (const w of winners) if (w.best !== null) jobs.push({ model: w.model, round, seed: runSeed(c.seed, w.model, round), ...common(c), grid: { stage: 'final', ...w.best } });
  }
  return jobs;
}

// 'H 100, lr 0.001, lambda 0.5' (each axis' hyperparameter name; the ones a model lacks left out);
// without a model: the axes of the grid space whose tags the combination has
export function comboText(c: Readonly<Record<string, unknown>>, model?: string): string {
  const axes = model !== undefined ? axesOf(model) : (gridReports().find((r) => r.grid.axes.some((a) => a.tag in c))?.grid.axes ?? []);
  return axes.filter((a) => c[a.tag] !== null && c[a.tag] !== undefined).map((a) => `${a.key} ${c[a.tag]}`).join(', ');
}

// the winners and each model's top combinations, as text (terminal and grid.md)
export function gridText(winners: readonly GridWinner[], top = 5): string {
  const out: string[] = [];
  const partial = winners.filter((w) => !w.complete).length;
  if (partial > 0) out.push(`partial grid search: ${partial} of ${winners.length} model${winners.length === 1 ? '' : 's'} not fully searched; their winners are provisional (among the combinations trained so far)`);
  for (const w of winners) {
    if (w.best === null) {
      out.push(`${w.model}: no winner (no search run finished)`);
      continue;
    }
    out.push(`${w.model}: ${w.complete ? 'best' : 'provisional best'} ${comboText(w.best, w.model)}`);
    const sorted = [...w.scores].filter((s) => s.n > 0).sort((a, b) => (b.validation || 0) - (a.validation || 0)).slice(0, top);
    for (const s of sorted) out.push(`    ${comboText(s, w.model).padEnd(34)} validation ${(s.validation * 100).toFixed(2)}%${s.sd === null ? '' : ` ± ${(s.sd * 100).toFixed(2)}`} (${s.n} seed${s.n === 1 ? '' : 's'})`);
  }
  return out.join('\n');
}

export function writeGridFiles(dir: string, c: StudyConfig, winners: readonly GridWinner[]): string {
  const pct = Math.round(gridSettings(c).validationFraction * 100);
  const selection = `mean final-epoch validation accuracy over the seeds (${pct}% of the training pairs); test pairs not used`;
  const json = join(dir, 'grid.json');
  writeFileAtomic(json, JSON.stringify({ selection, winners }, null, 2) + '\n');
  writeFileAtomic(join(dir, 'grid.md'), `# Grid search\n\nSelected on the ${selection}.\n\n\`\`\`\n${gridText(winners, Infinity)}\n\`\`\`\n`);
  return json;
}

export function winnerDescriptions(winners: readonly GridWinner[]): { id: string; params: number; description: string; ours: string[] }[] {
  return winners.map((w) => {
    const base = getModel(w.model);
    if (w.best === null) return { id: base.id, params: base.params, description: `${base.description} (no grid winner: no search run finished)`, ours: base.ours };
    const s = base.variant(comboHyper(w.model, w.best));
    return { id: s.id, params: s.params, description: `${base.description} (grid winner: ${comboText(w.best, w.model)})`, ours: s.ours.filter((o) => !o.startsWith('H = ')) };
  });
}
