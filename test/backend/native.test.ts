// the native backend (C++ addon): every kernel against the reference backend on random and edge
// shapes, on each of its code paths (AVX-512 where the CPU has it, AVX2+FMA, the portable scalar
// one); same inputs give the same bits, and the AVX-512 path the AVX2 path's bits; Float64Array is refused; the addon loads in a worker thread; a forced but unavailable
// native backend is a clear `backend_unavailable` error.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { UNARY_OP_NAMES } from '../../src/backend/manifest.js';
import type { Backend, BinaryOp, ConvDims, PoolDims, UnaryOp } from '../../src/backend/backend.js';
import { convOutSize } from '../../src/backend/backend.js';
import { loadNative, loadNativeAddon } from '../../src/backend/native/index.js';
import { referenceBackend as ref } from '../../src/backend/reference/index.js';
import { compareRel, makeRng, rand32, randInt } from './helpers.js';
import { nativeSkip } from '../helpers/components.js';
import { firstMessage } from '../helpers/worker.js';

const TOL = 1e-4;
const loaded = loadNative();
const addonLoad = loadNativeAddon();
const skip = nativeSkip();
const nat: Backend | null = loaded.ok ? loaded.backend : null;

type Out = Float32Array | Int32Array;
interface Case { label: string; run(b: Backend): Record<string, Out> }

function cd(n: number, c: number, h: number, w: number, o: number, kh: number, kw: number, stride: number, pad: number): ConvDims {
  return { n, c, h, w, o, kh, kw, stride, pad, oh: convOutSize(h, kh, stride, pad), ow: convOutSize(w, kw, stride, pad) };
}
function pd(n: number, c: number, h: number, w: number, k: number, stride: number): PoolDims {
  return { n, c, h, w, k, stride, oh: Math.floor((h - k) / stride) + 1, ow: Math.floor((w - k) / stride) + 1 };
}
const nan = (n: number): Float32Array => new Float32Array(n).fill(NaN);

function cases(rng: () => number): Record<string, Case[]> {
  const r = (n: number, lo = -1, hi = 1): Float32Array => rand32(rng, n, lo, hi);
  const sizes = [1, 3, 8, 15, 17, 33, 1000, 4099];
  const unaryOps: readonly UnaryOp[] = UNARY_OP_NAMES;
  const positive = (op: UnaryOp): boolean => op === 'log' || op === 'sqrt';
  const convs: ConvDims[] = [
    cd(100, 1, 14, 14, 32, 3, 3, 1, 0), cd(100, 32, 6, 6, 64, 3, 3, 1, 0), cd(100, 1, 14, 14, 16, 5, 5, 1, 0),
    cd(100, 16, 5, 5, 32, 3, 3, 1, 0), cd(50, 32, 5, 5, 64, 3, 3, 1, 0), cd(60, 64, 3, 3, 128, 2, 2, 1, 0),
    cd(1, 1, 1, 1, 1, 1, 1, 1, 0), cd(1, 3, 1, 1, 5, 1, 1, 1, 0), cd(2, 3, 1, 1, 4, 3, 3, 1, 1), cd(1, 2, 7, 5, 3, 3, 3, 1, 1),
    cd(3, 5, 11, 13, 7, 3, 3, 2, 1), cd(2, 4, 9, 9, 6, 2, 2, 2, 0), cd(1, 300, 4, 4, 7, 1, 1, 1, 0), cd(2, 40, 5, 5, 300, 3, 3, 1, 1),
    cd(3, 2, 8, 8, 3, 5, 5, 3, 2),
  ];
  const pools: PoolDims[] = [pd(100, 32, 12, 12, 2, 2), pd(100, 64, 4, 4, 2, 2), pd(1, 1, 1, 1, 1, 1), pd(2, 3, 7, 5, 2, 2), pd(3, 5, 13, 11, 3, 2), pd(2, 2, 6, 6, 3, 1), pd(1, 3, 6, 4, 2, 2), pd(1, 2, 6, 7, 2, 2)];
  const gemms: [number, number, number][] = [[1, 1, 1], [1, 17, 3], [7, 1, 9], [6, 16, 256], [13, 29, 300], [100, 128, 392], [150, 70, 513], [37, 4100, 5], [5, 3, 0]];
  const linears: [number, number, number][] = [[1, 1, 1], [1, 5, 3], [3, 7, 5], [100, 392, 200], [100, 200, 2], [33, 1024, 17]];
  const bn: [number, number, number][] = [[1, 1, 1], [2, 3, 1], [100, 32, 144], [7, 5, 9], [100, 200, 1]];
  const sm: [number, number][] = [[1, 1], [1, 2], [100, 10], [7, 33], [3, 1000]];
  const out: Record<string, Case[]> = {};
  const add = (k: string, c: Case): void => { (out[k] ??= []).push(c); };

  for (const n of sizes) {
    add('fill', { label: `n=${n}`, run: (b) => { const o = nan(n); b.fill(o, -2.5); return { o }; } });
    for (const op of unaryOps) {
      const x = positive(op) ? r(n, 0.05, 3) : r(n, -3, 3);
      if (op === 'relu' || op === 'leakyRelu') x[0] = 0;
      const dy = r(n);
      add('unary', { label: `${op} n=${n}`, run: (b) => { const o = nan(n); b.unary(op, o, x, 0.1); return { o }; } });
      add('unaryBackward', {
        label: `${op} n=${n}`,
        run: (b) => { const y = nan(n); ref.unary(op, y, x, 0.1); const dx = nan(n); b.unaryBackward(op, dx, x, y, dy, 0.1); return { dx }; },
      });
    }
    const t = r(n, 0, 1), p = r(n, 0.02, 0.98), x = r(n, -4, 4);
    add('bceWithLogitsLoss', { label: `n=${n}`, run: (b) => { const o = nan(1); b.bceWithLogitsLoss(o, x, t, n); return { o }; } });
    add('bceWithLogitsLossBackward', { label: `n=${n}`, run: (b) => { const o = nan(n); b.bceWithLogitsLossBackward(o, 0.7, x, t, n); return { o }; } });
    add('bceLoss', { label: `n=${n}`, run: (b) => { const o = nan(1); b.bceLoss(o, p, t, n); return { o }; } });
    add('bceLossBackward', { label: `n=${n}`, run: (b) => { const o = nan(n); b.bceLossBackward(o, 1.3, p, t, n); return { o }; } });
    add('dropout', {
      label: `n=${n}`,
      run: (b) => { const o = nan(n), m = nan(n), st = Int32Array.of(-5, 123456789, 42, 0x7fffffff); b.dropout(o, m, x, st, 0.3); return { o, m, st }; },
    });
    for (const wd of [0, 0.01]) {
      const p0 = r(n), g = r(n), m0 = r(n, -0.1, 0.1), v0 = r(n, 0, 0.01);
      for (const decoupled of [0, 0.05]) {
        add('adamStep', {
          label: `n=${n} wd=${wd} decoupled=${decoupled}`,
          run: (b) => { const pp = p0.slice(), m = m0.slice(), v = v0.slice(); b.adamStep(pp, g, m, v, 1e-3, 0.9, 0.999, 1e-8, wd, decoupled, 3); return { pp, m, v }; },
        });
      }
      for (const [mom, first] of [[0, false], [0.9, true], [0.9, false]] as const) {
        add('sgdStep', {
          label: `n=${n} wd=${wd} momentum=${mom} first=${first}`,
          run: (b) => { const pp = p0.slice(), buf = m0.slice(); b.sgdStep(pp, g, mom > 0 ? buf : null, 0.05, mom, wd, first); return { pp, buf }; },
        });
      }
    }
  }
  // binary with broadcasting: full, row vector, column vector, scalar, rank 0 and rank 4
  const bshapes: { shape: number[]; as: number[]; bs: number[]; al: number; bl: number }[] = [
    { shape: [17], as: [1], bs: [1], al: 17, bl: 17 },
    { shape: [5, 9], as: [9, 1], bs: [0, 1], al: 45, bl: 9 },
    { shape: [5, 9], as: [9, 1], bs: [1, 0], al: 45, bl: 5 },
    { shape: [3, 1, 7], as: [7, 7, 1], bs: [0, 0, 0], al: 21, bl: 1 },
    { shape: [], as: [], bs: [], al: 1, bl: 1 },
    { shape: [2, 3, 4, 5], as: [60, 20, 5, 1], bs: [0, 1, 0, 0], al: 120, bl: 3 },
    { shape: [4, 6], as: [1, 4], bs: [6, 1], al: 24, bl: 24 },
  ];
  for (const s of bshapes) {
    const a = r(s.al), bb = r(s.bl, 0.5, 2);
    const total = s.shape.reduce((x, y) => x * y, 1);
    for (const op of ['add', 'sub', 'mul', 'div'] as BinaryOp[]) {
      add('binary', { label: `${op} [${s.shape}]`, run: (b) => { const o = nan(total); b.binary(op, o, a, bb, s.shape, s.as, s.bs); return { o }; } });
    }
  }
  // reduceToShape: sum over broadcast dims
  const rshapes: { xs: number[]; so: number[]; outLen: number }[] = [
    { xs: [5, 9], so: [0, 1], outLen: 9 }, { xs: [5, 9], so: [1, 0], outLen: 5 }, { xs: [100, 32, 13], so: [0, 1, 0], outLen: 32 },
    { xs: [7], so: [0], outLen: 1 }, { xs: [2, 3, 4], so: [12, 4, 1], outLen: 24 }, { xs: [1, 1], so: [0, 0], outLen: 1 },
  ];
  for (const s of rshapes) {
    const x = r(s.xs.reduce((a, b) => a * b, 1));
    add('reduceToShape', { label: `[${s.xs}] -> ${s.outLen}`, run: (b) => { const o = nan(s.outLen); b.reduceToShape(o, x, s.xs, s.so); return { o }; } });
  }
  for (const [o, d, i] of [[1, 1, 1], [3, 7, 5], [100, 10, 1], [1, 100, 33]] as const) {
    const x = r(o * d * i);
    add('sumAxis', { label: `${o}x${d}x${i}`, run: (b) => { const out = nan(o * i); b.sumAxis(out, x, o, d, i); return { out }; } });
  }
  for (const [m, n, k] of gemms) {
    for (const ta of [false, true]) for (const tb of [false, true]) for (const beta of [0, 1, 0.5]) {
      const a = r(m * k), bb = r(k * n), c0 = r(m * n);
      add('gemm', { label: `${m}x${n}x${k} tA=${ta} tB=${tb} beta=${beta}`, run: (b) => { const c = c0.slice(); b.gemm(c, a, bb, m, n, k, ta, tb, beta); return { c }; } });
    }
  }
  for (const [n, inF, outF] of linears) {
    const x = r(n * inF), w = r(outF * inF), bias = r(outF), dy = r(n * outF);
    add('linear', { label: `${n}x${inF}->${outF} bias`, run: (b) => { const o = nan(n * outF); b.linear(o, x, w, bias, n, inF, outF, false); return { o }; } });
    add('linear', { label: `${n}x${inF}->${outF} nobias`, run: (b) => { const o = nan(n * outF); b.linear(o, x, w, null, n, inF, outF, false); return { o }; } });
    add('linear', { label: `${n}x${inF}->${outF} bias relu`, run: (b) => { const o = nan(n * outF); b.linear(o, x, w, bias, n, inF, outF, true); return { o }; } });
    add('linearBackward', {
      label: `${n}x${inF}->${outF}`,
      run: (b) => { const dx = nan(n * inF), dw = nan(outF * inF), db = nan(outF); b.linearBackward(dx, dw, db, dy, x, w, null, n, inF, outF); return { dx, dw, db }; },
    });
    const y = r(n * outF).map((v) => (v > 0 ? v : 0));
    add('linearBackward', {
      label: `${n}x${inF}->${outF} after relu`,
      run: (b) => { const dx = nan(n * inF), dw = nan(outF * inF), db = nan(outF); b.linearBackward(dx, dw, db, dy, x, w, y, n, inF, outF); return { dx, dw, db }; },
    });
  }
  for (const d of convs) {
    const x = r(d.n * d.c * d.h * d.w), w = r(d.o * d.c * d.kh * d.kw), bias = r(d.o), dy = r(d.n * d.o * d.oh * d.ow);
    const label = `N${d.n} C${d.c} ${d.h}x${d.w} O${d.o} k${d.kh}x${d.kw} s${d.stride} p${d.pad}`;
    add('conv2d', { label, run: (b) => { const o = nan(dy.length); b.conv2d(o, x, w, bias, d); return { o }; } });
    add('conv2d', { label: label + ' nobias', run: (b) => { const o = nan(dy.length); b.conv2d(o, x, w, null, d); return { o }; } });
    add('conv2dRelu', { label, run: (b) => { const o = nan(dy.length); b.conv2dRelu(o, x, w, bias, d); return { o }; } });
    add('conv2dRelu', { label: label + ' nobias', run: (b) => { const o = nan(dy.length); b.conv2dRelu(o, x, w, null, d); return { o }; } });
    add('conv2dBackwardInput', { label, run: (b) => { const dx = nan(x.length); b.conv2dBackwardInput(dx, dy, w, d); return { dx }; } });
    add('conv2dBackwardWeight', { label, run: (b) => { const dw = nan(w.length), db = nan(d.o); b.conv2dBackwardWeight(dw, db, dy, x, d); return { dw, db }; } });
    // the fused conv + ReLU + 2x2 max-pool: values (its argmax is checked in conv-relu-pool.test.ts,
    // where near-ties between rounding paths are told apart)
    const p = pd(d.n, d.o, d.oh, d.ow, Math.min(2, d.oh, d.ow), Math.min(2, d.oh, d.ow));
    const pn = p.n * p.c * p.oh * p.ow;
    add('conv2dReluMaxPool', { label, run: (b) => { const o = nan(pn); b.conv2dReluMaxPool(o, new Int32Array(pn), x, w, bias, d, p); return { o }; } });
  }
  for (const d of pools) {
    const nIn = d.n * d.c * d.h * d.w, nOut = d.n * d.c * d.oh * d.ow;
    const x = r(nIn);
    // ties: quantised values so windows often hold equal maxima
    const xt = Float32Array.from(x, (v) => Math.round(v * 2) / 2);
    const dy = r(nOut);
    const label = `N${d.n} C${d.c} ${d.h}x${d.w} k${d.k} s${d.stride}`;
    for (const [tag, xx] of [['', x], [' ties', xt]] as const) {
      add('maxPool2d', { label: label + tag, run: (b) => { const o = nan(nOut), am = new Int32Array(nOut).fill(-1); b.maxPool2d(o, am, xx, d); return { o, am }; } });
      add('maxPool2dBackward', {
        label: label + tag,
        run: (b) => { const o = nan(nOut), am = new Int32Array(nOut); ref.maxPool2d(o, am, xx, d); const dx = nan(nIn); b.maxPool2dBackward(dx, dy, am, d); return { dx }; },
      });
    }
    add('avgPool2d', { label, run: (b) => { const o = nan(nOut); b.avgPool2d(o, x, d); return { o }; } });
    add('avgPool2dBackward', { label, run: (b) => { const dx = nan(nIn); b.avgPool2dBackward(dx, dy, d); return { dx }; } });
  }
  for (const [n, c, hw] of bn) {
    const tot = n * c * hw;
    const x = r(tot, -2, 3), gamma = r(c, 0.5, 1.5), beta = r(c), rm = r(c), rv = r(c, 0.5, 2), dy = r(tot);
    const label = `N${n} C${c} HW${hw}`;
    for (const relu of [false, true]) {
      const l = `${label}${relu ? ' relu' : ''}`;
      add('batchNormTrain', { label: l, run: (b) => { const o = nan(tot), m = nan(c), is = nan(c); b.batchNormTrain(o, m, is, x, gamma, beta, n, c, hw, 1e-5, relu); return { o, m, is }; } });
      add('batchNormEval', { label: l, run: (b) => { const o = nan(tot); b.batchNormEval(o, x, gamma, beta, rm, rv, n, c, hw, 1e-5, relu); return { o }; } });
    }
    add('batchNormBackward', {
      label,
      run: (b) => {
        const o = new Float32Array(tot), m = new Float32Array(c), is = new Float32Array(c);
        ref.batchNormTrain(o, m, is, x, gamma, beta, n, c, hw, 1e-5, false);
        const dx = nan(tot), dg = nan(c), db = nan(c);
        b.batchNormBackward(dx, dg, db, dy, x, m, is, gamma, null, n, c, hw);
        return { dx, dg, db };
      },
    });
    add('batchNormBackward', {
      label: `${label} after relu`,
      run: (b) => {
        const o = new Float32Array(tot), m = new Float32Array(c), is = new Float32Array(c);
        ref.batchNormTrain(o, m, is, x, gamma, beta, n, c, hw, 1e-5, true);
        const dx = nan(tot), dg = nan(c), db = nan(c);
        b.batchNormBackward(dx, dg, db, dy, x, m, is, gamma, o, n, c, hw);
        return { dx, dg, db };
      },
    });
  }
  for (const [rows, cols] of sm) {
    const x = r(rows * cols, -5, 5), dy = r(rows * cols), target = randInt(rng, rows, cols);
    const label = `${rows}x${cols}`;
    add('softmax', { label, run: (b) => { const o = nan(x.length); b.softmax(o, x, rows, cols); return { o }; } });
    add('logSoftmax', { label, run: (b) => { const o = nan(x.length); b.logSoftmax(o, x, rows, cols); return { o }; } });
    add('softmaxBackward', {
      label, run: (b) => { const y = new Float32Array(x.length); ref.softmax(y, x, rows, cols); const dx = nan(x.length); b.softmaxBackward(dx, y, dy, rows, cols); return { dx }; },
    });
    add('logSoftmaxBackward', {
      label, run: (b) => { const y = new Float32Array(x.length); ref.logSoftmax(y, x, rows, cols); const dx = nan(x.length); b.logSoftmaxBackward(dx, y, dy, rows, cols); return { dx }; },
    });
    add('nllLoss', {
      label, run: (b) => { const y = new Float32Array(x.length); ref.logSoftmax(y, x, rows, cols); const o = nan(1); b.nllLoss(o, y, target, rows, cols); return { o }; },
    });
    add('nllLossBackward', { label, run: (b) => { const o = nan(x.length); b.nllLossBackward(o, 0.8, target, rows, cols); return { o }; } });
  }
  for (const [rows, cols, xs, os, xo, oo] of [[1, 1, 1, 1, 0, 0], [5, 7, 9, 20, 2, 3], [100, 64, 64, 128, 0, 64], [3, 17, 17, 17, 0, 0]] as const) {
    const x = r(xo + (rows - 1) * xs + cols), o0 = r(oo + (rows - 1) * os + cols);
    add('copyBlock', { label: `${rows}x${cols}`, run: (b) => { const o = o0.slice(); b.copyBlock(o, oo, os, x, xo, xs, rows, cols); return { o }; } });
  }
  // rows of a SharedArrayBuffer (the MNIST splits live in one), repeated and out of order; no rows; one-float rows
  for (const [rowsX, rowLen, index] of [[9, 392, [8, 0, 3, 3, 7]], [4, 196, []], [6, 1, [5, 4, 0, 0, 1, 2, 3]]] as const) {
    const x = new Float32Array(new SharedArrayBuffer(rowsX * rowLen * 4));
    x.set(r(rowsX * rowLen));
    const idx = Int32Array.from(index);
    add('gatherRows', { label: `${idx.length} of ${rowsX} rows of ${rowLen}`, run: (b) => { const o = nan(idx.length * rowLen); b.gatherRows(o, x, idx, rowLen); return { o }; } });
  }
  return out;
}

function compare(kernel: string, label: string, got: Record<string, Out>, want: Record<string, Out>): void {
  for (const name of Object.keys(want)) {
    const a = got[name]!, b = want[name]!;
    if (b instanceof Int32Array) {
      const at = b.findIndex((v, i) => v !== a[i]);
      if (at >= 0) assert.fail(`${kernel} ${label}: ${name}[${at}] = ${a[at]}, reference ${b[at]}`);
      continue;
    }
    const m = compareRel(a, b, TOL);
    if (m.count > 0) assert.fail(`${kernel} ${label}: ${name}: ${m.count} of ${b.length} beyond ${TOL} x max(|ref|, ${m.scale.toPrecision(3)}); first ${m.first.join(', ')}; max |diff| ${m.maxDiff}`);
  }
}

function sameBits(a: Out, b: Out): boolean {
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length), ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < ua.length; i++) if (ua[i] !== ub[i]) return false;
  return true;
}

const ALL = cases(makeRng(20240607));
const KERNELS = Object.keys(ALL);

describe('native backend: every kernel agrees with the reference', { skip }, () => {
  const addon = addonLoad.ok ? addonLoad.addon : null;
  const paths: (boolean | 'avx2')[] = addon === null || !addon.cpuHasAvx2() ? [false] : addon.cpuHasAvx512() ? [true, 'avx2', false] : [true, false];
  for (const simd of paths) {
    describe(simd === true ? (addon!.cpuHasAvx512() ? 'avx512' : 'avx2+fma') : simd === 'avx2' ? 'avx2+fma' : 'scalar', () => {
      for (const kernel of KERNELS) {
        test(kernel, () => {
          addon!.setSimd(simd);
          try {
            for (const c of ALL[kernel]!) compare(kernel, c.label, c.run(nat!), c.run(ref));
          } finally {
            addon!.setSimd(true);
          }
        });
      }
    });
  }

  test('covers every kernel of the Backend interface', () => {
    const methods = Object.keys(ref).filter((k) => typeof (ref as unknown as Record<string, unknown>)[k] === 'function');
    const missing = methods.filter((m) => !KERNELS.includes(m));
    assert.deepEqual(missing, [], `kernels without a native test: ${missing.join(', ')}`);
  });
});

describe('native backend: determinism', { skip }, () => {
  test('same inputs, same bits (every case, twice)', () => {
    for (const kernel of KERNELS) {
      for (const c of ALL[kernel]!) {
        const a = c.run(nat!), b = c.run(nat!);
        for (const name of Object.keys(a)) assert.ok(sameBits(a[name]!, b[name]!), `${kernel} ${c.label}: ${name} differs between two runs`);
      }
    }
  });
});

describe('native backend: the AVX-512 kernels give the AVX2 kernels\' bits', { skip: skip || !addonLoad.ok || !addonLoad.addon.cpuHasAvx512() ? 'the CPU has no AVX-512' : false }, () => {
  const addon = addonLoad.ok ? addonLoad.addon : null;
  for (const kernel of KERNELS) {
    test(kernel, () => {
      try {
        for (const c of ALL[kernel]!) {
          assert.equal(addon!.setSimd('avx2'), 'avx2+fma');
          const a = c.run(nat!);
          assert.equal(addon!.setSimd(true), 'avx512');
          const b = c.run(nat!);
          for (const name of Object.keys(a)) assert.ok(sameBits(a[name]!, b[name]!), `${kernel} ${c.label}: ${name} differs between AVX2 and AVX-512`);
        }
      } finally {
        addon!.setSimd(true);
      }
    });
  }
});

describe('native backend: argument checks', { skip }, () => {
  test('Float64Array is a TypeError naming the argument', () => {
    const x = new Float64Array(4), o = new Float32Array(4);
    assert.throws(() => nat!.unary('relu', o, x, 0), (e: unknown) => e instanceof TypeError && /'x'.*Float32Array.*Float64Array/.test(e.message));
    assert.throws(() => nat!.gemm(new Float64Array(4), o, o, 2, 2, 1, false, false, 0), TypeError);
  });
  test('buffers too short for the dims are a bad_argument error, not a crash', () => {
    const o = new Float32Array(3);
    assert.throws(() => nat!.gemm(o, o, o, 2, 2, 2, false, false, 0), (e: unknown) => (e as { code?: string }).code === 'bad_argument');
    assert.throws(() => nat!.nllLoss(new Float32Array(1), new Float32Array(4), Int32Array.of(0, 5), 2, 2), (e: unknown) => (e as { code?: string }).code === 'bad_argument');
    const d = cd(1, 1, 4, 4, 1, 3, 3, 1, 0);
    assert.throws(() => nat!.conv2d(new Float32Array(4), new Float32Array(16), new Float32Array(9), null, { ...d, oh: 3 }), /output size/);
  });
  test('gatherRows refuses an index that is not a row of x, naming it', () => {
    const x = new Float32Array(12), o = new Float32Array(8);
    for (const be of [nat!, ref]) {
      assert.throws(() => be.gatherRows(o, x, Int32Array.of(1, 3), 4), (e: unknown) => (e as { code?: string }).code === 'bad_argument' && /index\[1\] = 3/.test((e as Error).message));
      assert.throws(() => be.gatherRows(o, x, Int32Array.of(-1, 0), 4), (e: unknown) => (e as { code?: string }).code === 'bad_argument');
    }
  });
  test('kernels work on subarray views in place (byteOffset honoured)', () => {
    const big = new Float32Array(10).fill(-1);
    const view = big.subarray(3, 7);
    nat!.fill(view, 2);
    assert.deepEqual(Array.from(big), [-1, -1, -1, 2, 2, 2, 2, -1, -1, -1]);
  });
});

describe('native addon: loading', () => {
  test('loads in a worker thread and runs a kernel there', { skip }, async () => {
    const url = new URL('../../src/backend/native/index.js', import.meta.url).href;
    const src = `
      const { parentPort } = require('node:worker_threads');
      import(${JSON.stringify(url)}).then((m) => {
        const r = m.loadNative();
        if (!r.ok) { parentPort.postMessage({ error: r.reason }); return; }
        const out = new Float32Array(4);
        r.backend.gemm(out, Float32Array.of(1, 2, 3, 4), Float32Array.of(5, 6, 7, 8), 2, 2, 2, false, false, 0);
        parentPort.postMessage({ out: Array.from(out) });
      }).catch((e) => parentPort.postMessage({ error: String(e) }));`;
    const results = await Promise.all([0, 1].map(async (k) => {
      const w = new Worker(src, { eval: true });
      try {
        return await firstMessage<{ out?: number[]; error?: string }>(w, `native addon in worker ${k}`);
      } finally {
        await w.terminate();
      }
    }));
    for (const m of results) {
      assert.equal(m.error, undefined);
      assert.deepEqual(m.out, [19, 22, 43, 50]);
    }
  });

  test('PAIRBENCH_BACKEND=native with no loadable addon fails with backend_unavailable', () => {
    const url = new URL('../../src/backend/select.js', import.meta.url).href;
    const code = `import(${JSON.stringify(url)}).then((m) => { try { m.getBackend(); console.log('NO ERROR'); } catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })); } });`;
    const r = spawnSync(process.execPath, ['-e', code], {
      env: { ...process.env, PAIRBENCH_BACKEND: 'native', PAIRBENCH_NATIVE_PATH: '/nonexistent/pairbench_native.node' },
      encoding: 'utf8',
      cwd: fileURLToPath(new URL('.', import.meta.url)),
    });
    const line = r.stdout.trim().split('\n').pop() ?? '';
    const got = JSON.parse(line) as { code: string; message: string };
    assert.equal(got.code, 'backend_unavailable');
    assert.match(got.message, /nonexistent.*build-native/);
  });

  test('without PAIRBENCH_BACKEND an unloadable addon falls back to reference with a reason', () => {
    const url = new URL('../../src/backend/select.js', import.meta.url).href;
    const code = `import(${JSON.stringify(url)}).then((m) => { console.log(m.getBackend().name + ' | ' + m.backendReason()); });`;
    const env: NodeJS.ProcessEnv = { ...process.env, PAIRBENCH_NATIVE_PATH: '/nonexistent/pairbench_native.node' };
    delete env['PAIRBENCH_BACKEND'];
    const r = spawnSync(process.execPath, ['-e', code], { env, encoding: 'utf8' });
    assert.match(r.stdout, /^reference \| backend reference \(native unavailable: .*missing/);
  });
});
