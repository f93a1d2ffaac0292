// pairbench's own models (not from a report): a batch-normalised 3x3 CNN branch shared by both digits,
// a 10-way softmax bottleneck per digit and an order-comparison head P(a <= b) = sum_{i <= j} p_a(i) p_b(j);
// trained with random affine augmentation, AdamW + one-cycle and label smoothing
import { BatchNorm1d, BatchNorm2d, Conv2d, Dropout, Flatten, Linear, MaxPool2d, ReLU } from '../nn/layers.js';
import { Module } from '../nn/module.js';
import * as F from '../tensor/ops/index.js';
import { Tensor } from '../tensor/tensor.js';
import { Stack } from './blocks.js';
import { defineModel } from './define.js';
import { recipe } from './recipes.js';
import type { BuildContext, ModelSpec, PairNetwork, PairOutputs, Recipe } from './types.js';

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

export interface PairbenchVariant {
  labels: boolean; // digit cross-entropy on the bottleneck (the training pairs' digit labels)
  head: PairHead;
  augment: boolean;
  oneCycle: boolean; // AdamW + one-cycle; false: Adam at a constant lr 1e-3
  labelSmoothing: number;
  epochs: number;
  width: number;
  dropout: number;
}

export const BINARY: PairbenchVariant = { labels: false, head: 'order', augment: true, oneCycle: true, labelSmoothing: 0.05, epochs: 30, width: 16, dropout: 0.2 };
export const DIGITS: PairbenchVariant = { ...BINARY, labels: true };

// rounds: the two models' study rounds; the ablation variants' (a study with "rounds": "recipe")
const ROUNDS = 10;
const ABLATION_ROUNDS = 3;

export function pairbenchRecipe(v: PairbenchVariant, rounds = ROUNDS): Recipe {
  return recipe({
    optimizer: v.oneCycle ? { kind: 'adamw', lr: 4e-3, weightDecay: 5e-4 } : { kind: 'adam', lr: 1e-3 },
    ...(v.oneCycle ? { schedule: { kind: 'one-cycle' as const } } : {}),
    batchSize: 64,
    epochs: v.epochs,
    rounds,
    mainLoss: 'ce',
    ...(v.labelSmoothing > 0 ? { labelSmoothing: v.labelSmoothing } : {}),
    ...(v.augment ? { augment: { rotate: 12, shift: 1.5, scale: 0.1 } } : {}),
    auxLoss: v.labels ? { weight: { kind: 'constant', value: 1 }, onSigmoid: false } : null,
  });
}

export function pairbenchSpec(id: string, v: PairbenchVariant, description: string, rounds = ROUNDS): ModelSpec {
  const build = (ctx: BuildContext): OrderPairNet => new OrderPairNet(ctx, v.head, v.width, v.dropout);
  return defineModel({ id: `${REPORT}/${id}`, description, recipe: pairbenchRecipe(v, rounds), build });
}

// each ablation variant drops one ingredient of pairbench/binary (or pairbench/digits)
export const ABLATIONS: { id: string; of: 'binary' | 'digits'; change: Partial<PairbenchVariant>; without: string }[] = [
  { id: 'binary-mlp-head', of: 'binary', change: { head: 'mlp' }, without: 'the order-comparison head (an MLP on the two 128-feature vectors instead)' },
  { id: 'binary-no-augment', of: 'binary', change: { augment: false }, without: 'augmentation' },
  { id: 'binary-adam', of: 'binary', change: { oneCycle: false }, without: 'AdamW + one-cycle (Adam at a constant lr 1e-3 instead)' },
  { id: 'binary-no-smoothing', of: 'binary', change: { labelSmoothing: 0 }, without: 'label smoothing' },
  { id: 'digits-no-augment', of: 'digits', change: { augment: false }, without: 'augmentation' },
];

export function pairbenchModels(): ModelSpec[] {
  return [
    pairbenchSpec('binary', BINARY, 'binary target only: shared BN CNN branch, 10-way softmax bottleneck per digit, order-comparison head P(a <= b); augmentation, AdamW + one-cycle, label smoothing'),
    pairbenchSpec('digits', DIGITS, 'as pairbench/binary, plus the digit cross-entropy of the training pairs on the bottleneck'),
    ...ABLATIONS.map((a) => pairbenchSpec(a.id, { ...(a.of === 'binary' ? BINARY : DIGITS), ...a.change }, `ablation: pairbench/${a.of} without ${a.without}`, ABLATION_ROUNDS)),
  ];
}
