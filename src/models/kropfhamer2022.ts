// kropfhamer2022 (seed 000): feedforward, two-channel CNN, shared weights, auxiliary loss, pretraining; one sigmoid output
import { Flatten, Linear } from '../nn/layers.js';
import { convLayers, fcLayers, mlpHead, PairNet, Stack, WholeNet } from './blocks.js';
import { auxWeightModel, fixedModel } from './hyper.js';
import { recipe } from './recipes.js';
import type { BuildContext, ModelSpec, PublishedFigure, Recipe, ReportDescriptor } from './types.js';

const REPORT = 'kropfhamer2022';

const base: Recipe = recipe({ optimizer: { kind: 'adam', lr: 1e-3 }, batchSize: 100, epochs: 20, rounds: 30, mainLoss: 'bce-logits', bestEpoch: true });
const ours = ['batch 100', 'hidden 128', 'the course target (first <= second), not the report\'s "first is larger"'];

// Conv(1,32,3) ReLU MaxPool2 Conv(32,64,3) ReLU -> 1024 -> 128 -> 10 (raw logits)
function branch(ctx: BuildContext): Stack {
  return new Stack({
    ...convLayers(1, [{ out: 32, k: 3, pool: true }, { out: 64, k: 3 }], ctx),
    ...fcLayers(1024, [128, 10], ctx, { lastRaw: true }),
  });
}

function published(model: string, max: number, min: number, sd: number, note = ''): PublishedFigure {
  return { model: `${REPORT}/${model}`, report: REPORT, max, min, sd, rounds: 30, bestEpoch: true, note: `best epoch of each run, chosen on the test set${note}` };
}

export function kropfhamerModels(): ModelSpec[] {
  return [
    fixedModel({
      id: `${REPORT}/feedforward`, report: REPORT, params: 392 * 128 + 128 + 128 * 128 + 128 + 129,
      description: 'MLP on the flattened pair: 392 -> 128 -> 128 -> 1',
      ours, recipe: base, published: published('feedforward', 0.827, 0.791, 0.0089),
      build: (ctx) => new WholeNet(new Stack({ flatten: new Flatten(), mlp: mlpHead(392, [128, 128], 1, ctx) })),
    }),
    fixedModel({
      id: `${REPORT}/convolution`, report: REPORT, params: 2 * 32 * 9 + 32 + 32 * 64 * 9 + 64 + 1024 * 128 + 128 + 128 * 64 + 64 + 65,
      description: 'CNN on the two digits as channels: Conv(2,32,3) MaxPool2 Conv(32,64,3) -> 1024 -> 128 -> 64 -> 1',
      ours, recipe: base, published: published('convolution', 0.813, 0.813, 0.0085, '; max = min as printed, which cannot hold with sd > 0'),
      build: (ctx) => new WholeNet(new Stack({ ...convLayers(2, [{ out: 32, k: 3, pool: true }, { out: 64, k: 3 }], ctx), mlp: mlpHead(1024, [128, 64], 1, ctx) })),
    }),
    fixedModel({
      id: `${REPORT}/shared-weights`, report: REPORT, params: 151327,
      description: 'shared branch Conv(1,32,3) MaxPool2 Conv(32,64,3) -> 1024 -> 128 -> 10; concat 20 -> 1',
      ours: [...ours, 'the 10 branch outputs are raw logits (no ReLU) before the concat'],
      recipe: base, published: published('shared-weights', 0.878, 0.838, 0.0118),
      build: (ctx) => new PairNet({ branch: branch(ctx), head: new Stack({ out: new Linear(20, 1, ctx.init) }) }),
    }),
    auxWeightModel((w) => ({
      id: `${REPORT}/auxiliary-loss`, report: REPORT, params: 151306 * 2 + 21,
      description: 'as shared-weights with separate branches; each branch\'s 10 outputs also get digit cross-entropy; loss = BCE + CE1 + CE2; SGD lr 0.1',
      ours: [...ours, 'SGD lr 0.1 without momentum'],
      recipe: { ...base, optimizer: { kind: 'sgd', lr: 0.1, momentum: 0 }, auxLoss: { weight: { kind: 'constant', value: w }, onSigmoid: false } },
      published: published('auxiliary-loss', 0.709, 0.445, 0.0703),
      build: (ctx) => new PairNet({ branch: branch(ctx), branch2: branch(ctx), head: new Stack({ out: new Linear(20, 1, ctx.init) }), digitHead: 'features' }),
    })),
    fixedModel({
      id: `${REPORT}/pretraining`, report: REPORT, params: 151327,
      description: 'the shared-weights branch first trained alone as a digit classifier (20 epochs on the 2000 training digits), then the whole network on the pair target (20 epochs)',
      ours: [...ours, 'a fresh Adam for the pair phase'],
      recipe: { ...base, epochs: 40, phases: [{ kind: 'digits', epochs: 'half' }, { kind: 'pairs', epochs: 'rest', freshOptimizer: true }] },
      published: published('pretraining', 0.877, 0.841, 0.0098),
      build: (ctx) => new PairNet({ branch: branch(ctx), head: new Stack({ out: new Linear(20, 1, ctx.init) }), digitHead: 'features' }),
    }),
  ];
}

export const kropfhamerReport: ReportDescriptor = {
  id: REPORT,
  summary: 'feedforward, two-channel CNN, shared weights, an auxiliary digit loss and digit pretraining; one sigmoid output',
  models: () => kropfhamerModels(),
  protocol: [],
  publishedNote: 'max, min and sd over 30 runs of the best epoch of each run, chosen on the test set: compared with our best-epoch figure, our final-epoch figure beside it',
};
