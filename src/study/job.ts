// one planned run as a worker executes it: a model id and seed (+ the grid search's hyperparameters)
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { trainStats } from '../data/mnist.js';
import { generatePairSets, randomSplitPairs, standardise } from '../data/pairs.js';
import type { MnistDataset } from '../data/types.js';
import { getModel } from '../models/registry.js';
import type { ModelSpec } from '../models/types.js';
import { Rng } from '../tensor/random.js';
import { trainRun, type RunOptions } from '../train/run.js';
import { runCheckpointMeta, saveCheckpoint } from '../artifacts/checkpoint.js';
import type { EpochMetrics, RunRecord } from '../train/types.js';
import { ensureDir } from './files.js';
import { comboHyper, gridReport } from './grid.js';
import type { ModelVariant } from './types.js';

// a grid search run: its stage and the value of each axis (by tag, e.g. hidden, lr, lambda; null
// where the model lacks that hyperparameter), in the grid space's order
export interface GridTag {
  stage: 'search' | 'final';
  [tag: string]: number | null | 'search' | 'final';
}

export interface RunJob {
  model: string;
  round: number;
  seed: number;
  epochs: number | null; // null: the recipe's
  batchSize: number | null; // null: the recipe's
  trainPairs?: number;
  testPairs?: number;
  grid?: GridTag;
  checkpoint?: string; // --save: the file the trained network is written to
  variant?: ModelVariant; // job.model names a variant of this zoo model
  validationFraction?: number; // grid search: the part of the training pairs it selects on (default: the report's)
}

// a runs.jsonl line: the run record, plus the grid tag for grid-search studies and the machine that trained it
export type StudyRecord = RunRecord & { grid?: GridTag; host?: string };

// the identity of a planned run in a study directory: what resume matches finished runs by
export function runKey(r: { model: string; round: number; seed: number; grid?: GridTag | undefined }): string {
  const g = r.grid;
  if (g === undefined) return `${r.model}|${r.round}|${r.seed}`;
  const { stage, ...values } = g;
  return `${r.model}|${r.round}|${r.seed}|${stage}|${Object.values(values).map(String).join('|')}`;
}

// the model a job trains: a zoo id, a named variant of one, or a grid combination
export function jobSpec(job: Pick<RunJob, 'model' | 'grid' | 'variant'>): ModelSpec {
  if (job.grid !== undefined) return getModel(job.model).variant(comboHyper(job.model, job.grid));
  if (job.variant !== undefined) return getModel(job.variant.id).variant(job.variant.set, job.model);
  return getModel(job.model);
}

// the epochs a job trains (its own, or its model's recipe)
export function jobEpochs(job: RunJob): number {
  return job.epochs ?? jobSpec(job).recipe.epochs;
}

export function executeJob(job: RunJob, data: MnistDataset, onEpoch?: (m: EpochMetrics) => void): StudyRecord {
  const opts: RunOptions = {
    model: jobSpec(job),
    seed: job.seed,
    round: job.round,
    data,
    ...(job.epochs !== null ? { epochs: job.epochs } : {}),
    ...(job.batchSize !== null ? { batchSize: job.batchSize } : {}),
    ...(job.trainPairs !== undefined ? { trainPairs: job.trainPairs } : {}),
    ...(job.testPairs !== undefined ? { testPairs: job.testPairs } : {}),
    ...(onEpoch !== undefined ? { onEpoch } : {}),
  };
  if (job.checkpoint !== undefined) {
    const path = job.checkpoint;
    const spec = opts.model as ModelSpec;
    opts.onFinished = (net, record) => {
      ensureDir(dirname(path));
      saveCheckpoint(path, net, runCheckpointMeta(record, spec));
    };
  }
  const host = hostname();
  if (job.grid === undefined) return { ...trainRun(opts), host };
  if (job.grid.stage === 'search') {
    // the same training pairs trainRun would draw from this seed, split (carparelli2019: 70/30): train on
    // one part, select on the other (validationAccuracy); the test pairs are drawn as usual and not used to select
    const rng = new Rng(job.seed);
    const drawn = generatePairSets(job.trainPairs ?? 1000, rng.split('data'), data);
    const train = standardise(drawn.train, trainStats(data));
    const fraction = job.validationFraction ?? gridReport(getModel(job.model).report).grid.validationFraction;
    const [fit, validation] = randomSplitPairs(train, 1 - fraction, rng.split('grid-split'));
    opts.train = fit;
    opts.validation = validation;
  }
  return { ...trainRun(opts), grid: job.grid, host };
}
