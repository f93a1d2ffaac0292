// a report's own protocol as a study: its models, each with its recipe's epochs, rounds, batch and
// optimizer, its split and best-epoch figure where it used them; --rounds/--epochs shorten it
import { PairbenchError } from '../errors.js';
import { getModel, getReport, REPORTS } from '../models/registry.js';
import type { StudyConfig } from './types.js';

export interface ReproduceOptions {
  rounds?: number | undefined;
  epochs?: number | undefined;
  seed: number;
  workers: number;
  trainPairs?: number | undefined;
  testPairs?: number | undefined;
}

export interface ReproducePlan {
  report: string;
  config: StudyConfig;
  protocol: string[]; // what the report did, one line per point
  changes: string[]; // how this run departs from it ([] = the full protocol)
  shortened: boolean;
}

export function reportIds(which: string): string[] {
  if (which === 'all') return [...REPORTS];
  if (!(REPORTS as readonly string[]).includes(which)) {
    throw new PairbenchError('bad_argument', `unknown report '${which}'; one of: ${REPORTS.join(', ')}, or all`, { field: 'report', value: which });
  }
  return [which];
}

const range = (xs: number[]): string => {
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  return lo === hi ? String(lo) : `${lo}-${hi}`;
};

const OPTIMIZER_NAMES = { adam: 'Adam', adamw: 'AdamW', sgd: 'SGD' } as const;

export function reproducePlan(report: string, o: ReproduceOptions): ReproducePlan {
  const descriptor = getReport(report);
  const models = [...descriptor.models(), ...(descriptor.beside ?? []).map((id) => getModel(id))];
  const recipeRounds = models.map((m) => descriptor.rounds ?? m.recipe.rounds);
  const recipeEpochs = models.map((m) => m.recipe.epochs);
  const optimizers = new Set(models.map((m) => `${OPTIMIZER_NAMES[m.recipe.optimizer.kind]} lr ${m.recipe.optimizer.lr}`));
  const protocol = [
    `${models.length} models: ${models.map((m) => (m.report === report ? m.id.slice(report.length + 1) : m.id)).join(', ')}`,
    `${range(recipeEpochs)} epoch${range(recipeEpochs) === '1' ? '' : 's'}, ${range(recipeRounds)} round${range(recipeRounds) === '1' ? '' : 's'} of fresh pairs, batch ${range(models.map((m) => m.recipe.batchSize))}, ${optimizers.size === 1 ? [...optimizers][0]! : 'optimizer and lr of each model\'s recipe'} (per model: pairbench models ${report} --describe)`,
  ];
  // a trait of some models only (a comparison across reports) names them
  const whose = (ms: typeof models): string => (ms.length === models.length ? '' : `${ms.map((m) => m.id).join(', ')}: `);
  const split = models.filter((m) => m.recipe.testSplit === 'half-validation');
  if (split.length > 0) protocol.push(`${whose(split)}test pairs split 500 validation / 500 test; accuracy on the 500 test pairs`);
  const best = models.filter((m) => m.recipe.bestEpoch);
  if (best.length > 0) protocol.push(`${whose(best)}the report's figure is the best epoch of each run, chosen on the test set: compared with our best-epoch figure, the final epoch shown beside it`);
  protocol.push(...descriptor.protocol);
  if (models.every((m) => m.published?.mean === undefined && m.published?.sd === undefined && m.published?.max === undefined)) {
    protocol.push('the report published curves only: no figures to compare in the table');
  }
  const changes: string[] = [];
  let shortened = false;
  if (o.rounds !== undefined && recipeRounds.some((r) => r !== o.rounds)) {
    changes.push(`${o.rounds} round${o.rounds === 1 ? '' : 's'} instead of ${range(recipeRounds)}`);
    if (recipeRounds.some((r) => o.rounds! < r)) shortened = true;
  }
  if (o.epochs !== undefined && recipeEpochs.some((e) => e !== o.epochs)) {
    changes.push(`${o.epochs} epoch${o.epochs === 1 ? '' : 's'} instead of ${range(recipeEpochs)}`);
    if (recipeEpochs.some((e) => o.epochs! < e)) shortened = true;
  }
  if (o.trainPairs !== undefined && o.trainPairs !== 1000) {
    changes.push(`${o.trainPairs} training pairs instead of 1000`);
    shortened = true;
  }
  if (o.testPairs !== undefined && o.testPairs !== 1000) {
    changes.push(`${o.testPairs} test pairs instead of 1000`);
    shortened = true;
  }
  const config: StudyConfig = {
    models: models.map((m) => m.id),
    rounds: o.rounds ?? descriptor.rounds ?? null,
    epochs: o.epochs ?? null,
    seed: o.seed,
    workers: o.workers,
    batchSize: null,
    baseline: models[0]!.id,
    report,
    shortened,
    ...(o.trainPairs !== undefined ? { trainPairs: o.trainPairs } : {}),
    ...(o.testPairs !== undefined ? { testPairs: o.testPairs } : {}),
  };
  return { report, config, protocol, changes, shortened };
}
