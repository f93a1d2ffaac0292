// one planned run as a worker executes it: a model id and seed (+ the grid search's hyperparameters)
import { hostname } from 'node:os';
import { trainStats } from '../data/mnist.js';
import { generatePairSets, randomSplitPairs, standardise } from '../data/pairs.js';
import type { MnistDataset } from '../data/types.js';
import { PairbenchError } from '../errors.js';
import { carparelliModel } from '../models/carparelli2019.js';
import type { ModelSpec } from '../models/types.js';
import { Rng } from '../tensor/random.js';
import { trainRun, type RunOptions } from '../train/run.js';
import type { EpochMetrics, RunRecord } from '../train/types.js';

// carparelli2019's grid search: which stage, and the hyperparameters of this run
export interface GridTag {
  stage: 'search' | 'final';
  hidden: number;
  lr: number;
  lambda: number | null; // null: a model without aux loss (lambda has no effect)
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
}

// a runs.jsonl line: the run record, plus the grid tag for grid-search studies and the machine that trained it
export type StudyRecord = RunRecord & { grid?: GridTag; host?: string };

// the validation part of the training pairs in the grid search (carparelli2019: 70/30)
export const GRID_VALIDATION_FRACTION = 0.3;

const CARPARELLI = /^carparelli2019\/(shallow|mlp|conv1|conv2)-(sharing|nosharing)-(aux|noaux)$/;

export function isCarparelliId(id: string): boolean {
  return CARPARELLI.test(id);
}

export function carparelliSpec(id: string, hp: { hidden: number; lr: number; lambda: number | null }): ModelSpec {
  const m = CARPARELLI.exec(id);
  if (m === null) throw new PairbenchError('bad_config', `the grid search takes carparelli2019 models only, got '${id}'`, { field: 'models', value: id });
  return carparelliModel(m[1] as 'shallow' | 'mlp' | 'conv1' | 'conv2', m[2] === 'sharing', m[3] === 'aux', { hidden: hp.hidden, lr: hp.lr, lambda: hp.lambda ?? 0 });
}

// the identity of a planned run in a study directory: what resume matches finished runs by
export function runKey(r: { model: string; round: number; seed: number; grid?: GridTag | undefined }): string {
  const g = r.grid;
  return g === undefined ? `${r.model}|${r.round}|${r.seed}` : `${r.model}|${r.round}|${r.seed}|${g.stage}|${g.hidden}|${g.lr}|${g.lambda}`;
}

export function executeJob(job: RunJob, data: MnistDataset, onEpoch?: (m: EpochMetrics) => void): StudyRecord {
  const opts: RunOptions = {
    model: job.grid === undefined ? job.model : carparelliSpec(job.model, job.grid),
    seed: job.seed,
    round: job.round,
    data,
    ...(job.epochs !== null ? { epochs: job.epochs } : {}),
    ...(job.batchSize !== null ? { batchSize: job.batchSize } : {}),
    ...(job.trainPairs !== undefined ? { trainPairs: job.trainPairs } : {}),
    ...(job.testPairs !== undefined ? { testPairs: job.testPairs } : {}),
    ...(onEpoch !== undefined ? { onEpoch } : {}),
  };
  const host = hostname();
  if (job.grid === undefined) return { ...trainRun(opts), host };
  if (job.grid.stage === 'search') {
    // the same training pairs trainRun would draw from this seed, split 70/30: train on 70%,
    // select on the 30% (validationAccuracy); the test pairs are drawn as usual and not used to select
    const rng = new Rng(job.seed);
    const drawn = generatePairSets(job.trainPairs ?? 1000, rng.split('data'), data);
    const train = standardise(drawn.train, trainStats(data));
    const [fit, validation] = randomSplitPairs(train, 1 - GRID_VALIDATION_FRACTION, rng.split('grid-split'));
    opts.train = fit;
    opts.validation = validation;
  }
  return { ...trainRun(opts), grid: job.grid, host };
}
