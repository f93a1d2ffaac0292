// in-place optimizer steps, PyTorch semantics
import { PairbenchError } from '../../errors.js';
import type { Buf } from '../backend.js';

// param, grad, m, v: (n); step counts from 1
// AdamW (decoupledDecay > 0) first: param *= 1 - lr * decoupledDecay, the factor in param's precision (PyTorch's mul_)
// g = grad + weightDecay * param; m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g^2;
// param -= (lr / (1 - b1^step)) * m / (sqrt(v) / sqrt(1 - b2^step) + eps), grouped as PyTorch 1.13 does
export function adamStep(param: Buf, grad: Buf, m: Buf, v: Buf, lr: number, beta1: number, beta2: number, eps: number, weightDecay: number,
  decoupledDecay: number, step: number): void {
  if (!(step >= 1)) throw new PairbenchError('bad_argument', `adamStep: step counts from 1, got ${step}`, { op: 'adamStep', step });
  const stepSize = lr / (1 - Math.pow(beta1, step));
  const bc2Sqrt = Math.sqrt(1 - Math.pow(beta2, step));
  const shrink = param instanceof Float32Array ? Math.fround(1 - lr * decoupledDecay) : 1 - lr * decoupledDecay;
  const n = param.length;
  for (let i = 0; i < n; i++) {
    if (decoupledDecay !== 0) param[i] = param[i]! * shrink;
    const p = param[i]!;
    const g = weightDecay === 0 ? grad[i]! : grad[i]! + weightDecay * p;
    const mi = beta1 * m[i]! + (1 - beta1) * g;
    const vi = beta2 * v[i]! + (1 - beta2) * g * g;
    m[i] = mi;
    v[i] = vi;
    // read back so that a float32 state is used exactly as stored
    param[i] = p - stepSize * m[i]! / (Math.sqrt(v[i]!) / bc2Sqrt + eps);
  }
}

// param, grad, buf: (n); g = grad + weightDecay * param;
// momentum > 0: buf = g on the first step, else buf = momentum*buf + g; param -= lr * buf (else param -= lr * g)
export function sgdStep(param: Buf, grad: Buf, buf: Buf | null, lr: number, momentum: number, weightDecay: number, firstStep: boolean): void {
  const n = param.length;
  if (momentum > 0 && buf === null) {
    throw new PairbenchError('bad_argument', 'sgdStep: momentum > 0 needs a momentum buffer', { op: 'sgdStep', momentum });
  }
  for (let i = 0; i < n; i++) {
    const p = param[i]!;
    let g = weightDecay === 0 ? grad[i]! : grad[i]! + weightDecay * p;
    if (momentum > 0) {
      buf![i] = firstStep ? g : momentum * buf![i]! + g;
      g = buf![i]!;
    }
    param[i] = p - lr * g;
  }
}
