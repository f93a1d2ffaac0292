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
  optimizer: { kind: 'adam'; lr: number } | { kind: 'sgd'; lr: number; momentum: number } | { kind: 'adamw'; lr: number; weightDecay: number };
  schedule?: ScheduleSpec; // per optimizer step over each phase; optimizer.lr is its peak (one-cycle) or start (cosine)
  labelSmoothing?: number; // on every cross-entropy term (main 'ce' and digits)
  augment?: AffineAugment; // a random affine map of every training image, drawn afresh each epoch
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
}
