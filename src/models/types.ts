// what the model zoo gives for each model id: the network, its recipe, its report's figures
import type { AffineAugment } from '../data/augment.js';
import type { Module } from '../nn/module.js';
import type { ScheduleSpec } from '../optim/schedules.js';
import type { Rng } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';

// outputs of a pair network for x: (N,2,14,14); every tensor is raw (no sigmoid/softmax)
export interface PairOutputs {
  main: Tensor | null; // (N,2) or (N,1) logits; null for direct digit prediction
  digits: [Tensor, Tensor] | null; // (N,10) digit logits of the first and second image
  same: Tensor | null; // siebert2022/saux: a second classifier of the binary target
}

export interface PairNetwork extends Module {
  forwardPair(x: Tensor): PairOutputs;
  // (M,1,14,14) -> (M,10) digit logits; present when the network can classify single digits
  forwardDigits: ((x: Tensor) => Tensor) | null;
  // parameters trained in the pair phase after a digit phase (transfer): default all
  pairPhaseParameters(): Tensor[];
  // parameters trained in a digit phase: branch + digit head
  digitPhaseParameters(): Tensor[];
}

// how the main output is turned into a loss and a prediction
export type MainLoss =
  | 'ce' // two logits, cross-entropy
  | 'bce-logits' // one logit, sigmoid + binary cross-entropy
  | 'ce-on-sigmoid' // two outputs, sigmoid, then cross-entropy on those (siebert2022 oneHot, as the report did)
  | 'mse-sigmoid'; // one output, MSE on its sigmoid (siebert2022 oneHot = false)

export type AuxWeight =
  | { kind: 'constant'; value: number }
  // lenet-transfer: aux weight (E-e)/E, main weight 1 - (E-e)/E, e = epoch index from 0
  | { kind: 'lenet-schedule' };

export type Phase =
  | { kind: 'pairs'; epochs: number | 'rest'; freshOptimizer: boolean }
  | { kind: 'digits'; epochs: number | 'half' | 'all' };

export interface Recipe {
  optimizer: { kind: 'adam'; lr: number; weightDecay?: number } | { kind: 'sgd'; lr: number; momentum: number; weightDecay?: number } | { kind: 'adamw'; lr: number; weightDecay: number };
  schedule?: ScheduleSpec; // per optimizer step over each phase; optimizer.lr is its peak (one-cycle) or start (cosine)
  labelSmoothing?: number; // on every cross-entropy term (main 'ce' and digits)
  augment?: AffineAugment; // a random affine map of every training image, drawn afresh each epoch
  swa?: { last: number; lr: number }; // stochastic weight averaging over the last fraction `last` of the last phase's epochs at a constant lr (the schedule spans the epochs before); the final evaluation is of the average, batch norm recomputed
  tta?: { views: number; augment?: AffineAugment }; // test-time augmentation of the final epoch's evaluation: probabilities of the pair and views - 1 transformed copies averaged (augment: default the recipe's)
  batchSize: number;
  epochs: number;
  rounds: number;
  mainLoss: MainLoss;
  auxLoss: { weight: AuxWeight; onSigmoid: boolean } | null; // digit cross-entropy per image
  sameLossWeight: number; // siebert2022/saux; 0 = none
  phases: Phase[]; // [] = one pair phase over every epoch
  compareInCode: boolean; // direct digit prediction: the pair target from the two predicted classes
  testSplit: 'none' | 'half-validation'; // lenet-transfer: test pairs 0-499 validation, 500-999 test
  bestEpoch: boolean; // the report picked each run's best epoch on the test set
}

export interface PublishedFigure {
  model: string;
  report: string;
  mean?: number;
  sd?: number;
  min?: number;
  max?: number;
  rounds?: number;
  secondsPerRun?: number;
  bestEpoch: boolean;
  note: string;
}

export interface BuildContext {
  init: Rng; // parameter initialisation
  dropout: Rng; // dropout masks
}

// one hyperparameter a model exposes (src/models/hyper.ts validates values against these)
export interface HyperParam {
  key: string;
  kind: 'number' | 'integer' | 'boolean' | 'enum';
  values?: readonly string[]; // enum
  min?: number; // inclusive
  above?: number; // exclusive lower bound
  max?: number; // inclusive
  about: string;
}
export type HyperValue = number | boolean | string;
export type HyperValues = Record<string, HyperValue>;

export interface ModelSpec {
  id: string; // '<report>/<model>'
  report: string;
  description: string;
  ours: string[]; // choices the report leaves open, made by pairbench
  params: number; // parameter count (checked against the built network by the tests)
  reportParams?: number; // where the report states one
  recipe: Recipe;
  published?: PublishedFigure;
  build(ctx: BuildContext): PairNetwork;
  hyper: HyperValues; // the hyperparameter values this spec is built with
  hyperSpace: readonly HyperParam[]; // what variant() accepts
  variantOf?: { id: string; set: HyperValues }; // set on a variant: the zoo id and the values set
  // the same model with hyperparameters set (validated; unknown or ill-typed keys named), named `name` (default: the same id)
  variant(set: Readonly<Record<string, unknown>>, name?: string): ModelSpec;
}

// one axis of a report's grid search: a hyperparameter of its models and the values tried
export interface GridAxis {
  key: string; // the hyperparameter (ModelSpec.hyperSpace), e.g. 'H'
  tag: string; // its field in a run's grid tag and in the winners, e.g. 'hidden'
  flag: string; // `pairbench grid --<flag> a,b,c`, and its key in the study's grid settings, e.g. 'hidden'
  values: number[]; // the report's list
  integer: boolean;
  about: string; // for the CLI help: 'learning rates'
  name: string; // one value in a message: 'learning rate'
  below?: number; // values must be above 0 and below this
}

export interface GridSpace {
  axes: GridAxis[]; // nested in this order (the first outermost); a model without an axis' hyperparameter skips it
  k: number; // seeds per combination
  rounds: number; // final rounds with each model's winner
  validationFraction: number; // the part of the training pairs the search selects on
  ours: string[]; // the choices of the search that are ours
}

// the headline study `pairbench start` runs
export interface StartSpec {
  rounds: number;
  epochs: number;
  seed: number;
  baseline: string;
  out: string;
  name: string;
  lines: string[]; // printed before it runs: what it is and how it departs from the report
}

// everything pairbench knows of one report: adding a report is one descriptor in src/models/
export interface ReportDescriptor {
  id: string; // '<report>' of the '<report>/<model>' ids
  summary: string; // one line: what the report compares
  models(): ModelSpec[];
  protocol: string[]; // what `reproduce` says of the protocol beyond each model's recipe
  defaults?: HyperValues; // report-wide hyperparameter choices (e.g. carparelli2019's best configuration)
  publishedNote: string; // what the report published and how pairbench compares it
  grid?: GridSpace;
  start?: StartSpec;
  beside?: string[]; // models of other reports that `reproduce` runs beside this one's (pairbench's comparison)
  rounds?: number; // rounds of every model in `reproduce` (default: each model's recipe rounds)
}
