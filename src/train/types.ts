// the record of one training run: what runs.jsonl holds, one object per line
import type { HyperValues } from '../models/types.js';

export interface EpochMetrics {
  epoch: number; // 1-based, counted over all phases
  phase: 'pretrain' | 'main';
  trainLoss: number; // total loss, mean over the epoch's batches
  lossTerms: Record<string, number>; // each term's epoch mean: main, aux1, aux2, saux...
  trainAccuracy: number; // fraction; on the pair target (main phase) or digits (pretrain)
  testAccuracy: number; // fraction, pair target on the test pairs (eval mode)
  validationAccuracy?: number; // where the recipe has a split
  digitAccuracy?: number; // test digits, for models with digit outputs
  seconds: number;
}

export interface RunTiming {
  setupSeconds: number; // MNIST (its first load in a process), pair drawing, standardisation, model build
  trainSeconds: number; // the optimizer steps of every epoch
  evalSeconds: number; // the evaluations after every epoch
}

export interface RunRecord {
  model: string; // the zoo id, e.g. 'lenet-transfer/cnn', or a variant's name
  variantOf?: { id: string; set: HyperValues }; // a variant: the zoo id and the hyperparameters set
  round: number; // 0-based
  seed: number; // the run's own seed (derived from the study seed)
  params: number;
  epochs: number;
  batchSize: number;
  backend: string;
  metrics: EpochMetrics[];
  testAccuracy: number; // final epoch
  bestTestAccuracy: number; // best epoch, chosen on the test set (as some reports did): flagged
  bestEpoch: number;
  validationAccuracy?: number;
  digitAccuracy?: number;
  trainSeconds: number; // the whole run: setup, training and evaluation
  timing?: RunTiming; // where trainSeconds went (absent in records written before it existed)
  pairCounts: number[][]; // 10x10 test pairs per (digit1, digit2)
  errorCounts: number[][]; // 10x10 misclassified test pairs per (digit1, digit2)
  trainPairs?: number; // pairs trained on, validation pairs and test pairs: the real counts
  validationPairs?: number; // (absent in records written before they were recorded)
  testPairs?: number;
  standardisation?: { mean: number; std: number }; // the input standardisation the run used
  diverged?: Diverged; // the loss became NaN or infinite: the run stopped there
  collapsed?: true; // the final epoch predicts one class for every test pair
}

// where a run's loss stopped being finite: 1-based epoch, and the first loss term that did (or 'total')
export interface Diverged {
  epoch: number;
  term: string;
}
