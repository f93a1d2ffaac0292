// PyTorch's default initialisation: kaiming_uniform(a=sqrt(5)) for weights = U(-1/sqrt(fan_in), 1/sqrt(fan_in)), same bound for biases
import type { Rng } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';

export function uniformInit(shape: readonly number[], bound: number, rng: Rng): Tensor {
  const t = Tensor.zeros(shape);
  rng.fillUniform(t.data, -bound, bound);
  return t;
}

export function defaultBound(fanIn: number): number {
  return fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
}
