// building blocks of the zoo: named stacks, per-image branches, the generic pair network
import { PairbenchError } from '../errors.js';
import { Module } from '../nn/module.js';
import { BatchNorm1d, BatchNorm2d, Conv2d, Dropout, Flatten, Linear, MaxPool2d, ReLU, runLayers } from '../nn/layers.js';
import * as F from '../tensor/ops/index.js';
import { isGradEnabled } from '../tensor/autograd.js';
import { Tensor } from '../tensor/tensor.js';
import type { BuildContext, PairNetwork, PairOutputs } from './types.js';

// a sequence of named layers (names appear in parameter names: 'branch.conv1.weight')
export class Stack extends Module {
  private readonly names: string[];
  constructor(layers: Record<string, Module>) {
    super();
    this.names = Object.keys(layers);
    Object.assign(this, layers);
  }
  // conv blocks (convBlockAt) as one kernel; the layers between them by runLayers (its Linear, Conv2d
  // or batch norm + ReLU fusion)
  forward(x: Tensor): Tensor {
    const layers = this.names.map((n) => (this as unknown as Record<string, Module>)[n]!);
    let y = x;
    let start = 0;
    for (let i = 0; i < layers.length; i++) {
      const block = convBlockAt(layers, i);
      if (block === null) continue;
      y = block.run(runLayers(i - start, (k) => layers[start + k]!, y));
      start = block.last + 1;
      i = block.last;
    }
    return runLayers(layers.length - start, (k) => layers[start + k]!, y);
  }
}

// Conv2d [BatchNorm2d] ReLU [Dropout] [MaxPool2d] at layers[i] run as one kernel: conv + ReLU
// [+ max-pool] fused (the same values and gradients as the layers one by one); without a tape, a
// batch norm in evaluation mode folded into the convolution's weights and bias, and a dropout in
// evaluation mode (the identity) skipped. null: no such block, or nothing beyond runLayers' conv + ReLU
function convBlockAt(layers: readonly Module[], i: number): { run: (x: Tensor) => Tensor; last: number } | null {
  const conv = layers[i];
  if (!(conv instanceof Conv2d)) return null;
  let j = i + 1;
  let bn: BatchNorm2d | null = null;
  const inference = !isGradEnabled();
  const next = layers[j];
  if (next instanceof BatchNorm2d) {
    if (next.training || !inference) return null;
    bn = next;
    j++;
  }
  if (!(layers[j] instanceof ReLU)) return null;
  const relu = j;
  const drop = layers[j + 1];
  if (drop instanceof Dropout && (!drop.training || drop.p === 0)) j++;
  const pool = layers[j + 1];
  const k = pool instanceof MaxPool2d && pool.stride === pool.kernelSize ? pool.kernelSize : 0;
  if (k === 0 && bn === null) return null;
  const opts = { stride: conv.stride, padding: conv.padding };
  return {
    last: k > 0 ? j + 1 : relu,
    run: (x) => {
      const { w, b } = bn === null ? { w: conv.weight, b: conv.bias } : foldBatchNorm(conv, bn);
      return k > 0 ? F.conv2dReluMaxPool(x, w, b, opts, k) : F.conv2d(x, w, b, { ...opts, relu: true });
    },
  };
}

// the convolution followed by the evaluation-mode batch norm as one convolution: per output channel
// s = gamma / sqrt(runVar + eps), weight * s, (bias - runMean) * s + beta
function foldBatchNorm(conv: Conv2d, bn: BatchNorm2d): { w: Tensor; b: Tensor } {
  const o = conv.outChannels;
  const w = conv.weight.data, per = w.length / o;
  const gamma = bn.weight.data, beta = bn.bias.data, mean = bn.runningMean.value.data, v = bn.runningVar.value.data;
  const bias = conv.bias === null ? null : conv.bias.data;
  const fw = w instanceof Float64Array ? new Float64Array(w.length) : new Float32Array(w.length);
  const fb = w instanceof Float64Array ? new Float64Array(o) : new Float32Array(o);
  for (let c = 0; c < o; c++) {
    const s = gamma[c]! / Math.sqrt(v[c]! + bn.eps);
    for (let q = c * per; q < (c + 1) * per; q++) fw[q] = w[q]! * s;
    fb[c] = ((bias === null ? 0 : bias[c]!) - mean[c]!) * s + beta[c]!;
  }
  return { w: new Tensor(fw, conv.weight.shape), b: new Tensor(fb, [o]) };
}

export interface ConvSpec { out: number; k: number; pool?: boolean }
export interface StackOptions { batchNorm?: boolean; dropout?: number; flatten?: boolean }

// conv layers: conv [bn] relu [dropout] [pool] each, named conv1.., bn1..
export function convLayers(inChannels: number, convs: readonly ConvSpec[], ctx: BuildContext, opts: StackOptions = {}): Record<string, Module> {
  const layers: Record<string, Module> = {};
  let c = inChannels;
  convs.forEach((s, i) => {
    const k = i + 1;
    layers[`conv${k}`] = new Conv2d(c, s.out, s.k, ctx.init);
    if (opts.batchNorm) layers[`bn${k}`] = new BatchNorm2d(s.out);
    layers[`relu${k}`] = new ReLU();
    if (opts.dropout) layers[`drop${k}`] = new Dropout(opts.dropout, ctx.dropout);
    if (s.pool) layers[`pool${k}`] = new MaxPool2d(2);
    c = s.out;
  });
  if (opts.flatten !== false) layers['flatten'] = new Flatten();
  return layers;
}

// fully connected layers named fc1.. with relu (+ bn, dropout) after each; `lastRaw` leaves the last one bare
export function fcLayers(inF: number, sizes: readonly number[], ctx: BuildContext, opts: StackOptions & { lastRaw?: boolean; first?: number } = {}): Record<string, Module> {
  const layers: Record<string, Module> = {};
  let f = inF;
  const first = opts.first ?? 1;
  sizes.forEach((s, i) => {
    const k = i + first;
    const raw = opts.lastRaw === true && i === sizes.length - 1;
    layers[`fc${k}`] = new Linear(f, s, ctx.init);
    if (!raw) {
      if (opts.batchNorm) layers[`bnfc${k}`] = new BatchNorm1d(s);
      layers[`relufc${k}`] = new ReLU();
      if (opts.dropout) layers[`dropfc${k}`] = new Dropout(opts.dropout, ctx.dropout);
    }
    f = s;
  });
  return layers;
}

// hidden fc layers then a bare output layer named 'out'
export function mlpHead(inF: number, hidden: readonly number[], outF: number, ctx: BuildContext, opts: StackOptions = {}): Stack {
  const layers = fcLayers(inF, hidden, ctx, opts);
  layers['out'] = new Linear(hidden.length > 0 ? hidden[hidden.length - 1]! : inF, outF, ctx.init);
  return new Stack(layers);
}

export interface PairNetParts {
  branch: Module; // per image: (N,1,14,14) -> features
  branch2?: Module; // separate branches: the second image's own (same shape, own weights)
  head: Module | null; // concat(f1, f2) on dim 1 -> main output; null for direct digit prediction
  digitHead?: Module | 'features'; // features -> 10 digit logits; 'features': the branch output is itself the logits
  digitHead2?: Module; // separate digit head for the second image
  sameHead?: Module; // concat -> a second classifier of the pair target (siebert2022/saux)
}

// the siamese pattern: one branch per image (shared or separate), a head on the concatenated features
export class PairNet extends Module implements PairNetwork {
  branch: Module;
  branch2: Module | null;
  head: Module | null;
  digitHead: Module | null;
  digitHead2: Module | null;
  sameHead: Module | null;
  private readonly featuresAreDigits: boolean;
  readonly forwardDigits: ((x: Tensor) => Tensor) | null;

  constructor(parts: PairNetParts) {
    super();
    this.branch = parts.branch;
    this.branch2 = parts.branch2 ?? null;
    this.head = parts.head;
    this.featuresAreDigits = parts.digitHead === 'features';
    this.digitHead = parts.digitHead instanceof Module ? parts.digitHead : null;
    this.digitHead2 = parts.digitHead2 ?? null;
    this.sameHead = parts.sameHead ?? null;
    const hasDigits = this.featuresAreDigits || this.digitHead !== null;
    this.forwardDigits = hasDigits ? (x: Tensor) => this.digitsOf(this.branch.forward(x), this.digitHead) : null;
  }

  private digitsOf(f: Tensor, head: Module | null): Tensor {
    const d = this.featuresAreDigits ? f : head!.forward(f);
    return d.ndim === 2 ? d : F.flatten(d);
  }

  forwardPair(x: Tensor): PairOutputs {
    // x: (N,2,14,14) -> the two (N,1,14,14) images; a shared branch runs once per image
    const x1 = F.slice(x, 1, 0, 1);
    const x2 = F.slice(x, 1, 1, 2);
    const f1 = this.branch.forward(x1);
    const f2 = (this.branch2 ?? this.branch).forward(x2);
    const hasDigits = this.featuresAreDigits || this.digitHead !== null;
    const digits: [Tensor, Tensor] | null = hasDigits
      ? [this.digitsOf(f1, this.digitHead), this.digitsOf(f2, this.digitHead2 ?? this.digitHead)]
      : null;
    if (this.head === null && this.sameHead === null) return { main: null, digits, same: null };
    const both = F.concat([f1, f2], 1);
    const flat = (t: Tensor): Tensor => (t.ndim === 2 ? t : F.flatten(t));
    return {
      main: this.head === null ? null : flat(this.head.forward(both)),
      digits,
      same: this.sameHead === null ? null : flat(this.sameHead.forward(both)),
    };
  }

  forward(x: Tensor): Tensor {
    const o = this.forwardPair(x);
    if (o.main === null) throw new PairbenchError('bad_argument', 'forward: this network has no pair output (it predicts digits only): use forwardPair', { op: 'forward' });
    return o.main;
  }

  pairPhaseParameters(): Tensor[] {
    const mods = [this.branch, this.branch2, this.head, this.sameHead].filter((m): m is Module => m !== null);
    return mods.flatMap((m) => m.parameters());
  }

  digitPhaseParameters(): Tensor[] {
    const mods = [this.branch, this.digitHead].filter((m): m is Module => m !== null);
    return mods.flatMap((m) => m.parameters());
  }
}

// a network on the whole (N,2,14,14) input: two channels or a flattened 392 vector
export class WholeNet extends Module implements PairNetwork {
  readonly forwardDigits = null;
  constructor(readonly net: Module) { super(); }
  forwardPair(x: Tensor): PairOutputs {
    return { main: this.net.forward(x), digits: null, same: null };
  }
  forward(x: Tensor): Tensor { return this.net.forward(x); }
  pairPhaseParameters(): Tensor[] { return this.parameters(); }
  digitPhaseParameters(): Tensor[] { return []; }
}

