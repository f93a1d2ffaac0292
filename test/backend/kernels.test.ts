// every kernel of the backend contract. first the reference backend, on hand-checkable cases and
// against independent naive float64 formulas written here; then every other available backend
// (native) against the reference, kernel by kernel, on random inputs over many shapes.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { UNARY_OP_NAMES } from '../../src/backend/manifest.js';
import type { Backend, BinaryOp, Buf, ConvDims, PoolDims, UnaryOp } from '../../src/backend/backend.js';
import { convOutSize } from '../../src/backend/backend.js';
import { referenceBackend as ref } from '../../src/backend/reference/index.js';
import { availableBackends } from '../../src/backend/select.js';
import { nativeSkip } from '../helpers/components.js';
import { assertClose, compareRel, f64, makeRng, nan32, nan64, rand32, rand64, randInt } from './helpers.js';

// ---------------------------------------------------------------------------------------------
// naive float64 formulas, written independently of the kernels
// ---------------------------------------------------------------------------------------------

function convDims(n: number, c: number, h: number, w: number, o: number, kh: number, kw: number, stride: number, pad: number): ConvDims {
  return { n, c, h, w, o, kh, kw, stride, pad, oh: convOutSize(h, kh, stride, pad), ow: convOutSize(w, kw, stride, pad) };
}

function poolDims(n: number, c: number, h: number, w: number, k: number, stride: number): PoolDims {
  return { n, c, h, w, k, stride, oh: Math.floor((h - k) / stride) + 1, ow: Math.floor((w - k) / stride) + 1 };
}

// multi-index of flat index i in a row-major shape
function unravel(i: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length).fill(0);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = i % shape[d]!;
    i = Math.floor(i / shape[d]!);
  }
  return idx;
}

function dot(idx: readonly number[], strides: readonly number[]): number {
  let s = 0;
  for (let d = 0; d < idx.length; d++) s += idx[d]! * strides[d]!;
  return s;
}

function prod(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function naiveBinary(op: BinaryOp, a: ArrayLike<number>, b: ArrayLike<number>, shape: readonly number[], as: readonly number[], bs: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < prod(shape); i++) {
    const idx = unravel(i, shape);
    const x = a[dot(idx, as)]!;
    const y = b[dot(idx, bs)]!;
    out.push(op === 'add' ? x + y : op === 'sub' ? x - y : op === 'mul' ? x * y : x / y);
  }
  return out;
}

function naiveUnary(op: UnaryOp, v: number, alpha: number): number {
  switch (op) {
    case 'relu': return Math.max(v, 0);
    case 'leakyRelu': return v >= 0 ? v : alpha * v;
    case 'sigmoid': return 1 / (1 + Math.exp(-v));
    case 'tanh': return (Math.exp(v) - Math.exp(-v)) / (Math.exp(v) + Math.exp(-v));
    case 'exp': return Math.exp(v);
    case 'log': return Math.log(v);
    case 'neg': return -v;
    case 'square': return v * v;
    case 'sqrt': return Math.sqrt(v);
    case 'scale': return alpha * v;
  }
}

function naiveReduce(x: ArrayLike<number>, xShape: readonly number[], stridesInOut: readonly number[], outLen: number): number[] {
  const out = new Array<number>(outLen).fill(0);
  for (let i = 0; i < prod(xShape); i++) out[dot(unravel(i, xShape), stridesInOut)]! += x[i]!;
  return out;
}

// element (i, p) of op(a) where a is (m, k), or (k, m) when trans
function naiveGemm(a: ArrayLike<number>, b: ArrayLike<number>, c0: ArrayLike<number>, m: number, n: number, k: number, ta: boolean, tb: boolean, beta: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += (ta ? a[p * m + i]! : a[i * k + p]!) * (tb ? b[j * k + p]! : b[p * n + j]!);
      out.push(beta === 0 ? s : s + beta * c0[i * n + j]!);
    }
  }
  return out;
}

function xAt(x: ArrayLike<number>, d: ConvDims, n: number, c: number, y: number, xx: number): number {
  if (y < 0 || y >= d.h || xx < 0 || xx >= d.w) return 0;
  return x[((n * d.c + c) * d.h + y) * d.w + xx]!;
}

// the literal definition: out[n,o,y,x] = bias[o] + sum_c sum_i sum_j x[n,c,y*s-p+i,x*s-p+j] * w[o,c,i,j]
function naiveConv(x: ArrayLike<number>, w: ArrayLike<number>, bias: ArrayLike<number> | null, d: ConvDims): number[] {
  const out: number[] = [];
  for (let n = 0; n < d.n; n++) {
    for (let o = 0; o < d.o; o++) {
      for (let y = 0; y < d.oh; y++) {
        for (let xx = 0; xx < d.ow; xx++) {
          let s = bias === null ? 0 : bias[o]!;
          for (let c = 0; c < d.c; c++) {
            for (let i = 0; i < d.kh; i++) {
              for (let j = 0; j < d.kw; j++) {
                s += xAt(x, d, n, c, y * d.stride - d.pad + i, xx * d.stride - d.pad + j) * w[((o * d.c + c) * d.kh + i) * d.kw + j]!;
              }
            }
          }
          out.push(s);
        }
      }
    }
  }
  return out;
}

// gradients of sum(conv(x, w, b) * dy), by scattering each product back
function naiveConvGrads(x: ArrayLike<number>, w: ArrayLike<number>, dy: ArrayLike<number>, d: ConvDims): { dx: number[]; dw: number[]; db: number[] } {
  const dx = new Array<number>(d.n * d.c * d.h * d.w).fill(0);
  const dw = new Array<number>(d.o * d.c * d.kh * d.kw).fill(0);
  const db = new Array<number>(d.o).fill(0);
  for (let n = 0; n < d.n; n++) {
    for (let o = 0; o < d.o; o++) {
      for (let y = 0; y < d.oh; y++) {
        for (let xx = 0; xx < d.ow; xx++) {
          const g = dy[((n * d.o + o) * d.oh + y) * d.ow + xx]!;
          db[o]! += g;
          for (let c = 0; c < d.c; c++) {
            for (let i = 0; i < d.kh; i++) {
              for (let j = 0; j < d.kw; j++) {
                const yi = y * d.stride - d.pad + i;
                const xi = xx * d.stride - d.pad + j;
                if (yi < 0 || yi >= d.h || xi < 0 || xi >= d.w) continue;
                const wi = ((o * d.c + c) * d.kh + i) * d.kw + j;
                const xIdx = ((n * d.c + c) * d.h + yi) * d.w + xi;
                dx[xIdx]! += g * w[wi]!;
                dw[wi]! += g * x[xIdx]!;
              }
            }
          }
        }
      }
    }
  }
  return { dx, dw, db };
}

function naivePool(x: ArrayLike<number>, d: PoolDims): { max: number[]; argmax: number[]; avg: number[] } {
  const max: number[] = [];
  const argmax: number[] = [];
  const avg: number[] = [];
  for (let nc = 0; nc < d.n * d.c; nc++) {
    for (let y = 0; y < d.oh; y++) {
      for (let xx = 0; xx < d.ow; xx++) {
        let best = -Infinity;
        let at = -1;
        let sum = 0;
        for (let i = 0; i < d.k; i++) {
          for (let j = 0; j < d.k; j++) {
            const idx = (nc * d.h + y * d.stride + i) * d.w + xx * d.stride + j;
            sum += x[idx]!;
            if (at < 0 || x[idx]! > best) { best = x[idx]!; at = idx; }
          }
        }
        max.push(best);
        argmax.push(at);
        avg.push(sum / (d.k * d.k));
      }
    }
  }
  return { max, argmax, avg };
}

function naiveBatchNorm(x: ArrayLike<number>, gamma: ArrayLike<number>, beta: ArrayLike<number>, n: number, c: number, hw: number, eps: number): { out: number[]; mean: number[]; invStd: number[] } {
  const out = new Array<number>(n * c * hw).fill(0);
  const mean: number[] = [];
  const invStd: number[] = [];
  for (let ch = 0; ch < c; ch++) {
    const vals: number[] = [];
    for (let b = 0; b < n; b++) for (let i = 0; i < hw; i++) vals.push(x[(b * c + ch) * hw + i]!);
    const mu = vals.reduce((s, v) => s + v, 0) / vals.length;
    const variance = vals.reduce((s, v) => s + (v - mu) * (v - mu), 0) / vals.length;
    mean.push(mu);
    invStd.push(1 / Math.sqrt(variance + eps));
    for (let b = 0; b < n; b++) {
      for (let i = 0; i < hw; i++) {
        const k = (b * c + ch) * hw + i;
        out[k] = gamma[ch]! * (x[k]! - mu) / Math.sqrt(variance + eps) + beta[ch]!;
      }
    }
  }
  return { out, mean, invStd };
}

// central differences of a scalar function of x, in float64
function numGrad(f: (x: Float64Array) => number, x: Float64Array, h = 1e-6): number[] {
  const g: number[] = [];
  for (let i = 0; i < x.length; i++) {
    const keep = x[i]!;
    x[i] = keep + h;
    const fp = f(x);
    x[i] = keep - h;
    const fm = f(x);
    x[i] = keep;
    g.push((fp - fm) / (2 * h));
  }
  return g;
}

function weighted(out: ArrayLike<number>, dy: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < out.length; i++) s += out[i]! * dy[i]!;
  return s;
}

// every unary op of the manifest (a new one needs its case in naiveUnary)
const UNARY_OPS: readonly UnaryOp[] = UNARY_OP_NAMES;

// ---------------------------------------------------------------------------------------------
// reference backend
// ---------------------------------------------------------------------------------------------

describe('reference: elementwise', () => {
  test('fill overwrites every element, float32 and float64', () => {
    const a = nan64(5);
    ref.fill(a, 2.5);
    assertClose(a, [2.5, 2.5, 2.5, 2.5, 2.5], 'fill f64');
    const b = nan32(3);
    ref.fill(b, -1);
    assertClose(b, [-1, -1, -1], 'fill f32');
  });

  test('binary by hand: broadcast row (0-stride), broadcast column, scalar', () => {
    const a = f64([1, 2, 3, 4, 5, 6]);
    const out = nan64(6);
    ref.binary('add', out, a, f64([10, 20, 30]), [2, 3], [3, 1], [0, 1]);
    assertClose(out, [11, 22, 33, 14, 25, 36], 'row');
    ref.binary('sub', out, a, f64([1, 2]), [2, 3], [3, 1], [1, 0]);
    assertClose(out, [0, 1, 2, 2, 3, 4], 'column');
    ref.binary('mul', out, f64([3]), a, [2, 3], [0, 0], [3, 1]);
    assertClose(out, [3, 6, 9, 12, 15, 18], 'scalar');
    ref.binary('div', out, a, f64([2]), [2, 3], [3, 1], [0, 0]);
    assertClose(out, [0.5, 1, 1.5, 2, 2.5, 3], 'div');
  });

  test('binary against the naive formula: every op, ranks 0..4, 0-strides, transposed views', () => {
    const rng = makeRng(1);
    const cases: { shape: number[]; as: number[]; bs: number[]; aLen: number; bLen: number }[] = [
      { shape: [], as: [], bs: [], aLen: 1, bLen: 1 },
      { shape: [1], as: [1], bs: [0], aLen: 1, bLen: 1 },
      { shape: [17], as: [1], bs: [1], aLen: 17, bLen: 17 },
      { shape: [3, 2], as: [1, 3], bs: [2, 1], aLen: 6, bLen: 6 },
      { shape: [5, 1, 3], as: [3, 0, 1], bs: [0, 0, 1], aLen: 15, bLen: 3 },
      { shape: [2, 3, 4, 5], as: [60, 20, 5, 1], bs: [0, 1, 0, 0], aLen: 120, bLen: 3 },
      { shape: [2, 3, 4, 5], as: [0, 0, 0, 0], bs: [60, 20, 5, 1], aLen: 1, bLen: 120 },
      { shape: [4, 1, 7], as: [1, 0, 4], bs: [7, 7, 1], aLen: 28, bLen: 28 },
    ];
    for (const op of ['add', 'sub', 'mul', 'div'] as const) {
      for (const c of cases) {
        const a = rand64(rng, c.aLen);
        const b = rand64(rng, c.bLen, 0.5, 2);
        const out = nan64(Math.max(1, prod(c.shape)));
        ref.binary(op, out, a, b, c.shape, c.as, c.bs);
        assertClose(out, naiveBinary(op, a, b, c.shape, c.as, c.bs), `${op} ${JSON.stringify(c.shape)}`);
      }
    }
  });

  test('unary forward by hand and against Math formulas', () => {
    const x = f64([-2, -0.5, 0, 0.25, 3]);
    const out = nan64(5);
    ref.unary('relu', out, x, 0);
    assertClose(out, [0, 0, 0, 0.25, 3], 'relu');
    ref.unary('leakyRelu', out, x, 0.1);
    assertClose(out, [-0.2, -0.05, 0, 0.25, 3], 'leakyRelu');
    ref.unary('scale', out, x, -2);
    assertClose(out, [4, 1, -0, -0.5, -6], 'scale');
    const rng = makeRng(2);
    for (const op of UNARY_OPS) {
      const positive = op === 'log' || op === 'sqrt';
      const v = rand64(rng, 13, positive ? 0.1 : -3, 3);
      const y = nan64(13);
      ref.unary(op, y, v, 0.3);
      assertClose(y, Array.from(v, (e) => naiveUnary(op, e, 0.3)), op, 1e-14, 1e-13);
    }
  });

  test('unaryBackward: relu and leakyRelu at 0 (PyTorch), every op against central differences', () => {
    const x0 = f64([-1, 0, 1]);
    const y0 = nan64(3);
    const dx0 = nan64(3);
    ref.unary('relu', y0, x0, 0);
    ref.unaryBackward('relu', dx0, x0, y0, f64([5, 5, 5]), 0);
    assertClose(dx0, [0, 0, 5], 'relu grad');
    ref.unary('leakyRelu', y0, x0, 0.1);
    ref.unaryBackward('leakyRelu', dx0, x0, y0, f64([5, 5, 5]), 0.1);
    assertClose(dx0, [0.5, 0.5, 5], 'leakyRelu grad (slope at 0, as PyTorch)');
    const rng = makeRng(3);
    for (const op of UNARY_OPS) {
      const positive = op === 'log' || op === 'sqrt';
      // away from the kink at 0
      const x = Float64Array.from(rand64(rng, 9, positive ? 0.2 : -2, 2), (v) => (positive || Math.abs(v) > 0.05 ? v : v + 0.1));
      const dy = rand64(rng, 9);
      const y = nan64(9);
      ref.unary(op, y, x, 0.2);
      const dx = nan64(9);
      ref.unaryBackward(op, dx, x, y, dy, 0.2);
      const num = numGrad((v) => { const o = new Float64Array(v.length); ref.unary(op, o, v, 0.2); return weighted(o, dy); }, Float64Array.from(x));
      assertClose(dx, num, `${op} grad`, 1e-7, 1e-6);
    }
  });
});

describe('reference: reductions', () => {
  test('reduceToShape by hand', () => {
    const x = f64([1, 2, 3, 4, 5, 6]);
    const cols = nan64(3);
    ref.reduceToShape(cols, x, [2, 3], [0, 1]);
    assertClose(cols, [5, 7, 9], 'to (3)');
    const rows = nan64(2);
    ref.reduceToShape(rows, x, [2, 3], [1, 0]);
    assertClose(rows, [6, 15], 'to (2,1)');
    const all = nan64(1);
    ref.reduceToShape(all, x, [2, 3], [0, 0]);
    assertClose(all, [21], 'to ()');
    const scalar = nan64(1);
    ref.reduceToShape(scalar, f64([7]), [], []);
    assertClose(scalar, [7], 'rank 0');
  });

  test('reduceToShape against the naive formula', () => {
    const rng = makeRng(4);
    const cases: { xShape: number[]; strides: number[]; outLen: number }[] = [
      { xShape: [2, 3, 4, 5], strides: [0, 1, 0, 0], outLen: 3 },
      { xShape: [2, 3, 4, 5], strides: [20, 0, 5, 1], outLen: 40 },
      { xShape: [2, 3, 4, 5], strides: [0, 0, 0, 0], outLen: 1 },
      { xShape: [2, 3, 4, 5], strides: [60, 20, 5, 1], outLen: 120 },
      { xShape: [7, 1, 9], strides: [0, 0, 1], outLen: 9 },
      { xShape: [1], strides: [0], outLen: 1 },
      { xShape: [13, 17], strides: [1, 0], outLen: 13 },
    ];
    for (const c of cases) {
      const x = rand64(rng, prod(c.xShape));
      const out = nan64(c.outLen);
      ref.reduceToShape(out, x, c.xShape, c.strides);
      assertClose(out, naiveReduce(x, c.xShape, c.strides, c.outLen), `reduce ${JSON.stringify(c)}`, 1e-13, 1e-13);
    }
  });

  test('sumAxis by hand and against the naive formula', () => {
    const out = nan64(4);
    // x: (2, 3, 2)
    ref.sumAxis(out, f64([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]), 2, 3, 2);
    assertClose(out, [9, 12, 27, 30], 'by hand');
    const rng = makeRng(5);
    for (const [outer, dim, inner] of [[1, 1, 1], [3, 7, 5], [1, 17, 1], [9, 1, 4], [4, 13, 1]] as const) {
      const x = rand64(rng, outer * dim * inner);
      const o = nan64(outer * inner);
      ref.sumAxis(o, x, outer, dim, inner);
      const want: number[] = [];
      for (let a = 0; a < outer; a++) {
        for (let i = 0; i < inner; i++) {
          let s = 0;
          for (let d = 0; d < dim; d++) s += x[(a * dim + d) * inner + i]!;
          want.push(s);
        }
      }
      assertClose(o, want, `sumAxis ${outer},${dim},${inner}`, 1e-13, 1e-13);
    }
  });
});

describe('reference: gemm and linear', () => {
  test('gemm by hand', () => {
    const out = nan64(4);
    ref.gemm(out, f64([1, 2, 3, 4]), f64([5, 6, 7, 8]), 2, 2, 2, false, false, 0);
    assertClose(out, [19, 22, 43, 50], 'plain');
    ref.gemm(out, f64([1, 2, 3, 4]), f64([5, 6, 7, 8]), 2, 2, 2, true, false, 0);
    assertClose(out, [26, 30, 38, 44], 'transA');
    ref.gemm(out, f64([1, 2, 3, 4]), f64([5, 6, 7, 8]), 2, 2, 2, false, true, 0);
    assertClose(out, [17, 23, 39, 53], 'transB');
    ref.gemm(out, f64([1, 2, 3, 4]), f64([5, 6, 7, 8]), 2, 2, 2, true, true, 1);
    assertClose(out, [23 + 17, 31 + 23, 34 + 39, 46 + 53], 'transA transB beta 1');
  });

  test('gemm: all four trans combos, beta 0 (ignores NaN in out), 1 and 0.5, odd sizes', () => {
    const rng = makeRng(6);
    for (const [m, n, k] of [[1, 1, 1], [1, 9, 3], [7, 1, 5], [3, 5, 7], [9, 17, 33], [16, 8, 1]] as const) {
      for (const ta of [false, true]) {
        for (const tb of [false, true]) {
          for (const beta of [0, 1, 0.5]) {
            const a = rand64(rng, m * k);
            const b = rand64(rng, k * n);
            const c0 = beta === 0 ? nan64(m * n) : rand64(rng, m * n);
            const out = Float64Array.from(c0);
            ref.gemm(out, a, b, m, n, k, ta, tb, beta);
            assertClose(out, naiveGemm(a, b, c0, m, n, k, ta, tb, beta), `gemm ${m}x${n}x${k} ${ta} ${tb} ${beta}`, 1e-13, 1e-12);
          }
        }
      }
    }
  });

  test('linear and linearBackward against the naive formulas, with and without bias, null outputs', () => {
    const rng = makeRng(7);
    for (const [n, inF, outF] of [[1, 1, 1], [1, 5, 3], [3, 7, 5], [4, 9, 17]] as const) {
      const x = rand64(rng, n * inF);
      const w = rand64(rng, outF * inF);
      const bias = rand64(rng, outF);
      const dy = rand64(rng, n * outF);
      for (const withBias of [true, false]) {
        const out = nan64(n * outF);
        ref.linear(out, x, w, withBias ? bias : null, n, inF, outF, false);
        const want: number[] = [];
        for (let r = 0; r < n; r++) {
          for (let j = 0; j < outF; j++) {
            let s = withBias ? bias[j]! : 0;
            for (let p = 0; p < inF; p++) s += x[r * inF + p]! * w[j * inF + p]!;
            want.push(s);
          }
        }
        assertClose(out, want, `linear ${n},${inF},${outF} bias ${withBias}`, 1e-13, 1e-12);
      }
      const dx = nan64(n * inF);
      const dw = nan64(outF * inF);
      const db = nan64(outF);
      ref.linearBackward(dx, dw, db, dy, x, w, null, n, inF, outF);
      const loss = (xx: Float64Array, ww: Float64Array, bb: Float64Array): number => {
        const o = new Float64Array(n * outF);
        ref.linear(o, xx, ww, bb, n, inF, outF, false);
        return weighted(o, dy);
      };
      assertClose(dx, numGrad((v) => loss(v, w, bias), Float64Array.from(x)), 'linear dx', 1e-8, 1e-7);
      assertClose(dw, numGrad((v) => loss(x, v, bias), Float64Array.from(w)), 'linear dw', 1e-8, 1e-7);
      assertClose(db, numGrad((v) => loss(x, w, v), Float64Array.from(bias)), 'linear db', 1e-8, 1e-7);
      // null outputs are skipped, the others still written
      const dw2 = nan64(outF * inF);
      ref.linearBackward(null, dw2, null, dy, x, w, null, n, inF, outF);
      assertClose(dw2, dw, 'dw alone');
    }
  });
});

const CONV_SHAPES: readonly ConvDims[] = [
  convDims(1, 1, 1, 1, 1, 1, 1, 1, 0),
  convDims(1, 1, 1, 1, 2, 3, 3, 1, 1),
  convDims(2, 3, 5, 5, 4, 3, 3, 1, 0),
  convDims(2, 3, 5, 5, 4, 3, 3, 2, 1),
  convDims(1, 2, 7, 6, 3, 2, 3, 1, 1),
  convDims(2, 2, 9, 7, 3, 3, 2, 2, 0),
  convDims(1, 3, 4, 4, 2, 4, 4, 1, 0),
  convDims(3, 1, 6, 6, 2, 5, 5, 3, 2),
];

describe('reference: conv2d', () => {
  test('by hand: 1 channel 3x3 image, 2x2 kernel, bias', () => {
    const x = f64([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const w = f64([1, 0, 0, -1]);
    const d = convDims(1, 1, 3, 3, 1, 2, 2, 1, 0);
    const out = nan64(4);
    ref.conv2d(out, x, w, f64([10]), d);
    assertClose(out, [6, 6, 6, 6], 'conv');
    const dx = nan64(9);
    ref.conv2dBackwardInput(dx, f64([1, 1, 1, 1]), w, d);
    assertClose(dx, [1, 1, 0, 1, 0, -1, 0, -1, -1], 'dx');
  });

  test('forward against the literal 6-nested sum (stride, padding, non-square kernels, 1x1 images)', () => {
    const rng = makeRng(8);
    for (const d of CONV_SHAPES) {
      const x = rand64(rng, d.n * d.c * d.h * d.w);
      const w = rand64(rng, d.o * d.c * d.kh * d.kw);
      const bias = rand64(rng, d.o);
      for (const b of [bias, null]) {
        const out = nan64(d.n * d.o * d.oh * d.ow);
        ref.conv2d(out, x, w, b, d);
        assertClose(out, naiveConv(x, w, b, d), `conv2d ${JSON.stringify(d)}`, 1e-13, 1e-12);
      }
    }
  });

  test('backward input and weight against the naive scatter and against central differences', () => {
    const rng = makeRng(9);
    for (const d of CONV_SHAPES) {
      const x = rand64(rng, d.n * d.c * d.h * d.w);
      const w = rand64(rng, d.o * d.c * d.kh * d.kw);
      const bias = rand64(rng, d.o);
      const dy = rand64(rng, d.n * d.o * d.oh * d.ow);
      const want = naiveConvGrads(x, w, dy, d);
      const dx = nan64(x.length);
      ref.conv2dBackwardInput(dx, dy, w, d);
      assertClose(dx, want.dx, `dx ${JSON.stringify(d)}`, 1e-13, 1e-12);
      const dw = nan64(w.length);
      const db = nan64(d.o);
      ref.conv2dBackwardWeight(dw, db, dy, x, d);
      assertClose(dw, want.dw, `dw ${JSON.stringify(d)}`, 1e-13, 1e-12);
      assertClose(db, want.db, `db ${JSON.stringify(d)}`, 1e-13, 1e-12);
      const dw2 = nan64(w.length);
      ref.conv2dBackwardWeight(dw2, null, dy, x, d);
      assertClose(dw2, dw, 'dw without db');
      const loss = (xx: Float64Array, ww: Float64Array, bb: Float64Array): number => {
        const o = new Float64Array(dy.length);
        ref.conv2d(o, xx, ww, bb, d);
        return weighted(o, dy);
      };
      assertClose(dx, numGrad((v) => loss(v, w, bias), Float64Array.from(x)), 'dx numeric', 1e-8, 1e-7);
      assertClose(dw, numGrad((v) => loss(x, v, bias), Float64Array.from(w)), 'dw numeric', 1e-8, 1e-7);
      assertClose(db, numGrad((v) => loss(x, w, v), Float64Array.from(bias)), 'db numeric', 1e-8, 1e-7);
    }
  });
});

const POOL_SHAPES: readonly PoolDims[] = [
  poolDims(1, 1, 1, 1, 1, 1),
  poolDims(1, 1, 5, 5, 2, 2),
  poolDims(2, 3, 7, 7, 3, 2),
  poolDims(2, 3, 4, 6, 2, 2),
  poolDims(1, 2, 3, 3, 3, 3),
  poolDims(3, 1, 9, 5, 2, 1),
  poolDims(2, 2, 7, 6, 2, 2),
  poolDims(1, 3, 6, 11, 2, 2),
];

describe('reference: pooling', () => {
  test('max pool by hand: ties go to the first maximum in row-major order, odd last row/column dropped', () => {
    // (1,1,5,5), k 2, s 2 -> (1,1,2,2); the last row and column are outside every window
    const x = f64([
      1, 3, 2, 2, 99,
      3, 0, 0, 1, 99,
      5, 5, 7, 6, 99,
      5, 5, 7, 7, 99,
      99, 99, 99, 99, 99,
    ]);
    const d = poolDims(1, 1, 5, 5, 2, 2);
    assert.deepEqual([d.oh, d.ow], [2, 2]);
    const out = nan64(4);
    const argmax = new Int32Array(4).fill(-1);
    ref.maxPool2d(out, argmax, x, d);
    assertClose(out, [3, 2, 5, 7], 'max');
    assert.deepEqual(Array.from(argmax), [1, 2, 10, 12]);
    const dx = nan64(25);
    ref.maxPool2dBackward(dx, f64([1, 2, 3, 4]), argmax, d);
    const want = new Array<number>(25).fill(0);
    want[1] = 1; want[2] = 2; want[10] = 3; want[12] = 4;
    assertClose(dx, want, 'max backward');
  });

  test('argmax is a flat index into the whole x (batch and channel included)', () => {
    const d = poolDims(2, 2, 2, 2, 2, 2);
    const x = f64([0, 1, 2, 3, 7, 6, 5, 4, 0, 9, 0, 0, 1, 1, 1, 1]);
    const out = nan64(4);
    const argmax = new Int32Array(4);
    ref.maxPool2d(out, argmax, x, d);
    assertClose(out, [3, 7, 9, 1], 'max');
    assert.deepEqual(Array.from(argmax), [3, 4, 9, 12]);
  });

  test('avg pool by hand, overlapping windows add in backward', () => {
    // (1,1,3,3), k 2, s 1 -> (1,1,2,2)
    const d = poolDims(1, 1, 3, 3, 2, 1);
    const out = nan64(4);
    ref.avgPool2d(out, f64([1, 2, 3, 4, 5, 6, 7, 8, 9]), d);
    assertClose(out, [3, 4, 6, 7], 'avg');
    const dx = nan64(9);
    ref.avgPool2dBackward(dx, f64([4, 4, 4, 4]), d);
    assertClose(dx, [1, 2, 1, 2, 4, 2, 1, 2, 1], 'avg backward');
  });

  test('max and avg pool against the naive formulas (odd sizes, overlapping windows, ties)', () => {
    const rng = makeRng(10);
    for (const d of POOL_SHAPES) {
      for (const ties of [false, true]) {
        const len = d.n * d.c * d.h * d.w;
        const x = ties ? Float64Array.from(randInt(rng, len, 3)) : rand64(rng, len);
        const want = naivePool(x, d);
        const outLen = d.n * d.c * d.oh * d.ow;
        const out = nan64(outLen);
        const argmax = new Int32Array(outLen).fill(-1);
        ref.maxPool2d(out, argmax, x, d);
        assertClose(out, want.max, `max ${JSON.stringify(d)}`);
        assert.deepEqual(Array.from(argmax), want.argmax, `argmax ${JSON.stringify(d)} ties ${ties}`);
        const avg = nan64(outLen);
        ref.avgPool2d(avg, x, d);
        assertClose(avg, want.avg, `avg ${JSON.stringify(d)}`, 1e-14, 1e-13);
        const dy = rand64(rng, outLen);
        const dx = nan64(len);
        ref.maxPool2dBackward(dx, dy, argmax, d);
        const wantDx = new Array<number>(len).fill(0);
        want.argmax.forEach((a, q) => { wantDx[a]! += dy[q]!; });
        assertClose(dx, wantDx, `max backward ${JSON.stringify(d)}`, 1e-14, 1e-13);
        if (!ties) {
          const dxa = nan64(len);
          ref.avgPool2dBackward(dxa, dy, d);
          const num = numGrad((v) => { const o = new Float64Array(outLen); ref.avgPool2d(o, v, d); return weighted(o, dy); }, Float64Array.from(x));
          assertClose(dxa, num, `avg backward ${JSON.stringify(d)}`, 1e-8, 1e-7);
        }
      }
    }
  });
});

describe('reference: batch norm', () => {
  test('train by hand: biased variance', () => {
    // n 2, c 1, hw 2: values 1, 3, 5, 7 -> mean 4, biased var 5
    const out = nan64(4);
    const mean = nan64(1);
    const invStd = nan64(1);
    ref.batchNormTrain(out, mean, invStd, f64([1, 3, 5, 7]), f64([2]), f64([1]), 2, 1, 2, 0, false);
    assertClose(mean, [4], 'mean');
    assertClose(invStd, [1 / Math.sqrt(5)], 'invStd');
    assertClose(out, [1, 3, 5, 7].map((v) => 2 * (v - 4) / Math.sqrt(5) + 1), 'out');
  });

  test('train, eval and backward against the formula and central differences', () => {
    const rng = makeRng(11);
    for (const [n, c, hw] of [[1, 1, 1], [2, 3, 5], [1, 4, 9], [5, 2, 1], [3, 3, 7]] as const) {
      const eps = 1e-5;
      const x = rand64(rng, n * c * hw, -2, 3);
      const gamma = rand64(rng, c, 0.5, 1.5);
      const beta = rand64(rng, c);
      const want = naiveBatchNorm(x, gamma, beta, n, c, hw, eps);
      const out = nan64(x.length);
      const mean = nan64(c);
      const invStd = nan64(c);
      ref.batchNormTrain(out, mean, invStd, x, gamma, beta, n, c, hw, eps, false);
      assertClose(out, want.out, `train out ${n},${c},${hw}`, 1e-12, 1e-11);
      assertClose(mean, want.mean, 'mean', 1e-13, 1e-12);
      assertClose(invStd, want.invStd, 'invStd', 1e-13, 1e-11);

      const runMean = rand64(rng, c);
      const runVar = rand64(rng, c, 0.5, 2);
      const ev = nan64(x.length);
      ref.batchNormEval(ev, x, gamma, beta, runMean, runVar, n, c, hw, eps, false);
      const wantEv = Array.from(x, (v, i) => { const ch = Math.floor(i / hw) % c; return gamma[ch]! * (v - runMean[ch]!) / Math.sqrt(runVar[ch]! + eps) + beta[ch]!; });
      assertClose(ev, wantEv, 'eval', 1e-13, 1e-12);

      const dy = rand64(rng, x.length);
      const dx = nan64(x.length);
      const dgamma = nan64(c);
      const dbeta = nan64(c);
      ref.batchNormBackward(dx, dgamma, dbeta, dy, x, mean, invStd, gamma, null, n, c, hw);
      const loss = (xx: Float64Array, gg: Float64Array, bb: Float64Array): number => {
        const o = new Float64Array(xx.length);
        ref.batchNormTrain(o, new Float64Array(c), new Float64Array(c), xx, gg, bb, n, c, hw, eps, false);
        return weighted(o, dy);
      };
      assertClose(dx, numGrad((v) => loss(v, gamma, beta), Float64Array.from(x)), `dx ${n},${c},${hw}`, 1e-6, 1e-5);
      assertClose(dgamma, numGrad((v) => loss(x, v, beta), Float64Array.from(gamma)), 'dgamma', 1e-7, 1e-6);
      assertClose(dbeta, numGrad((v) => loss(x, gamma, v), Float64Array.from(beta)), 'dbeta', 1e-7, 1e-6);
    }
  });
});

describe('reference: softmax', () => {
  test('by hand, rows sum to 1, stable for large inputs', () => {
    const out = nan64(6);
    ref.softmax(out, f64([0, 0, 0, 1000, 1000, -1000]), 2, 3);
    assertClose(out, [1 / 3, 1 / 3, 1 / 3, 0.5, 0.5, 0], 'softmax');
    ref.logSoftmax(out, f64([0, 0, 0, 1000, 1000, -1000]), 2, 3);
    assertClose(out, [-Math.log(3), -Math.log(3), -Math.log(3), -Math.log(2), -Math.log(2), -2000 - Math.log(2)], 'logSoftmax');
  });

  test('forward and backward against the formulas and central differences', () => {
    const rng = makeRng(12);
    for (const [rows, cols] of [[1, 1], [1, 10], [3, 7], [5, 2], [4, 17]] as const) {
      const x = rand64(rng, rows * cols, -4, 4);
      const y = nan64(x.length);
      const ly = nan64(x.length);
      ref.softmax(y, x, rows, cols);
      ref.logSoftmax(ly, x, rows, cols);
      for (let r = 0; r < rows; r++) {
        let z = 0;
        let s = 0;
        for (let j = 0; j < cols; j++) z += Math.exp(x[r * cols + j]!);
        for (let j = 0; j < cols; j++) {
          const i = r * cols + j;
          s += y[i]!;
          assert.ok(Math.abs(y[i]! - Math.exp(x[i]!) / z) < 1e-15, `softmax [${i}]`);
          assert.ok(Math.abs(ly[i]! - (x[i]! - Math.log(z))) < 1e-13, `logSoftmax [${i}]`);
        }
        assert.ok(Math.abs(s - 1) < 1e-14, `row ${r} sums to ${s}`);
      }
      const dy = rand64(rng, x.length);
      const dx = nan64(x.length);
      ref.softmaxBackward(dx, y, dy, rows, cols);
      assertClose(dx, numGrad((v) => { const o = new Float64Array(v.length); ref.softmax(o, v, rows, cols); return weighted(o, dy); }, Float64Array.from(x)), `softmax grad ${rows}x${cols}`, 1e-8, 1e-7);
      const ldx = nan64(x.length);
      ref.logSoftmaxBackward(ldx, ly, dy, rows, cols);
      assertClose(ldx, numGrad((v) => { const o = new Float64Array(v.length); ref.logSoftmax(o, v, rows, cols); return weighted(o, dy); }, Float64Array.from(x)), `logSoftmax grad ${rows}x${cols}`, 1e-8, 1e-7);
    }
  });
});

describe('reference: losses', () => {
  test('nll by hand and backward', () => {
    const out = nan64(1);
    const logp = f64([-1, -2, -3, -4, -5, -6]);
    ref.nllLoss(out, logp, Int32Array.from([2, 0]), 2, 3);
    assertClose(out, [3.5], 'nll');
    const d = nan64(6);
    ref.nllLossBackward(d, 2, Int32Array.from([2, 0]), 2, 3);
    assertClose(d, [0, 0, -1, -1, 0, 0], 'nll backward');
    assert.throws(() => ref.nllLoss(out, logp, Int32Array.from([3, 0]), 2, 3), /target/);
  });

  test('bce with logits against -(t log sigmoid(x) + (1-t) log(1 - sigmoid(x))), stable for large |x|', () => {
    const rng = makeRng(13);
    for (const n of [1, 7, 33]) {
      const x = rand64(rng, n, -6, 6);
      const t = rand64(rng, n, 0, 1);
      const out = nan64(1);
      ref.bceWithLogitsLoss(out, x, t, n);
      let want = 0;
      for (let i = 0; i < n; i++) {
        const s = 1 / (1 + Math.exp(-x[i]!));
        want -= (t[i]! * Math.log(s) + (1 - t[i]!) * Math.log(1 - s)) / n;
      }
      assertClose(out, [want], `bceWithLogits ${n}`, 1e-13, 1e-12);
      const dx = nan64(n);
      ref.bceWithLogitsLossBackward(dx, 1.5, x, t, n);
      assertClose(dx, numGrad((v) => { const o = new Float64Array(1); ref.bceWithLogitsLoss(o, v, t, n); return 1.5 * o[0]!; }, Float64Array.from(x)), 'bceWithLogits grad', 1e-9, 1e-7);
    }
    const big = nan64(1);
    ref.bceWithLogitsLoss(big, f64([800, -800]), f64([0, 1]), 2);
    assertClose(big, [800], 'large |x|');
  });

  test('bce against the formula; each log clamped at -100', () => {
    const rng = makeRng(14);
    for (const n of [1, 7, 33]) {
      const p = rand64(rng, n, 0.01, 0.99);
      const t = rand64(rng, n, 0, 1);
      const out = nan64(1);
      ref.bceLoss(out, p, t, n);
      let want = 0;
      for (let i = 0; i < n; i++) want -= (t[i]! * Math.log(p[i]!) + (1 - t[i]!) * Math.log(1 - p[i]!)) / n;
      assertClose(out, [want], `bce ${n}`, 1e-13, 1e-12);
      const dp = nan64(n);
      ref.bceLossBackward(dp, 0.5, p, t, n);
      assertClose(dp, numGrad((v) => { const o = new Float64Array(1); ref.bceLoss(o, v, t, n); return 0.5 * o[0]!; }, Float64Array.from(p), 1e-7), 'bce grad', 1e-7, 1e-6);
    }
    const out = nan64(1);
    ref.bceLoss(out, f64([0, 1, 0, 1]), f64([1, 0, 0, 1]), 4);
    assertClose(out, [50], 'clamped: log(0) counts as -100');
    // PyTorch's backward: (p - t) / max(p (1 - p), 1e-12), finite at p = 0 and 1
    const dp = nan64(2);
    ref.bceLossBackward(dp, 1, f64([0, 1]), f64([1, 0]), 2);
    assertClose(dp, [-0.5e12, 0.5e12], 'clamped grad');
  });
});

describe('reference: copyBlock', () => {
  test('by hand: concat columns and slice, untouched elements stay', () => {
    // out: (2, 5) = [a: (2, 2) | b: (2, 3)]
    const out = nan64(10);
    ref.copyBlock(out, 0, 5, f64([1, 2, 3, 4]), 0, 2, 2, 2);
    ref.copyBlock(out, 2, 5, f64([5, 6, 7, 8, 9, 10]), 0, 3, 2, 3);
    assertClose(out, [1, 2, 5, 6, 7, 3, 4, 8, 9, 10], 'concat');
    const part = nan64(4);
    part[3] = 42;
    ref.copyBlock(part, 1, 1, out, 1, 5, 2, 1);
    assertClose(part.subarray(1), [2, 4, 42], 'slice');
    assert.ok(Number.isNaN(part[0]!));
    const f = nan32(3);
    ref.copyBlock(f, 0, 3, f64([0.1, 0.2, 0.3]), 0, 3, 1, 3);
    assertClose(f, [Math.fround(0.1), Math.fround(0.2), Math.fround(0.3)], 'f64 into f32');
  });
});

describe('reference: optimizers', () => {
  test('adam against a hand-written loop over 6 steps, with and without weight decay', () => {
    const rng = makeRng(15);
    for (const wd of [0, 0.01]) {
      const n = 11;
      const lr = 1e-2;
      const b1 = 0.9;
      const b2 = 0.999;
      const eps = 1e-8;
      const p = rand64(rng, n);
      const m = new Float64Array(n);
      const v = new Float64Array(n);
      const wp = Array.from(p);
      const wm = new Array<number>(n).fill(0);
      const wv = new Array<number>(n).fill(0);
      for (let t = 1; t <= 6; t++) {
        const g = rand64(rng, n);
        ref.adamStep(p, g, m, v, lr, b1, b2, eps, wd, 0, t);
        for (let i = 0; i < n; i++) {
          const gi = g[i]! + wd * wp[i]!;
          wm[i] = b1 * wm[i]! + (1 - b1) * gi;
          wv[i] = b2 * wv[i]! + (1 - b2) * gi * gi;
          wp[i]! -= lr * (wm[i]! / (1 - b1 ** t)) / (Math.sqrt(wv[i]! / (1 - b2 ** t)) + eps);
        }
        assertClose(p, wp, `adam param step ${t} wd ${wd}`, 1e-14, 1e-12);
        assertClose(m, wm, 'adam m', 1e-15, 1e-13);
        assertClose(v, wv, 'adam v', 1e-15, 1e-13);
      }
    }
  });

  test('adamw: the decoupled decay shrinks the float32 parameter by float32(1 - lr * wd) before the Adam update', () => {
    const rng = makeRng(17);
    const n = 64, lr = 0.01, wd = 0.1;
    const p0 = rand32(rng, n), g = rand32(rng, n);
    const p = Float32Array.from(p0), m = new Float32Array(n), v = new Float32Array(n);
    ref.adamStep(p, g, m, v, lr, 0.9, 0.999, 1e-8, 0, wd, 1);
    const shrink = Math.fround(1 - lr * wd);
    let decayVisible = 0;
    for (let i = 0; i < n; i++) {
      const decayed = Math.fround(p0[i]! * shrink);
      const mi = Math.fround(Math.fround(0.1) * g[i]!);
      const vi = Math.fround(Math.fround(0.001) * Math.fround(g[i]! * g[i]!));
      // step 1: stepSize = lr / 0.1, denominators as the plain Adam step
      const want = Math.fround(decayed - (lr / (1 - 0.9)) * mi / (Math.sqrt(vi) / Math.sqrt(1 - 0.999) + 1e-8));
      assert.ok(Math.abs(p[i]! - want) <= 2e-7 * Math.max(1, Math.abs(want)), `element ${i}: got ${p[i]} want ${want}`);
      if (p[i] !== Math.fround(p0[i]! - (lr / (1 - 0.9)) * mi / (Math.sqrt(vi) / Math.sqrt(1 - 0.999) + 1e-8))) decayVisible++;
    }
    assert.ok(decayVisible > n / 2, `the decay changed only ${decayVisible} of ${n} parameters`);
  });

  test('adam first step moves each parameter by about lr', () => {
    const p = f64([1, -1]);
    ref.adamStep(p, f64([3, -0.001]), new Float64Array(2), new Float64Array(2), 0.1, 0.9, 0.999, 1e-8, 0, 0, 1);
    assertClose(p, [0.9, -0.9], 'first step', 1e-6, 0);
  });

  test('sgd against a hand-written loop: plain, momentum (buffer = first gradient), weight decay', () => {
    const rng = makeRng(16);
    for (const [momentum, wd] of [[0, 0], [0, 0.1], [0.9, 0], [0.9, 0.05]] as const) {
      const n = 9;
      const lr = 0.1;
      const p = rand64(rng, n);
      const buf = momentum > 0 ? nan64(n) : null;
      const wp = Array.from(p);
      const wb = new Array<number>(n).fill(0);
      for (let t = 1; t <= 5; t++) {
        const g = rand64(rng, n);
        ref.sgdStep(p, g, buf, lr, momentum, wd, t === 1);
        for (let i = 0; i < n; i++) {
          let gi = g[i]! + wd * wp[i]!;
          if (momentum > 0) {
            wb[i] = t === 1 ? gi : momentum * wb[i]! + gi;
            gi = wb[i]!;
          }
          wp[i]! -= lr * gi;
        }
        assertClose(p, wp, `sgd step ${t} momentum ${momentum} wd ${wd}`, 1e-15, 1e-13);
        if (buf !== null) assertClose(buf, wb, 'sgd buffer', 1e-15, 1e-13);
      }
    }
  });
});

describe('reference: float32 buffers', () => {
  test('kernels on Float32Array agree with float64 to float32 precision', () => {
    const rng = makeRng(17);
    const d = convDims(2, 3, 7, 7, 4, 3, 3, 1, 1);
    const x = rand64(rng, d.n * d.c * d.h * d.w);
    const w = rand64(rng, d.o * d.c * d.kh * d.kw);
    const x32 = Float32Array.from(x);
    const w32 = Float32Array.from(w);
    const o64 = nan64(d.n * d.o * d.oh * d.ow);
    const o32 = nan32(o64.length);
    ref.conv2d(o64, Float64Array.from(x32), Float64Array.from(w32), null, d);
    ref.conv2d(o32, x32, w32, null, d);
    assertClose(o32, Array.from(o64, Math.fround), 'conv2d f32 rounds the exact result once');
    const g64 = nan64(35);
    const g32 = nan32(35);
    ref.gemm(g64, Float64Array.from(x32.subarray(0, 45)), Float64Array.from(w32.subarray(0, 63)), 5, 7, 9, false, false, 0);
    ref.gemm(g32, x32.subarray(0, 45), w32.subarray(0, 63), 5, 7, 9, false, false, 0);
    assertClose(g32, Array.from(g64, Math.fround), 'gemm f32');
    const s32 = nan32(21);
    ref.softmax(s32, x32.subarray(0, 21), 3, 7);
    let sum = 0;
    for (let j = 0; j < 7; j++) sum += s32[j]!;
    assert.ok(Math.abs(sum - 1) < 1e-6);
  });
});

// ---------------------------------------------------------------------------------------------
// every other backend against the reference
// ---------------------------------------------------------------------------------------------

type Out = Buf | Int32Array;

// a case runs one kernel (forward or backward) on a backend and returns its named outputs;
// inputs are float32 (native takes float32 only) and shared, outputs fresh per run
interface CrossCase {
  readonly label: string;
  run(b: Backend): Record<string, Out>;
  // per element |a - b| <= rtol |b| + atol, for outputs whose elements differ by orders of magnitude
  readonly elementwise?: { rtol: number; atol: number };
}

const TOL = 1e-4;
const others = availableBackends().filter((b) => b.name !== 'reference');
const crossSkip = nativeSkip();

function compareOutputs(kernel: string, backend: string, label: string, got: Record<string, Out>, want: Record<string, Out>, elementwise?: { rtol: number; atol: number }): void {
  for (const name of Object.keys(want)) {
    const b = want[name]!;
    const a = got[name]!;
    if (elementwise !== undefined) {
      assertClose(a, b, `${kernel} on ${backend}, ${label}: ${name}`, elementwise.atol, elementwise.rtol);
      continue;
    }
    if (b instanceof Int32Array) {
      const at = b.findIndex((v, i) => v !== a[i]);
      if (at >= 0) assert.fail(`${kernel} on ${backend}, ${label}: ${name} differs first at [${at}]: got ${a[at]}, reference ${b[at]}`);
      continue;
    }
    const m = compareRel(a, b, TOL);
    if (m.count > 0) {
      assert.fail(`${kernel} on ${backend}, ${label}: ${name} has ${m.count} of ${b.length} values beyond ${TOL} x max(|ref|, mean|ref| ${m.scale.toPrecision(3)}); first ${m.first.join(', ')}; max |diff| ${m.maxDiff}`);
    }
  }
}

const crossKernels: string[] = [];

function crossTest(kernel: string, cases: (rng: () => number) => CrossCase[]): void {
  crossKernels.push(kernel);
  test(kernel, { skip: crossSkip }, (t) => {
    const list = cases(makeRng(1000 + kernel.length * 31 + kernel.charCodeAt(0)));
    for (const backend of others) {
      for (const c of list) {
        const want = c.run(ref);
        const got = c.run(backend);
        compareOutputs(kernel, backend.name, c.label, got, want, c.elementwise);
      }
    }
    t.diagnostic(`${list.length} cases on ${others.map((b) => b.name).join(', ')}`);
  });
}

const ELEMENT_SIZES = [1, 7, 8, 17, 100, 1000, 12800];
const MODEL_CONVS: readonly ConvDims[] = [
  convDims(100, 1, 14, 14, 32, 3, 3, 1, 0),
  convDims(100, 32, 6, 6, 64, 3, 3, 1, 0),
  convDims(100, 1, 14, 14, 16, 5, 5, 1, 2),
  convDims(7, 5, 11, 13, 9, 3, 3, 2, 1),
  // odd spatial sizes with padding, and C*KH*KW = 36
  convDims(3, 2, 9, 11, 5, 3, 3, 1, 1),
  convDims(2, 4, 12, 13, 3, 3, 3, 1, 0),
];
const MODEL_POOLS: readonly PoolDims[] = [
  poolDims(100, 32, 12, 12, 2, 2),
  poolDims(100, 64, 4, 4, 2, 2),
  poolDims(3, 5, 13, 11, 3, 2),
];
const LINEAR_SHAPES: readonly (readonly [number, number, number])[] = [
  [1, 1, 1], [1, 5, 3], [3, 7, 5], [9, 17, 33], [100, 1024, 128], [100, 256, 128], [100, 128, 10], [100, 20, 64], [100, 64, 2], [100, 392, 200],
];

describe('cross-backend: every kernel against the reference', () => {
  crossTest('fill', () => ELEMENT_SIZES.map((n) => ({
    label: `n=${n}`,
    run: (b) => { const out = nan32(n); b.fill(out, 0.75); return { out }; },
  })));

  crossTest('binary', (rng) => {
    const shapes: { shape: number[]; as: number[]; bs: number[]; aLen: number; bLen: number; name: string }[] = [
      { name: 'rank 0', shape: [], as: [], bs: [], aLen: 1, bLen: 1 },
      { name: 'same (17)', shape: [17], as: [1], bs: [1], aLen: 17, bLen: 17 },
      { name: 'same (100,128)', shape: [100, 128], as: [128, 1], bs: [128, 1], aLen: 12800, bLen: 12800 },
      { name: 'row bias (100,128)+(128)', shape: [100, 128], as: [128, 1], bs: [0, 1], aLen: 12800, bLen: 128 },
      { name: 'column (100,128)*(100,1)', shape: [100, 128], as: [128, 1], bs: [1, 0], aLen: 12800, bLen: 100 },
      { name: 'channel (4,32,12,12)+(32)', shape: [4, 32, 12, 12], as: [4608, 144, 12, 1], bs: [0, 1, 0, 0], aLen: 18432, bLen: 32 },
      { name: 'scalar a', shape: [3, 5, 7], as: [0, 0, 0], bs: [35, 7, 1], aLen: 1, bLen: 105 },
      { name: 'transposed a (9,7)', shape: [9, 7], as: [1, 9], bs: [7, 1], aLen: 63, bLen: 63 },
      { name: 'odd (3,1,5)', shape: [3, 1, 5], as: [5, 0, 1], bs: [0, 0, 1], aLen: 15, bLen: 5 },
    ];
    const cases: CrossCase[] = [];
    for (const s of shapes) {
      const a = rand32(rng, s.aLen);
      const bb = rand32(rng, s.bLen, 0.5, 2);
      for (const op of ['add', 'sub', 'mul', 'div'] as const) {
        cases.push({ label: `${op} ${s.name}`, run: (b) => { const out = nan32(Math.max(1, prod(s.shape))); b.binary(op, out, a, bb, s.shape, s.as, s.bs); return { out }; } });
      }
    }
    return cases;
  });

  crossTest('unary', (rng) => UNARY_OPS.flatMap((op) => ELEMENT_SIZES.map((n) => {
    const x = op === 'log' || op === 'sqrt' ? rand32(rng, n, 0.01, 4) : rand32(rng, n, -4, 4);
    return { label: `${op} n=${n}`, run: (b: Backend) => { const out = nan32(n); b.unary(op, out, x, 0.1); return { out }; } };
  })));

  crossTest('unaryBackward', (rng) => UNARY_OPS.flatMap((op) => ELEMENT_SIZES.map((n) => {
    const x = op === 'log' || op === 'sqrt' ? rand32(rng, n, 0.01, 4) : rand32(rng, n, -4, 4);
    if (n > 2 && op !== 'log' && op !== 'sqrt') x[1] = 0;
    const y = nan32(n);
    ref.unary(op, y, x, 0.1);
    const dy = rand32(rng, n);
    return { label: `${op} n=${n}`, run: (b: Backend) => { const dx = nan32(n); b.unaryBackward(op, dx, x, y, dy, 0.1); return { dx }; } };
  })));

  crossTest('reduceToShape', (rng) => {
    const shapes: { xShape: number[]; strides: number[]; outLen: number }[] = [
      { xShape: [], strides: [], outLen: 1 },
      { xShape: [1], strides: [0], outLen: 1 },
      { xShape: [100, 128], strides: [0, 1], outLen: 128 },
      { xShape: [100, 128], strides: [1, 0], outLen: 100 },
      { xShape: [100, 32, 12, 12], strides: [0, 1, 0, 0], outLen: 32 },
      { xShape: [2, 3, 4, 5], strides: [0, 0, 0, 0], outLen: 1 },
      { xShape: [2, 3, 4, 5], strides: [20, 0, 5, 1], outLen: 40 },
      { xShape: [7, 1, 9], strides: [9, 0, 1], outLen: 63 },
    ];
    return shapes.map((s) => {
      const x = rand32(rng, Math.max(1, prod(s.xShape)));
      return { label: JSON.stringify(s), run: (b: Backend) => { const out = nan32(s.outLen); b.reduceToShape(out, x, s.xShape, s.strides); return { out }; } };
    });
  });

  crossTest('sumAxis', (rng) => ([[1, 1, 1], [3, 7, 5], [100, 128, 1], [1, 100, 128], [7, 9, 13], [100, 32, 144]] as const).map(([outer, dim, inner]) => {
    const x = rand32(rng, outer * dim * inner);
    return { label: `outer=${outer} dim=${dim} inner=${inner}`, run: (b: Backend) => { const out = nan32(outer * inner); b.sumAxis(out, x, outer, dim, inner); return { out }; } };
  }));

  crossTest('gemm', (rng) => {
    const cases: CrossCase[] = [];
    for (const [m, n, k] of [[1, 1, 1], [3, 5, 7], [9, 17, 33], [8, 8, 8], [100, 128, 256], [64, 288, 100]] as const) {
      for (const ta of [false, true]) {
        for (const tb of [false, true]) {
          for (const beta of [0, 1, 0.5]) {
            const a = rand32(rng, m * k);
            const bb = rand32(rng, k * n);
            const c0 = beta === 0 ? nan32(m * n) : rand32(rng, m * n);
            cases.push({ label: `m=${m} n=${n} k=${k} transA=${ta} transB=${tb} beta=${beta}`, run: (b) => { const out = Float32Array.from(c0); b.gemm(out, a, bb, m, n, k, ta, tb, beta); return { out }; } });
          }
        }
      }
    }
    return cases;
  });

  crossTest('linear', (rng) => LINEAR_SHAPES.flatMap(([n, inF, outF]) => {
    const x = rand32(rng, n * inF);
    const w = rand32(rng, outF * inF);
    const bias = rand32(rng, outF);
    return [bias, null].flatMap((bb) => [false, true].map((relu) => ({ label: `n=${n} in=${inF} out=${outF} bias=${bb !== null} relu=${relu}`, run: (b: Backend) => { const out = nan32(n * outF); b.linear(out, x, w, bb, n, inF, outF, relu); return { out }; } })));
  }));

  crossTest('linearBackward', (rng) => LINEAR_SHAPES.flatMap(([n, inF, outF]) => {
    const x = rand32(rng, n * inF);
    const w = rand32(rng, outF * inF);
    const dy = rand32(rng, n * outF);
    // a relu output: zeros where the pre-activation was <= 0
    const yRelu = rand32(rng, n * outF).map((v) => (v > 0 ? v : 0));
    return [
      { label: `n=${n} in=${inF} out=${outF} all`, run: (b: Backend) => { const dx = nan32(n * inF); const dw = nan32(outF * inF); const db = nan32(outF); b.linearBackward(dx, dw, db, dy, x, w, null, n, inF, outF); return { dx, dw, db }; } },
      { label: `n=${n} in=${inF} out=${outF} after relu`, run: (b: Backend) => { const dx = nan32(n * inF); const dw = nan32(outF * inF); const db = nan32(outF); b.linearBackward(dx, dw, db, dy, x, w, yRelu, n, inF, outF); return { dx, dw, db }; } },
      { label: `n=${n} in=${inF} out=${outF} dw only`, run: (b: Backend) => { const dw = nan32(outF * inF); b.linearBackward(null, dw, null, dy, x, w, null, n, inF, outF); return { dw }; } },
    ];
  }));

  const convCases = (rng: () => number): { d: ConvDims; x: Float32Array; w: Float32Array; bias: Float32Array; dy: Float32Array }[] =>
    [...CONV_SHAPES, ...MODEL_CONVS].map((d) => ({
      d,
      x: rand32(rng, d.n * d.c * d.h * d.w),
      w: rand32(rng, d.o * d.c * d.kh * d.kw, -0.3, 0.3),
      bias: rand32(rng, d.o),
      dy: rand32(rng, d.n * d.o * d.oh * d.ow),
    }));
  const convLabel = (d: ConvDims): string => `n=${d.n} c=${d.c} ${d.h}x${d.w} o=${d.o} k=${d.kh}x${d.kw} stride=${d.stride} pad=${d.pad}`;

  // the large model-like shapes run one variant each to keep the file fast
  const small = (d: ConvDims): boolean => d.n * d.o * d.oh * d.ow * d.c * d.kh * d.kw < 1e6;

  crossTest('conv2d', (rng) => convCases(rng).flatMap(({ d, x, w, bias }) => (small(d) ? [bias, null] : [bias]).map((bb) => ({
    label: `${convLabel(d)} bias=${bb !== null}`,
    run: (b: Backend) => { const out = nan32(d.n * d.o * d.oh * d.ow); b.conv2d(out, x, w, bb, d); return { out }; },
  }))));

  crossTest('conv2dRelu', (rng) => convCases(rng).flatMap(({ d, x, w, bias }) => (small(d) ? [bias, null] : [bias]).map((bb) => ({
    label: `${convLabel(d)} bias=${bb !== null}`,
    run: (b: Backend) => { const out = nan32(d.n * d.o * d.oh * d.ow); b.conv2dRelu(out, x, w, bb, d); return { out }; },
  }))));

  crossTest('conv2dBackwardInput', (rng) => convCases(rng).map(({ d, w, dy }) => ({
    label: convLabel(d),
    run: (b: Backend) => { const dx = nan32(d.n * d.c * d.h * d.w); b.conv2dBackwardInput(dx, dy, w, d); return { dx }; },
  })));

  crossTest('conv2dBackwardWeight', (rng) => convCases(rng).flatMap(({ d, x, dy }) => [
    { label: `${convLabel(d)} with db`, run: (b: Backend) => { const dw = nan32(d.o * d.c * d.kh * d.kw); const db = nan32(d.o); b.conv2dBackwardWeight(dw, db, dy, x, d); return { dw, db }; } },
    ...(small(d) ? [{ label: `${convLabel(d)} no db`, run: (b: Backend) => { const dw = nan32(d.o * d.c * d.kh * d.kw); b.conv2dBackwardWeight(dw, null, dy, x, d); return { dw }; } }] : []),
  ]));

  crossTest('conv2dReluMaxPool', (rng) => convCases(rng).map(({ d, x, w, bias }) => {
    const k = Math.min(2, d.oh, d.ow), p = poolDims(d.n, d.o, d.oh, d.ow, k, k), n = p.n * p.c * p.oh * p.ow;
    return { label: `${convLabel(d)} pool ${k}`, run: (b: Backend) => { const out = nan32(n); b.conv2dReluMaxPool(out, new Int32Array(n), x, w, bias, d, p); return { out }; } };
  }));

  const poolCases = (rng: () => number): { d: PoolDims; x: Float32Array; ties: boolean; dy: Float32Array }[] =>
    [...POOL_SHAPES, ...MODEL_POOLS].flatMap((d) => [false, true].map((ties) => {
      const len = d.n * d.c * d.h * d.w;
      return { d, ties, x: ties ? Float32Array.from(randInt(rng, len, 3)) : rand32(rng, len), dy: rand32(rng, d.n * d.c * d.oh * d.ow) };
    }));
  const poolLabel = (d: PoolDims, ties: boolean): string => `n=${d.n} c=${d.c} ${d.h}x${d.w} k=${d.k} stride=${d.stride}${ties ? ' with ties' : ''}`;

  crossTest('maxPool2d', (rng) => poolCases(rng).map(({ d, x, ties }) => ({
    label: poolLabel(d, ties),
    run: (b: Backend) => { const n = d.n * d.c * d.oh * d.ow; const out = nan32(n); const argmax = new Int32Array(n).fill(-1); b.maxPool2d(out, argmax, x, d); return { out, argmax }; },
  })));

  crossTest('maxPool2dBackward', (rng) => poolCases(rng).map(({ d, x, ties, dy }) => {
    const n = d.n * d.c * d.oh * d.ow;
    const argmax = new Int32Array(n);
    ref.maxPool2d(nan32(n), argmax, x, d);
    return { label: poolLabel(d, ties), run: (b: Backend) => { const dx = nan32(x.length); b.maxPool2dBackward(dx, dy, argmax, d); return { dx }; } };
  }));

  crossTest('avgPool2d', (rng) => poolCases(rng).map(({ d, x, ties }) => ({
    label: poolLabel(d, ties),
    run: (b: Backend) => { const out = nan32(d.n * d.c * d.oh * d.ow); b.avgPool2d(out, x, d); return { out }; },
  })));

  crossTest('avgPool2dBackward', (rng) => poolCases(rng).map(({ d, x, ties, dy }) => ({
    label: poolLabel(d, ties),
    run: (b: Backend) => { const dx = nan32(x.length); b.avgPool2dBackward(dx, dy, d); return { dx }; },
  })));

  const BN_SHAPES = [[1, 1, 1], [2, 3, 5], [1, 4, 9], [5, 2, 1], [100, 32, 144], [100, 128, 1], [100, 64, 16], [3, 7, 13]] as const;
  const bnCases = (rng: () => number): { n: number; c: number; hw: number; x: Float32Array; gamma: Float32Array; beta: Float32Array; dy: Float32Array }[] =>
    BN_SHAPES.map(([n, c, hw]) => ({ n, c, hw, x: rand32(rng, n * c * hw, -2, 3), gamma: rand32(rng, c, 0.5, 1.5), beta: rand32(rng, c), dy: rand32(rng, n * c * hw) }));

  crossTest('batchNormTrain', (rng) => bnCases(rng).map(({ n, c, hw, x, gamma, beta }) => ({
    label: `n=${n} c=${c} hw=${hw}`,
    run: (b: Backend) => { const out = nan32(x.length); const mean = nan32(c); const invStd = nan32(c); b.batchNormTrain(out, mean, invStd, x, gamma, beta, n, c, hw, 1e-5, false); return { out, mean, invStd }; },
  })));

  crossTest('batchNormEval', (rng) => bnCases(rng).map(({ n, c, hw, x, gamma, beta }) => {
    const runMean = rand32(rng, c);
    const runVar = rand32(rng, c, 0.2, 2);
    return { label: `n=${n} c=${c} hw=${hw}`, run: (b: Backend) => { const out = nan32(x.length); b.batchNormEval(out, x, gamma, beta, runMean, runVar, n, c, hw, 1e-5, false); return { out }; } };
  }));

  crossTest('batchNormBackward', (rng) => bnCases(rng).map(({ n, c, hw, x, gamma, beta, dy }) => {
    const mean = nan32(c);
    const invStd = nan32(c);
    ref.batchNormTrain(nan32(x.length), mean, invStd, x, gamma, beta, n, c, hw, 1e-5, false);
    return {
      label: `n=${n} c=${c} hw=${hw}`,
      run: (b: Backend) => { const dx = nan32(x.length); const dgamma = nan32(c); const dbeta = nan32(c); b.batchNormBackward(dx, dgamma, dbeta, dy, x, mean, invStd, gamma, null, n, c, hw); return { dx, dgamma, dbeta }; },
    };
  }));

  const SOFTMAX_SHAPES = [[1, 1], [1, 10], [3, 7], [100, 10], [100, 2], [9, 17]] as const;
  const smInput = (rng: () => number, rows: number, cols: number): Float32Array => {
    const x = rand32(rng, rows * cols, -6, 6);
    // one row of large values checks the max subtraction
    for (let j = 0; j < cols; j++) x[j] = x[j]! + 500;
    return x;
  };

  crossTest('softmax', (rng) => SOFTMAX_SHAPES.map(([rows, cols]) => {
    const x = smInput(rng, rows, cols);
    return { label: `${rows}x${cols}`, run: (b: Backend) => { const out = nan32(x.length); b.softmax(out, x, rows, cols); return { out }; } };
  }));

  crossTest('logSoftmax', (rng) => SOFTMAX_SHAPES.map(([rows, cols]) => {
    const x = smInput(rng, rows, cols);
    return { label: `${rows}x${cols}`, run: (b: Backend) => { const out = nan32(x.length); b.logSoftmax(out, x, rows, cols); return { out }; } };
  }));

  crossTest('softmaxBackward', (rng) => SOFTMAX_SHAPES.map(([rows, cols]) => {
    const y = nan32(rows * cols);
    ref.softmax(y, smInput(rng, rows, cols), rows, cols);
    const dy = rand32(rng, y.length);
    return { label: `${rows}x${cols}`, run: (b: Backend) => { const dx = nan32(y.length); b.softmaxBackward(dx, y, dy, rows, cols); return { dx }; } };
  }));

  crossTest('logSoftmaxBackward', (rng) => SOFTMAX_SHAPES.map(([rows, cols]) => {
    const y = nan32(rows * cols);
    ref.logSoftmax(y, smInput(rng, rows, cols), rows, cols);
    const dy = rand32(rng, y.length);
    return { label: `${rows}x${cols}`, run: (b: Backend) => { const dx = nan32(y.length); b.logSoftmaxBackward(dx, y, dy, rows, cols); return { dx }; } };
  }));

  crossTest('nllLoss', (rng) => SOFTMAX_SHAPES.map(([rows, cols]) => {
    const logp = nan32(rows * cols);
    ref.logSoftmax(logp, rand32(rng, rows * cols, -3, 3), rows, cols);
    const target = randInt(rng, rows, cols);
    return { label: `${rows}x${cols}`, run: (b: Backend) => { const out = nan32(1); b.nllLoss(out, logp, target, rows, cols); return { out }; } };
  }));

  crossTest('nllLossBackward', (rng) => SOFTMAX_SHAPES.map(([rows, cols]) => {
    const target = randInt(rng, rows, cols);
    return { label: `${rows}x${cols}`, run: (b: Backend) => { const dlogp = nan32(rows * cols); b.nllLossBackward(dlogp, 0.7, target, rows, cols); return { dlogp }; } };
  }));

  const LOSS_SIZES = [1, 7, 8, 100, 1000];
  const targets = (rng: () => number, n: number): Float32Array => Float32Array.from({ length: n }, () => (rng() < 0.5 ? 0 : 1));

  crossTest('bceWithLogitsLoss', (rng) => LOSS_SIZES.map((n) => {
    const x = rand32(rng, n, -8, 8);
    if (n > 2) { x[0] = 60; x[1] = -60; }
    const t = targets(rng, n);
    return { label: `n=${n}`, run: (b: Backend) => { const out = nan32(1); b.bceWithLogitsLoss(out, x, t, n); return { out }; } };
  }));

  crossTest('bceWithLogitsLossBackward', (rng) => LOSS_SIZES.map((n) => {
    const x = rand32(rng, n, -8, 8);
    const t = targets(rng, n);
    return { label: `n=${n}`, run: (b: Backend) => { const dx = nan32(n); b.bceWithLogitsLossBackward(dx, 1.3, x, t, n); return { dx }; } };
  }));

  const probs = (rng: () => number, n: number): Float32Array => {
    const p = rand32(rng, n, 0.001, 0.999);
    // exact 0 and 1 exercise the clamp at -100
    if (n > 2) { p[0] = 0; p[1] = 1; }
    return p;
  };

  crossTest('bceLoss', (rng) => LOSS_SIZES.map((n) => {
    const p = probs(rng, n);
    const t = targets(rng, n);
    return { label: `n=${n}`, run: (b: Backend) => { const out = nan32(1); b.bceLoss(out, p, t, n); return { out }; } };
  }));

  // per element: p = 0 or 1 gives gradients of 1e11 that would dwarf a tolerance scaled by the mean, so the
  // extremes are a case of their own
  crossTest('bceLossBackward', (rng) => [
    ...LOSS_SIZES.map((n) => {
      const p = rand32(rng, n, 0.001, 0.999);
      const t = targets(rng, n);
      return { label: `n=${n}`, elementwise: { rtol: 1e-5, atol: 1e-9 }, run: (b: Backend) => { const dp = nan32(n); b.bceLossBackward(dp, 1.3, p, t, n); return { dp }; } };
    }),
    (() => {
      // every (p, t) pair at and next to the clamp, then ordinary values beside them
      const edge = [0, 1, 1e-7, 1 - 1e-7, 1e-12, 0.5];
      const p = Float32Array.from([...edge, ...edge, 0.3, 0.7]);
      const t = Float32Array.from([...edge.map(() => 0), ...edge.map(() => 1), 1, 0]);
      const n = p.length;
      return { label: 'p at 0, 1 and next to them, t = 0 and 1', elementwise: { rtol: 1e-5, atol: 1e-9 }, run: (b: Backend) => { const dp = nan32(n); b.bceLossBackward(dp, 1.3, p, t, n); return { dp }; } };
    })(),
  ]);

  crossTest('copyBlock', (rng) => {
    const a = rand32(rng, 100 * 10);
    const bb = rand32(rng, 100 * 10);
    const src = rand32(rng, 7 * 13);
    return [
      { label: 'concat (100,10)+(100,10) -> (100,20)', run: (b: Backend) => { const out = nan32(2000); b.copyBlock(out, 0, 20, a, 0, 10, 100, 10); b.copyBlock(out, 10, 20, bb, 0, 10, 100, 10); return { out }; } },
      { label: 'slice columns 3..8 of (7,13)', run: (b: Backend) => { const out = nan32(35); b.copyBlock(out, 0, 5, src, 3, 13, 7, 5); return { out }; } },
      { label: 'one element', run: (b: Backend) => { const out = nan32(3); out[0] = 1; out[2] = 2; b.copyBlock(out, 1, 1, src, 90, 1, 1, 1); return { out }; } },
      { label: 'contiguous 1000', run: (b: Backend) => { const out = nan32(1000); b.copyBlock(out, 0, 1000, a, 0, 1000, 1, 1000); return { out }; } },
    ];
  });

  crossTest('gatherRows', (rng) => {
    const x = rand32(rng, 1000 * 392);
    const order = Int32Array.from({ length: 100 }, (_, i) => (i * 373 + 11) % 1000);
    return [
      { label: 'a batch of 100 pairs out of 1000', run: (b: Backend) => { const out = nan32(100 * 392); b.gatherRows(out, x, order, 392); return { out }; } },
      { label: 'rows repeated, one float each', run: (b: Backend) => { const out = nan32(4); b.gatherRows(out, x.subarray(0, 10), Int32Array.of(9, 9, 0, 3), 1); return { out }; } },
    ];
  });

  crossTest('dropout', (rng) => [1, 7, 1000, 4608].flatMap((n) => [0.3, 0.5].map((p) => {
    const x = rand32(rng, n);
    const s0 = Int32Array.of(0x12345678, -2, 7, 99);
    return {
      label: `n=${n} p=${p}`,
      run: (b: Backend) => { const out = nan32(n), mask = nan32(n), state = s0.slice(); b.dropout(out, mask, x, state, p); return { out, mask, state }; },
    };
  })));

  const OPT_SIZES = [1, 7, 8, 17, 1000, 54000];

  crossTest('adamStep', (rng) => OPT_SIZES.flatMap((n) => ([[0, 0], [0.01, 0], [0, 0.05]] as const).map(([wd, decoupled]) => {
    const p0 = rand32(rng, n);
    const grads = [rand32(rng, n), rand32(rng, n), rand32(rng, n), rand32(rng, n)];
    return {
      label: `n=${n} weightDecay=${wd} decoupledDecay=${decoupled} 4 steps`,
      run: (b: Backend) => {
        const param = Float32Array.from(p0);
        const m = new Float32Array(n);
        const v = new Float32Array(n);
        grads.forEach((g, i) => b.adamStep(param, g, m, v, 1e-3, 0.9, 0.999, 1e-8, wd, decoupled, i + 1));
        return { param, m, v };
      },
    };
  })));

  crossTest('sgdStep', (rng) => OPT_SIZES.flatMap((n) => ([[0, 0], [0, 0.1], [0.9, 0], [0.9, 0.05]] as const).map(([momentum, wd]) => {
    const p0 = rand32(rng, n);
    const grads = [rand32(rng, n), rand32(rng, n), rand32(rng, n)];
    return {
      label: `n=${n} momentum=${momentum} weightDecay=${wd} 3 steps`,
      run: (b: Backend): Record<string, Out> => {
        const param = Float32Array.from(p0);
        const buf = momentum > 0 ? nan32(n) : null;
        grads.forEach((g, i) => b.sgdStep(param, g, buf, 0.05, momentum, wd, i === 0));
        return buf === null ? { param } : { param, buf };
      },
    };
  })));
});

test('cross-backend: every kernel of the contract has a cross-backend test', () => {
  const kernels = Object.keys(ref).filter((k) => k !== 'name').sort();
  assert.deepEqual([...crossKernels].sort(), kernels);
});
