// pairbench's own models (not from a report): a batch-normalised 3x3 CNN branch shared by both digits,
// a 10-way softmax bottleneck per digit and an order-comparison head P(a <= b) = sum_{i <= j} p_a(i) p_b(j);
// trained with random affine augmentation, AdamW + one-cycle and label smoothing
import { BatchNorm1d, BatchNorm2d, Conv2d, Dropout, Flatten, Linear, MaxPool2d, ReLU } from '../nn/layers.js';
import { Module } from '../nn/module.js';
import * as F from '../tensor/ops/index.js';
import { Tensor } from '../tensor/tensor.js';
import { Stack } from './blocks.js';
import { countParameters } from './define.js';
import { ensembleOf } from './ensemble.js';
import { hyperModel } from './hyper.js';
import { recipe } from './recipes.js';
import type { BuildContext, HyperParam, HyperValues, ModelSpec, PairNetwork, PairOutputs, Recipe, ReportDescriptor } from './types.js';

const REPORT = 'pairbench';

// how far the comparison probability is kept from 0 and 1 (its log is the logit)
const PROB_MARGIN = 1e-6;

// (N,1,14,14) -> 128 features: [conv3x3 pad 1, BN, ReLU] x2, pool, [..] x2, pool, fc 576 -> 128, BN, ReLU, dropout
function trunk(ctx: BuildContext, width: number, dropout: number): Stack {
  const layers: Record<string, Module> = {};
  const convs: [number, number, boolean][] = [[1, width, false], [width, width, true], [width, 2 * width, false], [2 * width, 2 * width, true]];
  convs.forEach(([c, o, pool], i) => {
    layers[`conv${i + 1}`] = new Conv2d(c, o, 3, ctx.init, { padding: 1 });
    layers[`bn${i + 1}`] = new BatchNorm2d(o);
    layers[`relu${i + 1}`] = new ReLU();
    if (pool) layers[`pool${i + 1}`] = new MaxPool2d(2);
  });
  layers['flatten'] = new Flatten();
  layers['fc1'] = new Linear(2 * width * 9, 128, ctx.init);
  layers['bnfc1'] = new BatchNorm1d(128);
  layers['relufc1'] = new ReLU();
  if (dropout > 0) layers['dropfc1'] = new Dropout(dropout, ctx.dropout);
  return new Stack(layers);
}

// upper-triangular ones (i <= j): p_a^T U p_b = P(a <= b) for independent digit distributions
function orderMatrix(): Tensor {
  const u = new Float32Array(100);
  for (let i = 0; i < 10; i++) for (let j = i; j < 10; j++) u[i * 10 + j] = 1;
  return new Tensor(u, [10, 10]);
}

export type PairHead = 'order' | 'mlp';

// both digits through one trunk in one batch; 'order': the pair logits are [log P(a > b), log P(a <= b)]
// from the two 10-way softmaxes; 'mlp': concat(f_a, f_b) 256 -> 64 -> 2
export class OrderPairNet extends Module implements PairNetwork {
  static readonly PROB_MARGIN = PROB_MARGIN;
  trunk: Stack;
  digit: Linear; // 128 -> 10: the digit-like bottleneck
  head: Stack | null;
  private readonly order = orderMatrix();
  readonly forwardDigits: (x: Tensor) => Tensor;

  constructor(ctx: BuildContext, readonly kind: PairHead, width: number, dropout: number) {
    super();
    this.trunk = trunk(ctx, width, dropout);
    this.digit = new Linear(128, 10, ctx.init);
    this.head = kind === 'mlp' ? new Stack({ fc1: new Linear(256, 64, ctx.init), relu1: new ReLU(), out: new Linear(64, 2, ctx.init) }) : null;
    this.forwardDigits = (x: Tensor) => this.digit.forward(this.trunk.forward(x));
  }

  forwardPair(x: Tensor): PairOutputs {
    const n = x.shape[0]!;
    // (N,2,14,14) as (2N,1,14,14): the images of pair p are rows 2p and 2p + 1
    const f = this.trunk.forward(F.reshape(x, [2 * n, 1, 14, 14]));
    const logits = F.reshape(this.digit.forward(f), [n, 20]);
    const la = F.slice(logits, 1, 0, 10);
    const lb = F.slice(logits, 1, 10, 20);
    let main: Tensor;
    if (this.head !== null) {
      main = this.head.forward(F.reshape(f, [n, 256]));
    } else {
      const p = F.sum(F.mul(F.matmul(F.softmax(la), this.order), F.softmax(lb)), 1, true);
      const pc = F.add(F.scale(p, 1 - 2 * PROB_MARGIN), PROB_MARGIN);
      main = F.concat([F.log(F.add(F.neg(pc), 1)), F.log(pc)], 1);
    }
    return { main, digits: [la, lb], same: null };
  }

  forward(x: Tensor): Tensor { return this.forwardPair(x).main!; }
  pairPhaseParameters(): Tensor[] { return this.parameters(); }
  digitPhaseParameters(): Tensor[] { return [...this.trunk.parameters(), ...this.digit.parameters()]; }
}

// the hyperparameters of both models beside the recipe's (optimizer, lr, weightDecay, batchSize, epochs, rounds)
const SPACE: readonly HyperParam[] = [
  { key: 'head', kind: 'enum', values: ['order', 'mlp'], about: 'order: the parameter-free comparison of the two digit softmaxes; mlp: concat(f_a, f_b) 256 -> 64 -> 2' },
  { key: 'width', kind: 'integer', min: 1, max: 256, about: 'channels of the first two convolutions (the last two have twice as many)' },
  { key: 'dropout', kind: 'number', min: 0, max: 0.95, about: 'dropout after the 128-feature layer' },
  { key: 'labelSmoothing', kind: 'number', min: 0, max: 0.5, about: 'label smoothing of every cross-entropy term' },
  { key: 'augment', kind: 'boolean', about: 'random affine augmentation of every training image' },
  { key: 'rotate', kind: 'number', min: 0, max: 180, about: 'augmentation: rotation uniform in ±rotate degrees' },
  { key: 'shift', kind: 'number', min: 0, max: 14, about: 'augmentation: shift uniform in ±shift pixels on each axis' },
  { key: 'scale', kind: 'number', min: 0, max: 0.99, about: 'augmentation: zoom uniform in [1 - scale, 1 + scale]' },
  { key: 'elastic', kind: 'number', min: 0, max: 100, about: 'augmentation: elastic distortion strength alpha (Simard et al. 2003; 0 = none), training only' },
  { key: 'elasticSigma', kind: 'number', min: 0, max: 16, about: 'augmentation: sd in pixels of the Gaussian smoothing the elastic displacement field' },
  { key: 'schedule', kind: 'enum', values: ['one-cycle', 'cosine', 'none'], about: 'learning-rate schedule, stepped per batch (one-cycle: lr is its peak)' },
  { key: 'ensemble', kind: 'integer', min: 1, max: 16, about: 'networks trained side by side from their own initialisation, probabilities averaged' },
  { key: 'swa', kind: 'number', min: 0, max: 0.95, about: 'weight averaging (SWA) over this last fraction of the epochs at the constant lr swaLr, batch norm recomputed (0 = none)' },
  { key: 'swaLr', kind: 'number', min: 0, about: 'the constant learning rate of the SWA epochs' },
  { key: 'tta', kind: 'integer', min: 1, max: 64, about: 'test-time augmentation: views averaged per evaluated pair (1 = none)' },
];
const AUX: HyperParam = { key: 'auxWeight', kind: 'number', min: 0, about: 'weight of the digit cross-entropy terms' };

// rounds: a study with "rounds": "recipe" (and `pairbench reproduce pairbench`) runs this many
const ROUNDS = 10;

const COMMON: HyperValues = {
  head: 'order', width: 16, dropout: 0.2, labelSmoothing: 0.05,
  augment: true, rotate: 12, shift: 1.5, scale: 0.1, elastic: 0, elasticSigma: 2, schedule: 'one-cycle', swa: 0, swaLr: 1e-3, ensemble: 1, tta: 1,
};
export const BINARY_DEFAULTS: HyperValues = { ...COMMON, tta: 8 };
export const DIGITS_DEFAULTS: HyperValues = { ...COMMON, ensemble: 3, tta: 8, auxWeight: 1 };
// epochs of each model's recipe (digits: 60 won over 30 on the validation split, docs/models-pairbench.md)
const EPOCHS = { binary: 30, digits: 60 };

function pairbenchRecipe(h: HyperValues, epochs: number): Recipe {
  const schedule = h['schedule'] as 'one-cycle' | 'cosine' | 'none';
  const augment = { rotate: h['rotate'] as number, shift: h['shift'] as number, scale: h['scale'] as number };
  const elastic = h['elastic'] as number;
  // the test-time views are affine only
  const trainAugment = elastic > 0 ? { ...augment, elastic: { alpha: elastic, sigma: h['elasticSigma'] as number } } : augment;
  const labelSmoothing = h['labelSmoothing'] as number;
  const tta = h['tta'] as number;
  return recipe({
    optimizer: { kind: 'adamw', lr: 4e-3, weightDecay: 5e-4 },
    ...(schedule !== 'none' ? { schedule: { kind: schedule } } : {}),
    batchSize: 64,
    epochs,
    rounds: ROUNDS,
    mainLoss: 'ce',
    ...(labelSmoothing > 0 ? { labelSmoothing } : {}),
    ...(h['augment'] === true ? { augment: trainAugment } : {}),
    ...((h['swa'] as number) > 0 ? { swa: { last: h['swa'] as number, lr: h['swaLr'] as number } } : {}),
    ...(tta > 1 ? { tta: { views: tta, augment } } : {}),
    auxLoss: h['auxWeight'] !== undefined ? { weight: { kind: 'constant', value: h['auxWeight'] as number }, onSigmoid: false } : null,
  });
}

function pairbenchModel(id: 'binary' | 'digits', description: string, own: readonly HyperParam[], defaults: HyperValues): ModelSpec {
  return hyperModel({
    space: own,
    defaults,
    make: (h) => {
      const one = (ctx: BuildContext): PairNetwork => new OrderPairNet(ctx, h['head'] as PairHead, h['width'] as number, h['dropout'] as number);
      const build = ensembleOf(h['ensemble'] as number, one);
      return {
        id: `${REPORT}/${id}`,
        report: REPORT,
        description: (h['ensemble'] as number) > 1 ? `${description}; an ensemble of ${h['ensemble']} such networks, probabilities averaged` : description,
        ours: [],
        params: countParameters(build),
        recipe: pairbenchRecipe(h, EPOCHS[id]),
        build,
      };
    },
  });
}

export function pairbenchModels(): ModelSpec[] {
  return [
    pairbenchModel('binary', 'binary target only: shared BN CNN branch, 10-way softmax bottleneck per digit, order-comparison head P(a <= b); augmentation, AdamW + one-cycle, label smoothing, test-time augmentation', SPACE, BINARY_DEFAULTS),
    pairbenchModel('digits', 'as pairbench/binary, plus the digit cross-entropy of the training pairs on the bottleneck; 60 epochs', [...SPACE, AUX], DIGITS_DEFAULTS),
  ];
}

// the best model of every report, run beside pairbench's own by `pairbench reproduce pairbench`
export const REPORT_BESTS = [
  'kropfhamer2022/shared-weights',
  'carparelli2019/conv2-sharing-aux',
  'siebert2022/saux',
  'pillonel2020/model3',
  'lenet-transfer/digit-prediction',
];

export const pairbenchReport: ReportDescriptor = {
  id: REPORT,
  summary: "pairbench's own models (not a report): binary target only, and with the digit labels; beside the best model of every report",
  models: () => pairbenchModels(),
  beside: REPORT_BESTS,
  rounds: ROUNDS,
  protocol: [
    `beside them, each report's best model at its own recipe: ${REPORT_BESTS.join(', ')}`,
    'every choice of pairbench/binary and pairbench/digits was made on a validation split of the training pairs (docs/models-pairbench.md)',
  ],
  publishedNote: 'no published figures (not a report); the other reports\' figures are shown beside their models',
};
