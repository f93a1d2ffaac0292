// stochastic weight averaging (Izmailov et al. 2018) with the semantics of PyTorch's swa_utils:
// ParameterAverage is AveragedModel's default equal-weight running average of the parameters,
// updateBatchNorm is update_bn (each batch norm's statistics recomputed as the cumulative average over batches)
import { PairbenchError } from '../errors.js';
import { BatchNormBase } from '../nn/layers.js';
import type { Module } from '../nn/module.js';
import { noGrad } from '../tensor/autograd.js';
import type { Tensor } from '../tensor/tensor.js';

export class ParameterAverage {
  private readonly avg: Float32Array[];
  // how many snapshots the average holds
  count = 0;
  constructor(readonly params: Tensor[]) {
    this.avg = params.map((p) => new Float32Array(p.size));
  }
  // avg += (p - avg) / (count + 1), each operation rounded to float32 as PyTorch's; the first call copies
  update(): void {
    const n = this.count + 1;
    for (let i = 0; i < this.params.length; i++) {
      const a = this.avg[i]!;
      const p = this.params[i]!.data;
      if (this.count === 0) a.set(p);
      else for (let j = 0; j < a.length; j++) a[j] = a[j]! + Math.fround(Math.fround(p[j]! - a[j]!) / n);
    }
    this.count = n;
  }
  // writes the average into the parameters: the network becomes the averaged model
  apply(): void {
    if (this.count === 0) throw new PairbenchError('bad_argument', 'ParameterAverage.apply: no snapshot was averaged (call update() first)', { op: 'ParameterAverage.apply' });
    for (let i = 0; i < this.params.length; i++) this.params[i]!.data.set(this.avg[i]!);
  }
}

// every batch norm's running mean and variance recomputed from `forward` over `batches` in training
// mode without gradients, as the equal-weight average over batches (momentum 1/k at batch k, PyTorch's
// momentum None); momenta and the training flag are restored. Returns the number of batches
export function updateBatchNorm<T>(net: Module, batches: Iterable<T>, forward: (batch: T) => void): number {
  const norms = net.modules().filter((m): m is BatchNormBase => m instanceof BatchNormBase);
  if (norms.length === 0) return 0;
  const momenta = norms.map((m) => m.momentum);
  const wasTraining = net.training;
  net.train();
  let k = 0;
  try {
    noGrad(() => {
      for (const b of batches) {
        k++;
        for (const m of norms) m.momentum = 1 / k;
        forward(b);
      }
    });
  } finally {
    norms.forEach((m, i) => { m.momentum = momenta[i]!; });
    net.train(wasTraining);
  }
  return k;
}
