// 2-d convolution (cross-correlation, as PyTorch), square stride and zero padding, with its two gradients
import type { Buf, ConvDims, PoolDims } from '../backend.js';
import { unary } from './elementwise.js';
import { maxPool2d } from './pool.js';

// for each kernel offset kk < k: the output positions [lo[kk], hi[kk]) whose input position
// o*stride - pad + kk lies inside [0, size), so the inner loops need no bounds checks
function validRanges(k: number, size: number, outSize: number, stride: number, pad: number): { lo: Int32Array; hi: Int32Array } {
  const lo = new Int32Array(k);
  const hi = new Int32Array(k);
  for (let kk = 0; kk < k; kk++) {
    lo[kk] = Math.max(0, Math.ceil((pad - kk) / stride));
    hi[kk] = Math.max(lo[kk]!, Math.min(outSize, Math.floor((size - 1 + pad - kk) / stride) + 1));
  }
  return { lo, hi };
}

// out: (N,O,OH,OW), x: (N,C,H,W), w: (O,C,KH,KW), bias: (O) or null
// out[n,o,y,x] = bias[o] + sum over c, i, j (ascending) of x[n,c,y*s-p+i,x*s-p+j] * w[o,c,i,j]
export function conv2d(out: Buf, x: Buf, w: Buf, bias: Buf | null, d: ConvDims): void {
  const { n: N, c: C, h: H, w: W, o: O, kh: KH, kw: KW, stride: s, pad: p, oh: OH, ow: OW } = d;
  const ys = validRanges(KH, H, OH, s, p);
  const xs = validRanges(KW, W, OW, s, p);
  const plane = OH * OW;
  const acc = new Float64Array(plane);
  for (let n = 0; n < N; n++) {
    for (let o = 0; o < O; o++) {
      acc.fill(0);
      for (let c = 0; c < C; c++) {
        const xBase = (n * C + c) * H * W;
        const wBase = (o * C + c) * KH * KW;
        for (let i = 0; i < KH; i++) {
          const y0 = ys.lo[i]!, y1 = ys.hi[i]!;
          for (let j = 0; j < KW; j++) {
            const x0 = xs.lo[j]!, x1 = xs.hi[j]!;
            const wv = w[wBase + i * KW + j]!;
            for (let y = y0; y < y1; y++) {
              const xRow = xBase + (y * s - p + i) * W - p + j;
              const aRow = y * OW;
              for (let xo = x0; xo < x1; xo++) acc[aRow + xo] += wv * x[xRow + xo * s]!;
            }
          }
        }
      }
      const b = bias === null ? 0 : bias[o]!;
      const oBase = (n * O + o) * plane;
      for (let q = 0; q < plane; q++) out[oBase + q] = acc[q]! + b;
    }
  }
}

// dx: (N,C,H,W), dy: (N,O,OH,OW), w: (O,C,KH,KW)
// dx[n,c,yi,xi] = sum over o, i, j (ascending) of dy[n,o,y,x] * w[o,c,i,j] where yi = y*s-p+i, xi = x*s-p+j
export function conv2dBackwardInput(dx: Buf, dy: Buf, w: Buf, d: ConvDims): void {
  const { n: N, c: C, h: H, w: W, o: O, kh: KH, kw: KW, stride: s, pad: p, oh: OH, ow: OW } = d;
  const ys = validRanges(KH, H, OH, s, p);
  const xs = validRanges(KW, W, OW, s, p);
  const acc = new Float64Array(H * W);
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      acc.fill(0);
      for (let o = 0; o < O; o++) {
        const dyBase = (n * O + o) * OH * OW;
        const wBase = (o * C + c) * KH * KW;
        for (let i = 0; i < KH; i++) {
          const y0 = ys.lo[i]!, y1 = ys.hi[i]!;
          for (let j = 0; j < KW; j++) {
            const x0 = xs.lo[j]!, x1 = xs.hi[j]!;
            const wv = w[wBase + i * KW + j]!;
            for (let y = y0; y < y1; y++) {
              const aRow = (y * s - p + i) * W - p + j;
              const dyRow = dyBase + y * OW;
              for (let xo = x0; xo < x1; xo++) acc[aRow + xo * s] += wv * dy[dyRow + xo]!;
            }
          }
        }
      }
      dx.set(acc, (n * C + c) * H * W);
    }
  }
}

// dw: (O,C,KH,KW), db: (O) or null, dy: (N,O,OH,OW), x: (N,C,H,W)
// dw[o,c,i,j] = sum over n, y, x (ascending) of dy[n,o,y,x] * x[n,c,y*s-p+i,x*s-p+j]; db[o] = sum of dy[n,o]
export function conv2dBackwardWeight(dw: Buf, db: Buf | null, dy: Buf, x: Buf, d: ConvDims): void {
  const { n: N, c: C, h: H, w: W, o: O, kh: KH, kw: KW, stride: s, pad: p, oh: OH, ow: OW } = d;
  const ys = validRanges(KH, H, OH, s, p);
  const xs = validRanges(KW, W, OW, s, p);
  for (let o = 0; o < O; o++) {
    for (let c = 0; c < C; c++) {
      for (let i = 0; i < KH; i++) {
        const y0 = ys.lo[i]!, y1 = ys.hi[i]!;
        for (let j = 0; j < KW; j++) {
          const x0 = xs.lo[j]!, x1 = xs.hi[j]!;
          let sum = 0;
          for (let n = 0; n < N; n++) {
            const dyBase = (n * O + o) * OH * OW;
            const xBase = (n * C + c) * H * W;
            for (let y = y0; y < y1; y++) {
              const dyRow = dyBase + y * OW;
              const xRow = xBase + (y * s - p + i) * W - p + j;
              for (let xo = x0; xo < x1; xo++) sum += dy[dyRow + xo]! * x[xRow + xo * s]!;
            }
          }
          dw[((o * C + c) * KH + i) * KW + j] = sum;
        }
      }
    }
    if (db !== null) {
      let sum = 0;
      for (let n = 0; n < N; n++) {
        const dyBase = (n * O + o) * OH * OW;
        for (let q = 0; q < OH * OW; q++) sum += dy[dyBase + q]!;
      }
      db[o] = sum;
    }
  }
}

// out = relu(conv2d(x, w, bias)): the two reference kernels one after the other
export function conv2dRelu(out: Buf, x: Buf, w: Buf, bias: Buf | null, d: ConvDims): void {
  conv2d(out, x, w, bias, d);
  unary('relu', out, out, 0);
}

// out, argmax: (N,O,PH,PW) = maxPool2d(relu(conv2d(x, w, bias))) with p the pool over the
// (N,O,OH,OW) activation: conv2dRelu, then maxPool2d
export function conv2dReluMaxPool(out: Buf, argmax: Int32Array, x: Buf, w: Buf, bias: Buf | null, d: ConvDims, p: PoolDims): void {
  const act = x instanceof Float64Array ? new Float64Array(d.n * d.o * d.oh * d.ow) : new Float32Array(d.n * d.o * d.oh * d.ow);
  conv2dRelu(act, x, w, bias, d);
  maxPool2d(out, argmax, act, p);
}
