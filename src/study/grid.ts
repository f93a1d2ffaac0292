// carparelli2019's grid search: for each model, every combination of hidden units H, learning rate
// and lambda (aux models only), each trained on 70% of the training pairs over k seeds and scored
// on the other 30% (validation, final epoch); the best mean validation accuracy wins (ties: the
// first in list order); then the final rounds on all 1000 training pairs with the winner.
// The test pairs are never used to select.
import { writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { PairbenchError } from '../errors.js';
import { getModel, modelsOfReport } from '../models/registry.js';
import { carparelliSpec, GRID_VALIDATION_FRACTION, isCarparelliId, type GridTag, type RunJob, type StudyRecord } from './job.js';
import { runSeed } from './seeds.js';
import type { StudyConfig } from './types.js';

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
export interface GridWinner { model: string; best: Combo; scores: ComboScore[] }

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
    let best = scores[0]!;
    for (const s of scores) if (s.validation > best.validation || !Number.isFinite(best.validation)) best = s;
    return { model, best: { hidden: best.hidden, lr: best.lr, lambda: best.lambda }, scores };
  });
}

export function finalJobs(c: StudyConfig, winners: readonly GridWinner[]): RunJob[] {
  const jobs: RunJob[] = [];
  for (let round = 0; round < c.rounds!; round++) {
    for (const w of winners) jobs.push({ model: w.model, round, seed: runSeed(c.seed, w.model, round), ...common(c), grid: { stage: 'final', ...w.best } });
  }
  return jobs;
}

export function comboText(c: Combo): string {
  return `H ${c.hidden}, lr ${c.lr}${c.lambda === null ? '' : `, lambda ${c.lambda}`}`;
}

// the winners and each model's top combinations, as text (terminal and grid.md)
export function gridText(winners: readonly GridWinner[], top = 5): string {
  const out: string[] = [];
  for (const w of winners) {
    out.push(`${w.model}: best ${comboText(w.best)}`);
    const sorted = [...w.scores].sort((a, b) => (b.validation || 0) - (a.validation || 0)).slice(0, top);
    for (const s of sorted) out.push(`    ${comboText(s).padEnd(34)} validation ${(s.validation * 100).toFixed(2)}%${s.sd === null ? '' : ` ± ${(s.sd * 100).toFixed(2)}`} (${s.n} seed${s.n === 1 ? '' : 's'})`);
  }
  return out.join('\n');
}

export function writeGridFiles(dir: string, winners: readonly GridWinner[]): string {
  const write = (p: string, t: string): void => {
    writeFileSync(`${p}.tmp-${process.pid}`, t);
    renameSync(`${p}.tmp-${process.pid}`, p);
  };
  const json = join(dir, 'grid.json');
  write(json, JSON.stringify({ selection: 'mean final-epoch validation accuracy over the seeds (30% of the training pairs); test pairs not used', winners }, null, 2) + '\n');
  write(join(dir, 'grid.md'), `# Grid search\n\nSelected on the mean final-epoch validation accuracy (30% of the training pairs) over the seeds; the test pairs are not used.\n\n\`\`\`\n${gridText(winners, Infinity)}\n\`\`\`\n`);
  return json;
}

export function winnerDescriptions(winners: readonly GridWinner[]): { id: string; params: number; description: string; ours: string[] }[] {
  return winners.map((w) => {
    const s = carparelliSpec(w.model, w.best);
    return { id: s.id, params: s.params, description: `${s.description} (grid winner: ${comboText(w.best)})`, ours: s.ours.filter((o) => !o.startsWith('H = ')) };
  });
}
