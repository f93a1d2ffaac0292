// siebert2022 (seed 002): separate / shared extractors with batch norm, a same-target auxiliary
// classifier, a digit auxiliary classifier; options oneHot and convolutionize
import { Conv2d, Flatten, ReLU } from '../nn/layers.js';
import type { Module } from '../nn/module.js';
import { convLayers, mlpHead, PairNet, Stack } from './blocks.js';
import { hyperModel, type BaseSpec } from './hyper.js';
import { recipe } from './recipes.js';
import type { BuildContext, HyperParam, ModelSpec, ReportDescriptor } from './types.js';

const REPORT = 'siebert2022';

export interface SiebertOptions { oneHot: boolean; convolutionize: boolean }
type Kind = 'sn' | 'wsn' | 'saux' | 'caux';

// Conv(1,32,3) BN ReLU, Conv(32,64,3) BN ReLU, MaxPool2 -> 64x5x5 (flattened to 1600 unless convolutionized)
function extractor(ctx: BuildContext, o: SiebertOptions): Stack {
  return new Stack(convLayers(1, [{ out: 32, k: 3 }, { out: 64, k: 3, pool: true }], ctx, { batchNorm: true, flatten: !o.convolutionize }));
}

// hidden sizes then an output; convolutionized: the first layer a conv over the whole 5x5 map, the rest 1x1 convs
function classifier(inChannels: number, hidden: number[], out: number, ctx: BuildContext, o: SiebertOptions): Module {
  if (!o.convolutionize) return mlpHead(inChannels * 25, hidden, out, ctx);
  const layers: Record<string, Module> = {};
  let c = inChannels;
  let k = 5;
  hidden.forEach((h, i) => {
    layers[`fc${i + 1}`] = new Conv2d(c, h, k, ctx.init);
    layers[`relufc${i + 1}`] = new ReLU();
    c = h;
    k = 1;
  });
  layers['out'] = new Conv2d(c, out, k, ctx.init);
  layers['flatten'] = new Flatten();
  return new Stack(layers);
}

function count(kind: Kind, o: SiebertOptions): number {
  const lin = (i: number, n: number): number => i * n + n;
  const ext = lin(9, 32) + 64 + lin(32 * 9, 64) + 128;
  const out = o.oneHot ? 2 : 1;
  const head = lin(3200, 64) + lin(64, 64) + lin(64, 32) + lin(32, out);
  const extra = kind === 'saux' ? lin(3200, 32) + lin(32, out) : kind === 'caux' ? lin(1600, 32) + lin(32, 10) : 0;
  return ext * (kind === 'sn' ? 2 : 1) + head + extra;
}

const OPTION_SPACE: HyperParam[] = [
  { key: 'oneHot', kind: 'boolean', about: 'two outputs with cross-entropy on their sigmoid (true) or one output with MSE on its sigmoid (false)' },
  { key: 'convolutionize', kind: 'boolean', about: 'every linear layer after the extractor as the equivalent convolution' },
];
const AUX_WEIGHT: HyperParam = { key: 'auxWeight', kind: 'number', min: 0, about: 'weight of the auxiliary loss' };
const DEFAULT_AUX_WEIGHT = 0.5;

export function siebertModel(kind: Kind, o: SiebertOptions): ModelSpec {
  const hasAux = kind === 'saux' || kind === 'caux';
  return hyperModel({
    space: hasAux ? [...OPTION_SPACE, AUX_WEIGHT] : OPTION_SPACE,
    defaults: { oneHot: o.oneHot, convolutionize: o.convolutionize, ...(hasAux ? { auxWeight: DEFAULT_AUX_WEIGHT } : {}) },
    make: (h) => makeSpec(kind, { oneHot: h['oneHot'] as boolean, convolutionize: h['convolutionize'] as boolean }, hasAux ? (h['auxWeight'] as number) : 0),
  });
}

function makeSpec(kind: Kind, o: SiebertOptions, auxWeight: number): BaseSpec {
  const suffix = `${o.oneHot ? '' : '-mse'}${o.convolutionize ? '-conv' : ''}`;
  const id = `${REPORT}/${kind}${suffix}`;
  const out = o.oneHot ? 2 : 1;
  const what = {
    sn: 'separate extractors; concat 3200 -> 64 -> 64 -> 32 -> out',
    wsn: 'one shared extractor; concat 3200 -> 64 -> 64 -> 32 -> out',
    saux: `wsn + a second classifier of the pair target after the extractor (concat -> 32 -> out), weight ${auxWeight}, dropped at evaluation`,
    caux: `wsn + a digit classifier shared by both images (1600 -> 32 -> 10); loss = main + ${auxWeight} (aux1 + aux2)`,
  }[kind];
  const ours = ['extractor sizes Conv(1,32,3) BN ReLU Conv(32,64,3) BN ReLU MaxPool2', 'plain SGD, lr 0.01 (the report\'s), momentum 0, batch 50: the report names no optimizer; Adam at lr 0.01 collapses to constant predictions, in PyTorch too'];
  if (kind === 'saux' || kind === 'caux') ours.push(`auxiliary weight ${auxWeight}`);
  return {
    id, report: REPORT, params: count(kind, o),
    ...(kind === 'caux' && o.oneHot && !o.convolutionize ? { reportParams: 281740 } : {}),
    description: `${what}; ${o.oneHot ? 'two sigmoid outputs with cross-entropy on them (oneHot, as the report did)' : 'one sigmoid output with MSE (oneHot = false)'}` +
      `${o.convolutionize ? '; every linear layer after the extractor as the equivalent convolution' : ''}`,
    ours,
    recipe: recipe({
      optimizer: { kind: 'sgd', lr: 0.01, momentum: 0 }, batchSize: 50, epochs: 100, rounds: 150,
      mainLoss: o.oneHot ? 'ce-on-sigmoid' : 'mse-sigmoid',
      auxLoss: kind === 'caux' ? { weight: { kind: 'constant', value: auxWeight }, onSigmoid: true } : null,
      sameLossWeight: kind === 'saux' ? auxWeight : 0,
    }),
    published: { model: id, report: REPORT, bestEpoch: false, note: 'curves only: WSN above SN, WSN ~ SAUX, SAUX slightly above CAUX' },
    build: (ctx) => new PairNet({
      branch: extractor(ctx, o),
      ...(kind === 'sn' ? { branch2: extractor(ctx, o) } : {}),
      head: classifier(128, [64, 64, 32], out, ctx, o),
      ...(kind === 'caux' ? { digitHead: classifier(64, [32], 10, ctx, o) } : {}),
      ...(kind === 'saux' ? { sameHead: classifier(128, [32], out, ctx, o) } : {}),
    }),
  };
}

export function siebertModels(): ModelSpec[] {
  const out: ModelSpec[] = [];
  for (const oneHot of [true, false]) for (const convolutionize of [false, true]) {
    for (const kind of ['sn', 'wsn', 'saux', 'caux'] as const) out.push(siebertModel(kind, { oneHot, convolutionize }));
  }
  return out;
}

export const siebertReport: ReportDescriptor = {
  id: REPORT,
  summary: 'separate vs shared extractors with batch norm, a same-target and a digit auxiliary classifier; options oneHot and convolutionize',
  models: () => siebertModels(),
  protocol: ['plain SGD lr 0.01 without momentum, batch 50 (ours: the report gives lr and batch but names no optimizer; Adam at lr 0.01 collapses)'],
  publishedNote: 'curves only (mean and sd of the test accuracy per epoch over 150 trials): WSN above SN, WSN ~ SAUX, SAUX slightly above CAUX; no number to compare',
};
