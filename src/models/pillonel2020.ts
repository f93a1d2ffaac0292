// pillonel2020 (seed 003): separate vs shared branches, a digit head, batch norm; one sigmoid output
import { Linear } from '../nn/layers.js';
import { convLayers, mlpHead, PairNet, Stack } from './blocks.js';
import { auxWeightModel, fixedModel } from './hyper.js';
import { recipe } from './recipes.js';
import type { BuildContext, ModelSpec, PublishedFigure, Recipe, ReportDescriptor } from './types.js';

const REPORT = 'pillonel2020';

const base: Recipe = recipe({ optimizer: { kind: 'adam', lr: 1e-3 }, batchSize: 100, epochs: 60, rounds: 100, mainLoss: 'bce-logits' });
const ours = ['batch 100', 'branch Conv(1,32,3) MaxPool2 Conv(32,64,3) MaxPool2 -> 256'];

// Conv(1,32,3) [BN] ReLU MaxPool2, Conv(32,64,3) [BN] ReLU MaxPool2 -> 256
function branch(ctx: BuildContext, batchNorm: boolean): Stack {
  return new Stack(convLayers(1, [{ out: 32, k: 3, pool: true }, { out: 64, k: 3, pool: true }], ctx, { batchNorm }));
}

// 512 -> 256 -> 128 -> 64 -> 1
function head(ctx: BuildContext, batchNorm: boolean) {
  return mlpHead(512, [256, 128, 64], 1, ctx, { batchNorm });
}

function published(model: string, mean: number, sd: number, seconds: number): PublishedFigure {
  return { model: `${REPORT}/${model}`, report: REPORT, mean, sd, rounds: 100, secondsPerRun: seconds, bestEpoch: false, note: 'final test accuracy over 100 rounds of 60 epochs' };
}

export function pillonelModels(): ModelSpec[] {
  return [
    fixedModel({
      id: `${REPORT}/model1`, report: REPORT, params: 210177, reportParams: 210177,
      description: 'separate conv branches; concat 512 -> 256 -> 128 -> 64 -> 1 (sigmoid + BCE)',
      ours, recipe: base, published: published('model1', 0.8375, 0.0095, 27),
      build: (ctx) => new PairNet({ branch: branch(ctx, false), branch2: branch(ctx, false), head: head(ctx, false) }),
    }),
    fixedModel({
      id: `${REPORT}/model2`, report: REPORT, params: 191361, reportParams: 191361,
      description: 'model1 with one shared branch',
      ours, recipe: base, published: published('model2', 0.8515, 0.0241, 29),
      build: (ctx) => new PairNet({ branch: branch(ctx, false), head: head(ctx, false) }),
    }),
    auxWeightModel((w) => ({
      id: `${REPORT}/model3`, report: REPORT, params: 193931, reportParams: 193931,
      description: `model2 + a digit head 256 -> 10 shared by both images; loss = BCE + ${w === 1 ? '' : `${w} (`}CE1 + CE2${w === 1 ? '' : ')'}`,
      ours: [...ours, 'the digit head reads the 256 branch features'],
      recipe: { ...base, auxLoss: { weight: { kind: 'constant', value: w }, onSigmoid: false } },
      published: published('model3', 0.8935, 0.0430, 31),
      build: (ctx) => new PairNet({ branch: branch(ctx, false), head: head(ctx, false), digitHead: new Linear(256, 10, ctx.init) }),
    })),
    auxWeightModel((w) => ({
      id: `${REPORT}/model4`, report: REPORT, params: 195019, reportParams: 195019,
      description: 'model3 + batch norm: conv -> BN -> ReLU -> pool, linear -> BN -> ReLU',
      ours: [...ours, 'the digit head reads the 256 branch features', 'no batch norm on the output or the digit head'],
      recipe: { ...base, auxLoss: { weight: { kind: 'constant', value: w }, onSigmoid: false } },
      published: published('model4', 0.8894, 0.0091, 57),
      build: (ctx) => new PairNet({ branch: branch(ctx, true), head: head(ctx, true), digitHead: new Linear(256, 10, ctx.init) }),
    })),
  ];
}

export const pillonelReport: ReportDescriptor = {
  id: REPORT,
  summary: 'separate vs shared branches, a digit head, batch norm; one sigmoid output',
  models: () => pillonelModels(),
  protocol: [],
  publishedNote: 'mean and sd of the final test accuracy over 100 rounds of 60 epochs, and seconds per round on the authors\' machine',
};
