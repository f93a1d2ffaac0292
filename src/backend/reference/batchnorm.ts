// batch normalisation over (N, HW) per channel, PyTorch semantics
import type { Buf } from '../backend.js';
import { reluInPlace, reluMasked } from './elementwise.js';

// out, x: (N,C,HW), mean, invStd, gamma, beta: (C)
// mean and biased variance over the N*HW values of each channel (two passes); invStd = 1/sqrt(var + eps)
export function batchNormTrain(out: Buf, mean: Buf, invStd: Buf, x: Buf, gamma: Buf, beta: Buf, n: number, c: number, hw: number, eps: number, relu: boolean): void {
  const count = n * hw;
  for (let ch = 0; ch < c; ch++) {
    let sum = 0;
    for (let b = 0; b < n; b++) {
      const base = (b * c + ch) * hw;
      for (let i = 0; i < hw; i++) sum += x[base + i]!;
    }
    const mu = sum / count;
    let sq = 0;
    for (let b = 0; b < n; b++) {
      const base = (b * c + ch) * hw;
      for (let i = 0; i < hw; i++) { const t = x[base + i]! - mu; sq += t * t; }
    }
    const inv = 1 / Math.sqrt(sq / count + eps);
    mean[ch] = mu;
    invStd[ch] = inv;
    const scale = gamma[ch]! * inv;
    const shift = beta[ch]!;
    for (let b = 0; b < n; b++) {
      const base = (b * c + ch) * hw;
      for (let i = 0; i < hw; i++) out[base + i] = (x[base + i]! - mu) * scale + shift;
    }
  }
  if (relu) reluInPlace(out, n * c * hw);
}

// out, x: (N,C,HW), gamma, beta, runMean, runVar: (C)
export function batchNormEval(out: Buf, x: Buf, gamma: Buf, beta: Buf, runMean: Buf, runVar: Buf, n: number, c: number, hw: number, eps: number, relu: boolean): void {
  for (let ch = 0; ch < c; ch++) {
    const mu = runMean[ch]!;
    const scale = gamma[ch]! / Math.sqrt(runVar[ch]! + eps);
    const shift = beta[ch]!;
    for (let b = 0; b < n; b++) {
      const base = (b * c + ch) * hw;
      for (let i = 0; i < hw; i++) out[base + i] = (x[base + i]! - mu) * scale + shift;
    }
  }
  if (relu) reluInPlace(out, n * c * hw);
}

// dx, dy, x: (N,C,HW), dgamma, dbeta, mean, invStd, gamma: (C); train mode (the batch statistics depend on x)
// with xhat = (x - mean) * invStd and m = N*HW: dbeta = sum dy, dgamma = sum dy * xhat,
// dx = gamma * invStd / m * (m * dy - dbeta - xhat * dgamma)
// y: a relu-fused batch norm's output (or null): dy is masked where y <= 0 first
export function batchNormBackward(dx: Buf, dgamma: Buf, dbeta: Buf, dyIn: Buf, x: Buf, mean: Buf, invStd: Buf, gamma: Buf, y: Buf | null, n: number, c: number, hw: number): void {
  const dy = reluMasked(dyIn, y);
  const count = n * hw;
  for (let ch = 0; ch < c; ch++) {
    const mu = mean[ch]!;
    const inv = invStd[ch]!;
    let sumDy = 0;
    let sumDyXhat = 0;
    for (let b = 0; b < n; b++) {
      const base = (b * c + ch) * hw;
      for (let i = 0; i < hw; i++) {
        const g = dy[base + i]!;
        sumDy += g;
        sumDyXhat += g * (x[base + i]! - mu) * inv;
      }
    }
    dbeta[ch] = sumDy;
    dgamma[ch] = sumDyXhat;
    const k = gamma[ch]! * inv / count;
    for (let b = 0; b < n; b++) {
      const base = (b * c + ch) * hw;
      for (let i = 0; i < hw; i++) {
        const xhat = (x[base + i]! - mu) * inv;
        dx[base + i] = k * (count * dy[base + i]! - sumDy - xhat * sumDyXhat);
      }
    }
  }
}
