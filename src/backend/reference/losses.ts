// mean-reduced losses and their gradients, PyTorch semantics
import { PairbenchError } from '../../errors.js';
import type { Buf } from '../backend.js';

function checkTarget(op: string, target: Int32Array, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    const t = target[r]!;
    if (!(t >= 0 && t < cols)) {
      throw new PairbenchError('bad_argument', `${op}: target[${r}] = ${t} is outside [0, ${cols})`, { op, row: r, target: t, cols });
    }
  }
}

// out: (1), logp: (rows, cols), target: (rows) class indices
export function nllLoss(out: Buf, logp: Buf, target: Int32Array, rows: number, cols: number): void {
  checkTarget('nllLoss', target, rows, cols);
  let sum = 0;
  for (let r = 0; r < rows; r++) sum += logp[r * cols + target[r]!]!;
  out[0] = -sum / rows;
}

// dlogp: (rows, cols), target: (rows)
export function nllLossBackward(dlogp: Buf, dout: number, target: Int32Array, rows: number, cols: number): void {
  checkTarget('nllLossBackward', target, rows, cols);
  dlogp.fill(0, 0, rows * cols);
  const g = -dout / rows;
  for (let r = 0; r < rows; r++) dlogp[r * cols + target[r]!] = g;
}

// out: (1), x (logits), t: (n); the stable form of -(t*log(sigmoid(x)) + (1-t)*log(1-sigmoid(x)))
export function bceWithLogitsLoss(out: Buf, x: Buf, t: Buf, n: number): void {
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const v = x[i]!;
    sum += Math.max(v, 0) - v * t[i]! + Math.log1p(Math.exp(-Math.abs(v)));
  }
  out[0] = sum / n;
}

// dx, x, t: (n); dx = dout / n * (sigmoid(x) - t)
export function bceWithLogitsLossBackward(dx: Buf, dout: number, x: Buf, t: Buf, n: number): void {
  const g = dout / n;
  for (let i = 0; i < n; i++) dx[i] = g * (1 / (1 + Math.exp(-x[i]!)) - t[i]!);
}

// out: (1), p (probabilities), t: (n); each log clamped at -100
export function bceLoss(out: Buf, p: Buf, t: Buf, n: number): void {
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const pi = p[i]!;
    const ti = t[i]!;
    const logP = Math.max(Math.log(pi), -100);
    const log1mP = Math.max(Math.log(1 - pi), -100);
    sum -= ti * logP + (1 - ti) * log1mP;
  }
  out[0] = sum / n;
}

// dp, p, t: (n); PyTorch's formula: dp = dout / n * (p - t) / max(p * (1 - p), 1e-12)
export function bceLossBackward(dp: Buf, dout: number, p: Buf, t: Buf, n: number): void {
  const g = dout / n;
  for (let i = 0; i < n; i++) {
    const pi = p[i]!;
    dp[i] = g * (pi - t[i]!) / Math.max((1 - pi) * pi, 1e-12);
  }
}
