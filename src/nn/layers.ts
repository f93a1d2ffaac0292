// the layers: Linear, Conv2d, pooling, BatchNorm1d/2d, Dropout, activations, Flatten, Sequential
import { PairbenchError } from '../errors.js';
import * as F from '../tensor/ops/index.js';
import type { Rng } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';
import { defaultBound, uniformInit } from './init.js';
import { Buffer, Module, parameter } from './module.js';

function positiveInt(layer: string, field: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) throw new PairbenchError('bad_argument', `${layer}: ${field} must be a positive integer, got ${v}`, { layer, field, value: v });
}

export class Linear extends Module {
  weight: Tensor; // (out, in)
  bias: Tensor | null;
  constructor(readonly inFeatures: number, readonly outFeatures: number, rng: Rng, opts: { bias?: boolean } = {}) {
    super();
    positiveInt('Linear', 'inFeatures', inFeatures);
    positiveInt('Linear', 'outFeatures', outFeatures);
    const b = defaultBound(inFeatures);
    this.weight = parameter(uniformInit([outFeatures, inFeatures], b, rng));
    this.bias = opts.bias === false ? null : parameter(uniformInit([outFeatures], b, rng));
  }
  forward(x: Tensor): Tensor {
    return F.linear(x, this.weight, this.bias);
  }
  // this layer followed by a ReLU, as one op
  forwardRelu(x: Tensor): Tensor {
    return F.linear(x, this.weight, this.bias, { relu: true });
  }
}

export class Conv2d extends Module {
  weight: Tensor; // (O, C, KH, KW)
  bias: Tensor | null;
  readonly stride: number;
  readonly padding: number;
  constructor(readonly inChannels: number, readonly outChannels: number, readonly kernelSize: number, rng: Rng,
    opts: { stride?: number; padding?: number; bias?: boolean } = {}) {
    super();
    positiveInt('Conv2d', 'inChannels', inChannels);
    positiveInt('Conv2d', 'outChannels', outChannels);
    positiveInt('Conv2d', 'kernelSize', kernelSize);
    this.stride = opts.stride ?? 1;
    this.padding = opts.padding ?? 0;
    const b = defaultBound(inChannels * kernelSize * kernelSize);
    this.weight = parameter(uniformInit([outChannels, inChannels, kernelSize, kernelSize], b, rng));
    this.bias = opts.bias === false ? null : parameter(uniformInit([outChannels], b, rng));
  }
  forward(x: Tensor): Tensor {
    return F.conv2d(x, this.weight, this.bias, { stride: this.stride, padding: this.padding });
  }
  // this layer followed by a ReLU, as one op
  forwardRelu(x: Tensor): Tensor {
    return F.conv2d(x, this.weight, this.bias, { stride: this.stride, padding: this.padding, relu: true });
  }
}

export class MaxPool2d extends Module {
  constructor(readonly kernelSize: number, readonly stride = kernelSize) { super(); }
  forward(x: Tensor): Tensor { return F.maxPool2d(x, this.kernelSize, this.stride); }
}

export class AvgPool2d extends Module {
  constructor(readonly kernelSize: number, readonly stride = kernelSize) { super(); }
  forward(x: Tensor): Tensor { return F.avgPool2d(x, this.kernelSize, this.stride); }
}

export class BatchNormBase extends Module {
  weight: Tensor;
  bias: Tensor;
  runningMean: Buffer;
  runningVar: Buffer;
  constructor(readonly numFeatures: number, private readonly rank: 2 | 4, public momentum = 0.1, readonly eps = 1e-5) {
    super();
    positiveInt('BatchNorm', 'numFeatures', numFeatures);
    this.weight = parameter(Tensor.full([numFeatures], 1));
    this.bias = parameter(Tensor.zeros([numFeatures]));
    this.runningMean = new Buffer(Tensor.zeros([numFeatures]));
    this.runningVar = new Buffer(Tensor.full([numFeatures], 1));
  }
  private checkRank(x: Tensor): void {
    if (x.ndim !== this.rank) {
      throw new PairbenchError('shape_mismatch', `BatchNorm${this.rank === 2 ? '1d' : '2d'}: expects a ${this.rank}-d input, got [${x.shape.join(', ')}]`, { op: 'batchNorm', shapes: { x: x.shape } });
    }
  }
  forward(x: Tensor): Tensor {
    this.checkRank(x);
    return F.batchNorm(x, this.weight, this.bias, this.runningMean.value, this.runningVar.value, { training: this.training, momentum: this.momentum, eps: this.eps });
  }
  // this layer followed by a ReLU, as one op
  forwardRelu(x: Tensor): Tensor {
    this.checkRank(x);
    return F.batchNorm(x, this.weight, this.bias, this.runningMean.value, this.runningVar.value, { training: this.training, momentum: this.momentum, eps: this.eps, relu: true });
  }
}

export class BatchNorm1d extends BatchNormBase {
  constructor(numFeatures: number, momentum = 0.1, eps = 1e-5) { super(numFeatures, 2, momentum, eps); }
}

export class BatchNorm2d extends BatchNormBase {
  constructor(numFeatures: number, momentum = 0.1, eps = 1e-5) { super(numFeatures, 4, momentum, eps); }
}

// each Dropout draws its masks from its own generator (seeded by the model's run)
export class Dropout extends Module {
  constructor(readonly p: number, private readonly rng: Rng) {
    super();
    if (!(p >= 0 && p < 1)) throw new PairbenchError('bad_argument', `Dropout: p must be in [0, 1), got ${p}`, { field: 'p', value: p });
  }
  forward(x: Tensor): Tensor { return F.dropout(x, this.p, this.rng, this.training); }
}

export class ReLU extends Module { forward(x: Tensor): Tensor { return F.relu(x); } }
export class LeakyReLU extends Module {
  constructor(readonly slope = 0.01) { super(); }
  forward(x: Tensor): Tensor { return F.leakyRelu(x, this.slope); }
}
export class Sigmoid extends Module { forward(x: Tensor): Tensor { return F.sigmoid(x); } }
export class Tanh extends Module { forward(x: Tensor): Tensor { return F.tanh(x); } }
export class Identity extends Module { forward(x: Tensor): Tensor { return x; } }

export class Flatten extends Module {
  constructor(readonly startDim = 1) { super(); }
  forward(x: Tensor): Tensor { return F.flatten(x, this.startDim); }
}

export class Sequential extends Module {
  readonly layers: Module[];
  constructor(...layers: Module[]) {
    super();
    this.layers = layers;
  }
  forward(x: Tensor): Tensor {
    return runLayers(this.layers.length, (i) => this.layers[i]!, x);
  }
}

// a Linear, Conv2d or batch norm followed by a ReLU runs as one fused op (forwardRelu: the same values and gradients)
function fusesWithRelu(l: Module, next: Module | undefined): l is Linear | Conv2d | BatchNorm1d | BatchNorm2d {
  return (l instanceof Linear || l instanceof Conv2d || l instanceof BatchNormBase) && next instanceof ReLU;
}

// layers 0..count-1 in order, fused where fusesWithRelu says
export function runLayers(count: number, layer: (i: number) => Module, x: Tensor): Tensor {
  let y = x;
  for (let i = 0; i < count; i++) {
    const l = layer(i);
    if (i + 1 < count && fusesWithRelu(l, layer(i + 1))) {
      y = l.forwardRelu(y);
      i++;
    } else y = l.forward(y);
  }
  return y;
}
