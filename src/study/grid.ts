// carparelli2019's grid search: for each model, every combination of hidden units H, learning rate
// and lambda (aux models only), each trained on 70% of the training pairs over k seeds and scored
// on the other 30% (validation, final epoch); the best mean validation accuracy wins (ties: the
// first in list order); then the final rounds on all 1000 training pairs with the winner.
// The test pairs are never used to select.
import { join } from 'node:path';
import { PairbenchError } from '../errors.js';
import { getModel, modelsOfReport } from '../models/registry.js';
import { carparelliSpec, GRID_VALIDATION_FRACTION, isCarparelliId, runKey, type GridTag, type RunJob, type StudyRecord } from './job.js';
import { writeFileAtomic } from './files.js';
import { runSeed } from './seeds.js';
import type { StudyConfig, StudyMeta } from './types.js';

// the report's lists
export const GRID_DEFAULTS = {
  lambdas: [0.25, 0.5, 0.75, 1],
  lrs: [1e-5, 1e-3, 1e-1],
  hidden: [50, 100, 200, 300],
  k: 3, // seeds per combination (ours: the report does not say)
  rounds: 30,
};

export interface GridSettings {
  lambdas: number[];
  lrs: number[];
  hidden: number[];
  k: number;
  validationFraction: number;
}

export interface GridOptions {
  models?: string[] | undefined;
  lambdas?: number[] | undefined;
  lrs?: number[] | undefined;
  hidden?: number[] | undefined;
  k?: number | undefined;
  rounds?: number | undefined;
  epochs?: number | undefined;
  seed: number;
  workers: number;
  batchSize?: number | undefined;
  trainPairs?: number | undefined;
  testPairs?: number | undefined;
}

export interface Combo { hidden: number; lr: number; lambda: number | null }

export function gridConfig(o: GridOptions): StudyConfig {
  const models = o.models ?? modelsOfReport('carparelli2019').map((m) => m.id);
  for (const id of models) {
    getModel(id); // unknown ids: the nearest ones
    if (!isCarparelliId(id)) throw new PairbenchError('bad_config', `the grid search takes carparelli2019 models only, got '${id}'`, { field: 'models', value: id });
  }
  if (new Set(models).size !== models.length) throw new PairbenchError('bad_config', 'a model is listed twice in --models', { field: 'models' });
  for (const lr of o.lrs ?? []) if (!(lr > 0 && lr < 10)) throw new PairbenchError('bad_argument', `learning rate ${lr} is out of range (must be above 0 and below 10)`, { field: 'lrs', value: lr });
  const grid: GridSettings = {
    lambdas: o.lambdas ?? GRID_DEFAULTS.lambdas,
    lrs: o.lrs ?? GRID_DEFAULTS.lrs,
    hidden: o.hidden ?? GRID_DEFAULTS.hidden,
    k: o.k ?? GRID_DEFAULTS.k,
    validationFraction: GRID_VALIDATION_FRACTION,
  };
  return {
    models,
    rounds: o.rounds ?? GRID_DEFAULTS.rounds,
    epochs: o.epochs ?? null,
    seed: o.seed,
    workers: o.workers,
    batchSize: o.batchSize ?? null,
    baseline: models[0]!,
    report: 'carparelli2019',
    ...(o.trainPairs !== undefined ? { trainPairs: o.trainPairs } : {}),
    ...(o.testPairs !== undefined ? { testPairs: o.testPairs } : {}),
    extra: { grid },
  };
}

export function gridSettings(c: StudyConfig): GridSettings {
  return c.extra!['grid'] as GridSettings;
}

export function combos(model: string, g: GridSettings): Combo[] {
  const aux = model.endsWith('-aux');
  const out: Combo[] = [];
  for (const hidden of g.hidden) for (const lr of g.lrs) for (const lambda of aux ? g.lambdas : [null]) out.push({ hidden, lr, lambda });
  return out;
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
      for (const hp of combos(model, g)) jobs.push({ model, round: i, seed, ...common(c), grid: { stage: 'search', ...hp } });
    }
  }
  return jobs;
}

export interface ComboScore extends Combo { n: number; validation: number; sd: number | null }
// best: null when no combination of the model has a finished search run; complete: every
// combination has its k seeds (otherwise the winner is provisional)
export interface GridWinner { model: string; best: Combo | null; complete: boolean; scores: ComboScore[] }

const sameCombo = (g: GridTag, c: Combo): boolean => g.hidden === c.hidden && g.lr === c.lr && g.lambda === c.lambda;

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
    return { model, best: best === null ? null : { hidden: best.hidden, lr: best.lr, lambda: best.lambda }, complete, scores };
  });
}

// what the study page shows of a grid search: the winners and how far the search stage got
export interface GridPageInfo { winners: GridWinner[]; searchDone: number; searchPlanned: number; k: number }

export function gridPageInfo(meta: StudyMeta, records: readonly StudyRecord[]): GridPageInfo {
  const planned = meta.runs.filter((r) => (r as { grid?: GridTag }).grid?.stage === 'search').length;
  const searchPlanned = planned > 0 ? planned : searchJobs(meta.config).length;
  const done = new Set(records.filter((r) => r.grid?.stage === 'search').map((r) => runKey(r))).size;
  return { winners: gridWinners(meta.config, records), searchDone: done, searchPlanned, k: gridSettings(meta.config).k };
}

export function finalJobs(c: StudyConfig, winners: readonly GridWinner[]): RunJob[] {
  const jobs: RunJob[] = [];
  for (let round = 0; round < c.rounds!; round++) {
    for (const w of winners) if (w.best !== null) jobs.push({ model: w.model, round, seed: runSeed(c.seed, w.model, round), ...common(c), grid: { stage: 'final', ...w.best } });
  }
  return jobs;
}

export function comboText(c: Combo): string {
  return `H ${c.hidden}, lr ${c.lr}${c.lambda === null ? '' : `, lambda ${c.lambda}`}`;
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
    out.push(`${w.model}: ${w.complete ? 'best' : 'provisional best'} ${comboText(w.best)}`);
    const sorted = [...w.scores].filter((s) => s.n > 0).sort((a, b) => (b.validation || 0) - (a.validation || 0)).slice(0, top);
    for (const s of sorted) out.push(`    ${comboText(s).padEnd(34)} validation ${(s.validation * 100).toFixed(2)}%${s.sd === null ? '' : ` ± ${(s.sd * 100).toFixed(2)}`} (${s.n} seed${s.n === 1 ? '' : 's'})`);
  }
  return out.join('\n');
}

export function writeGridFiles(dir: string, winners: readonly GridWinner[]): string {
  const write = writeFileAtomic;
  const json = join(dir, 'grid.json');
  write(json, JSON.stringify({ selection: 'mean final-epoch validation accuracy over the seeds (30% of the training pairs); test pairs not used', winners }, null, 2) + '\n');
  write(join(dir, 'grid.md'), `# Grid search\n\nSelected on the mean final-epoch validation accuracy (30% of the training pairs) over the seeds; the test pairs are not used.\n\n\`\`\`\n${gridText(winners, Infinity)}\n\`\`\`\n`);
  return json;
}

export function winnerDescriptions(winners: readonly GridWinner[]): { id: string; params: number; description: string; ours: string[] }[] {
  return winners.map((w) => {
    if (w.best === null) {
      const m = getModel(w.model);
      return { id: m.id, params: m.params, description: `${m.description} (no grid winner: no search run finished)`, ours: m.ours };
    }
    const s = carparelliSpec(w.model, w.best);
    return { id: s.id, params: s.params, description: `${s.description} (grid winner: ${comboText(w.best)})`, ours: s.ours.filter((o) => !o.startsWith('H = ')) };
  });
}
