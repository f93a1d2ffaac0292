// 2-d pooling without padding, floor mode (a partial last window is dropped)
import type { Buf, PoolDims } from '../backend.js';

// out, argmax: (N,C,OH,OW), x: (N,C,H,W); argmax is the flat index into x of each window's first maximum
export function maxPool2d(out: Buf, argmax: Int32Array, x: Buf, d: PoolDims): void {
  const { n: N, c: C, h: H, w: W, k, stride: s, oh: OH, ow: OW } = d;
  for (let nc = 0; nc < N * C; nc++) {
    const xBase = nc * H * W;
    const oBase = nc * OH * OW;
    for (let y = 0; y < OH; y++) {
      for (let xo = 0; xo < OW; xo++) {
        const start = xBase + y * s * W + xo * s;
        let best = x[start]!;
        let bestAt = start;
        for (let i = 0; i < k; i++) {
          const row = start + i * W;
          for (let j = 0; j < k; j++) {
            const v = x[row + j]!;
            // strict: on ties the first maximum in row-major order wins
            if (v > best) { best = v; bestAt = row + j; }
          }
        }
        out[oBase + y * OW + xo] = best;
        argmax[oBase + y * OW + xo] = bestAt;
      }
    }
  }
}

// dx: (N,C,H,W), dy, argmax: (N,C,OH,OW); dx zeroed, then dy[q] added at argmax[q], q ascending
export function maxPool2dBackward(dx: Buf, dy: Buf, argmax: Int32Array, d: PoolDims): void {
  dx.fill(0);
  const total = d.n * d.c * d.oh * d.ow;
  for (let q = 0; q < total; q++) dx[argmax[q]!] += dy[q]!;
}

// out: (N,C,OH,OW), x: (N,C,H,W); out = mean of each k x k window
export function avgPool2d(out: Buf, x: Buf, d: PoolDims): void {
  const { n: N, c: C, h: H, w: W, k, stride: s, oh: OH, ow: OW } = d;
  const area = k * k;
  for (let nc = 0; nc < N * C; nc++) {
    const xBase = nc * H * W;
    const oBase = nc * OH * OW;
    for (let y = 0; y < OH; y++) {
      for (let xo = 0; xo < OW; xo++) {
        const start = xBase + y * s * W + xo * s;
        let sum = 0;
        for (let i = 0; i < k; i++) {
          const row = start + i * W;
          for (let j = 0; j < k; j++) sum += x[row + j]!;
        }
        out[oBase + y * OW + xo] = sum / area;
      }
    }
  }
}

// dx: (N,C,H,W), dy: (N,C,OH,OW); each dy / (k*k) spread over its window, overlapping windows add
export function avgPool2dBackward(dx: Buf, dy: Buf, d: PoolDims): void {
  const { n: N, c: C, h: H, w: W, k, stride: s, oh: OH, ow: OW } = d;
  const area = k * k;
  const acc = new Float64Array(H * W);
  for (let nc = 0; nc < N * C; nc++) {
    acc.fill(0);
    const oBase = nc * OH * OW;
    for (let y = 0; y < OH; y++) {
      for (let xo = 0; xo < OW; xo++) {
        const g = dy[oBase + y * OW + xo]! / area;
        const start = y * s * W + xo * s;
        for (let i = 0; i < k; i++) {
          const row = start + i * W;
          for (let j = 0; j < k; j++) acc[row + j] += g;
        }
      }
    }
    dx.set(acc, nc * H * W);
  }
}
