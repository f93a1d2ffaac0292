// lenet-transfer (seed 004): LeNet branches, weight sharing, a scheduled auxiliary loss,
// transfer from digit classification, and direct digit prediction
import { Flatten, Linear } from '../nn/layers.js';
import type { Module } from '../nn/module.js';
import { convLayers, fcLayers, mlpHead, PairNet, Stack, WholeNet } from './blocks.js';
import { fixedModel, hyperModel, type BaseSpec } from './hyper.js';
import { recipe } from './recipes.js';
import type { BuildContext, HyperParam, ModelSpec, PublishedFigure, Recipe, ReportDescriptor } from './types.js';

const REPORT = 'lenet-transfer';
const DROPOUT = 0.3;

const base: Recipe = recipe({
  optimizer: { kind: 'adam', lr: 1e-3 },
  batchSize: 100,
  epochs: 100,
  rounds: 15,
  mainLoss: 'ce',
  testSplit: 'half-validation',
});

const oursCommon = ['batch 100', 'validation = test pairs 0-499, test = pairs 500-999'];

// Conv(c,32,3) ReLU Dropout MaxPool2, Conv(32,64,3) ReLU Dropout MaxPool2, 256 -> 120 -> 84, ReLU + Dropout after each
function lenetLayers(inChannels: number, ctx: BuildContext, dropout: number): Record<string, Module> {
  return {
    ...convLayers(inChannels, [{ out: 32, k: 3, pool: true }, { out: 64, k: 3, pool: true }], ctx, { dropout }),
    ...fcLayers(256, [120, 84], ctx, { dropout }),
  };
}

function published(model: string, mean: number): PublishedFigure {
  return { model: `${REPORT}/${model}`, report: REPORT, mean, rounds: 15, bestEpoch: false, note: 'mean over 15 rounds, 100 epochs (two digits as printed)' };
}

function digitHeadNet(ctx: BuildContext, dropout: number, withHead: boolean): PairNet {
  return new PairNet({
    branch: new Stack(lenetLayers(1, ctx, dropout)),
    head: withHead ? mlpHead(168, [20], 2, ctx, { dropout }) : null,
    digitHead: new Linear(84, 10, ctx.init),
  });
}

const DROPOUT_PARAM: HyperParam = { key: 'dropout', kind: 'number', min: 0, max: 0.99, about: 'dropout probability after each activation' };

// the baseline has no dropout; every CNN takes it as a hyperparameter
function withDropout(make: (dropout: number) => BaseSpec): ModelSpec {
  return hyperModel({ space: [DROPOUT_PARAM], defaults: { dropout: DROPOUT }, make: (h) => make(h['dropout'] as number) });
}

// dropout: the old way to set it (the same as spec.variant({ dropout }))
export function lenetTransferModels(dropout?: number): ModelSpec[] {
  const specs = lenetSpecs();
  return dropout === undefined ? specs : specs.map((s) => ('dropout' in s.hyper ? s.variant({ dropout }) : s));
}

function lenetSpecs(): ModelSpec[] {
  return [
    fixedModel({
      id: `${REPORT}/baseline`, report: REPORT, params: 143906, reportParams: 146588,
      description: 'MLP on the flattened pair: 392 -> 256 -> 128 -> 64 -> 32 -> 2, no dropout',
      ours: [...oursCommon, 'layer sizes 392-256-128-64-32-2 (143,906 parameters; the report has 146,588)'],
      recipe: base, published: published('baseline', 0.81),
      build: (ctx) => new WholeNet(new Stack({ flatten: new Flatten(), mlp: mlpHead(392, [256, 128, 64, 32], 2, ctx) })),
    }),
    withDropout((dropout) => ({
      id: `${REPORT}/cnn`, report: REPORT, params: 60278,
      description: 'LeNet on the two digits as two channels: Conv(2,32,3) MaxPool2 Conv(32,64,3) MaxPool2 -> 256 -> 120 -> 84 -> 2, dropout 0.3',
      ours: [...oursCommon],
      recipe: base, published: published('cnn', 0.80),
      build: (ctx) => new WholeNet(new Stack({ ...lenetLayers(2, ctx, dropout), out: new Linear(84, 2, ctx.init) })),
    })),
    withDropout((dropout) => ({
      id: `${REPORT}/weight-sharing`, report: REPORT, params: 63242,
      description: 'shared LeNet branch per digit (84 features), concat 168 -> 20 -> 2, dropout 0.3',
      ours: [...oursCommon, 'ReLU and dropout on the 84 branch outputs before the concat'],
      recipe: base, published: published('weight-sharing', 0.85),
      build: (ctx) => new PairNet({ branch: new Stack(lenetLayers(1, ctx, dropout)), head: mlpHead(168, [20], 2, ctx, { dropout }) }),
    })),
    withDropout((dropout) => ({
      id: `${REPORT}/auxiliary-loss`, report: REPORT, params: 64092,
      description: 'weight-sharing + digit head 84 -> 10; loss = ((E-e)/E)(CE1 + CE2) + (1 - (E-e)/E) CE(target)',
      ours: [...oursCommon, 'the digit head reads the branch output after its ReLU and dropout'],
      recipe: { ...base, auxLoss: { weight: { kind: 'lenet-schedule' }, onSigmoid: false } }, published: published('auxiliary-loss', 0.90),
      build: (ctx) => digitHeadNet(ctx, dropout, true),
    })),
    withDropout((dropout) => ({
      id: `${REPORT}/transfer-learning`, report: REPORT, params: 64092,
      description: 'first floor(E/2) epochs: branch + digit head on single digits; then the pair task with the branch reused (not frozen), a fresh Adam over branch + pair head',
      ours: [...oursCommon, 'dropout on in both phases', 'the digit phase uses the 2000 training digits, 20 steps per epoch'],
      recipe: { ...base, phases: [{ kind: 'digits', epochs: 'half' }, { kind: 'pairs', epochs: 'rest', freshOptimizer: true }] },
      published: published('transfer-learning', 0.94),
      build: (ctx) => digitHeadNet(ctx, dropout, true),
    })),
    withDropout((dropout) => ({
      id: `${REPORT}/digit-prediction`, report: REPORT, params: 60670,
      description: 'LeNet branch + digit head trained on single digits; the comparison class1 <= class2 is done in code',
      ours: [...oursCommon, 'the digit phase uses the 2000 training digits, 20 steps per epoch'],
      recipe: { ...base, phases: [{ kind: 'digits', epochs: 'all' }], compareInCode: true },
      published: published('digit-prediction', 0.96),
      build: (ctx) => digitHeadNet(ctx, dropout, false),
    })),
  ];
}

export const lenetTransferReport: ReportDescriptor = {
  id: REPORT,
  summary: 'an MLP, a two-channel LeNet, weight sharing, a scheduled auxiliary loss, transfer from digits and direct digit prediction',
  models: () => lenetTransferModels(),
  protocol: [],
  publishedNote: 'mean test accuracy over 15 rounds of 100 epochs, printed with two digits (no sd); a 10x10 error heat map per model',
  start: {
    rounds: 10,
    epochs: 25,
    seed: 1,
    baseline: `${REPORT}/baseline`,
    out: 'studies/headline',
    name: 'headline',
    lines: [
      "the headline study: lenet-transfer's six models, 10 rounds of 25 epochs each. The report trained 100 epochs over 15 rounds;",
      "this one is shortened to finish in minutes (pairbench reproduce lenet-transfer runs the report's full protocol).",
    ],
  },
};
