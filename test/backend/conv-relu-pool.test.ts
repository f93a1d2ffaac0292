// the fused conv2d + ReLU + max-pool: the native kernel against the reference one (values and argmax)
// on the models' layers and edge shapes (batch 1, odd sizes where the pool drops a row, padding,
// channel counts that are not multiples of 8, the Winograd and GEMM paths, chunks of images), on
// both SIMD paths; and the op against conv2d, relu and maxPool2d one after the other on each
// backend: the same bits forward and backward. A Stack of Conv2d, ReLU, MaxPool2d takes the fused op.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConvDims, PoolDims } from '../../src/backend/backend.js';
import { convOutSize } from '../../src/backend/backend.js';
import { loadNative, loadNativeAddon } from '../../src/backend/native/index.js';
import { referenceBackend as ref } from '../../src/backend/reference/index.js';
import { getBackend, setBackend, type BackendName } from '../../src/backend/select.js';
import { Stack } from '../../src/models/blocks.js';
import { BatchNorm2d, Conv2d, Dropout, MaxPool2d, ReLU } from '../../src/nn/layers.js';
import type { Module } from '../../src/nn/module.js';
import { noGrad } from '../../src/tensor/autograd.js';
import * as F from '../../src/tensor/ops/index.js';
import { Rng } from '../../src/tensor/random.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { isPairbenchError } from '../../src/errors.js';
import { assertRel, makeRng, rand32 } from './helpers.js';

const loaded = loadNative();
const addonLoad = loadNativeAddon();
const skip = loaded.ok ? false : `native addon unavailable: ${loaded.ok ? '' : loaded.reason}`;

function dims(n: number, c: number, h: number, w: number, o: number, k: number, pad: number, pk: number): [ConvDims, PoolDims] {
  const oh = convOutSize(h, k, 1, pad), ow = convOutSize(w, k, 1, pad);
  return [{ n, c, h, w, o, kh: k, kw: k, stride: 1, pad, oh, ow },
    { n, c: o, h: oh, w: ow, k: pk, stride: pk, oh: Math.floor((oh - pk) / pk) + 1, ow: Math.floor((ow - pk) / pk) + 1 }];
}

const SHAPES: [ConvDims, PoolDims][] = [
  dims(200, 1, 14, 14, 32, 3, 0, 2), // carparelli conv1, kropfhamer: first layer (GEMM path, several chunks)
  dims(100, 32, 6, 6, 64, 3, 0, 2), // carparelli conv1: second layer (Winograd 4x4)
  dims(100, 32, 8, 8, 64, 3, 0, 2), // carparelli conv2: third layer (Winograd 2x2)
  dims(1, 1, 9, 11, 5, 3, 0, 2), // batch 1, odd output: the pool drops the last row and column
  dims(3, 9, 7, 7, 13, 3, 1, 3), // padding, a 3x3 pool
  dims(2, 3, 10, 9, 7, 5, 0, 2), // 5x5 kernel, odd channel counts
];

describe('conv2dReluMaxPool: native kernel against the reference', { skip }, () => {
  const nat = loaded.ok ? loaded.backend : null;
  const addon = addonLoad.ok ? addonLoad.addon : null;
  const paths: boolean[] = addon !== null && addon.cpuHasAvx2() ? [true, false] : [false];
  const rng = makeRng(4471);
  for (const [d, p] of SHAPES) {
    const label = `N${d.n} C${d.c} ${d.h}x${d.w} O${d.o} k${d.kh} p${d.pad} pool${p.k}`;
    const x = rand32(rng, d.n * d.c * d.h * d.w), w = rand32(rng, d.o * d.c * d.kh * d.kw), bias = rand32(rng, d.o);
    const len = p.n * p.c * p.oh * p.ow;
    const want = new Float32Array(len), wantArg = new Int32Array(len);
    ref.conv2dReluMaxPool(want, wantArg, x, w, bias, d, p);
    for (const simd of paths) {
      test(`${label} ${simd ? 'avx2+fma' : 'scalar'}`, () => {
        addon!.setSimd(simd);
        try {
          const got = new Float32Array(len).fill(NaN), arg = new Int32Array(len).fill(-1);
          nat!.conv2dReluMaxPool(got, arg, x, w, bias, d, p);
          assertRel(got, want, 1e-4, `${label} out`);
          // argmax: the same window position wherever the maximum is clear (a near-tie may pick either)
          const act = new Float32Array(d.n * d.o * d.oh * d.ow);
          nat!.conv2d(act, x, w, bias, d);
          let bad = 0;
          for (let i = 0; i < len; i++) if (Math.max(act[arg[i]!]!, 0) !== got[i]) bad++;
          assert.equal(bad, 0, `${label}: ${bad} argmax entries do not point at their window's maximum`);
          let moved = 0;
          for (let i = 0; i < len; i++) if (arg[i] !== wantArg[i] && Math.abs(want[i]!) > 1e-3) moved++;
          assert.ok(moved <= len * 0.001, `${label}: ${moved} of ${len} argmax entries differ from the reference`);
          const again = new Float32Array(len), arg2 = new Int32Array(len);
          nat!.conv2dReluMaxPool(again, arg2, x, w, bias, d, p);
          assert.ok(new Uint32Array(got.buffer).every((v, i) => v === new Uint32Array(again.buffer)[i]) && arg.every((v, i) => v === arg2[i]), `${label}: two runs differ`);
        } finally {
          addon!.setSimd(true);
        }
      });
    }
  }
  test('pool dims that are not the convolution\'s output are refused', () => {
    const [d, p] = dims(2, 1, 8, 8, 4, 3, 0, 2);
    const x = new Float32Array(2 * 64), w = new Float32Array(36);
    const out = new Float32Array(2 * 4 * 9), arg = new Int32Array(2 * 4 * 9);
    assert.throws(() => nat!.conv2dReluMaxPool(out, arg, x, w, null, d, { ...p, c: 3, oh: 3, ow: 3 }),
      (e: unknown) => isPairbenchError(e, 'bad_argument') && /not the convolution's output/.test(e.message));
  });
});

type ConvOp = (x: Tensor, w: Tensor, b: Tensor) => Tensor;

// forward and backward (out, dx, dw, db) of a fused op and of the ops it stands for, through autograd
// on the backend named, from the same random inputs (drawn with `seed`)
function both(name: BackendName, d: ConvDims, seed: number, fusedOp: ConvOp, chainOp: ConvOp): { fused: Float32Array[]; chain: Float32Array[] } {
  const prev = getBackend().name as BackendName;
  setBackend(name);
  try {
    const rng = makeRng(seed);
    const x0 = rand32(rng, d.n * d.c * d.h * d.w), w0 = rand32(rng, d.o * d.c * d.kh * d.kw), b0 = rand32(rng, d.o);
    const run = (fused: boolean): Float32Array[] => {
      const x = new Tensor(x0.slice(), [d.n, d.c, d.h, d.w], true), w = new Tensor(w0.slice(), [d.o, d.c, d.kh, d.kw], true), b = new Tensor(b0.slice(), [d.o], true);
      const y = fused ? fusedOp(x, w, b) : chainOp(x, w, b);
      const out = Float32Array.from(y.data);
      // a loss that weights every output differently
      const weights = new Tensor(Float32Array.from({ length: y.size }, (_, i) => Math.sin(i + 1)), y.shape);
      F.sum(F.mul(y, weights)).backward();
      return [out, Float32Array.from(x.grad!.data), Float32Array.from(w.grad!.data), Float32Array.from(b.grad!.data)];
    };
    return { fused: run(true), chain: run(false) };
  } finally {
    setBackend(prev);
  }
}

describe('conv2dReluMaxPool is conv2d, relu and maxPool2d to the bit, forward and backward', () => {
  const cases: [string, ConvDims, number][] = [
    ['first layer', dims(6, 1, 14, 14, 8, 3, 0, 2)[0], 2],
    ['Winograd layer', dims(5, 16, 8, 8, 12, 3, 0, 2)[0], 2],
    ['odd sizes, padding, pool 3', dims(2, 3, 9, 8, 5, 3, 1, 3)[0], 3],
  ];
  const backends: BackendName[] = loaded.ok ? ['reference', 'native'] : ['reference'];
  for (const name of backends) {
    for (const [label, d, k] of cases) {
      test(`${name}: ${label}`, () => {
        const { fused, chain } = both(name, d, 77 + d.n + d.c, (x, w, b) => F.conv2dReluMaxPool(x, w, b, { padding: d.pad }, k),
          (x, w, b) => F.maxPool2d(F.relu(F.conv2d(x, w, b, { padding: d.pad })), k));
        ['out', 'dx', 'dw', 'db'].forEach((what, i) => {
          const a = new Uint32Array(fused[i]!.buffer), b = new Uint32Array(chain[i]!.buffer);
          const differ = a.reduce((s, v, j) => s + (v === b[j] ? 0 : 1), 0);
          assert.equal(differ, 0, `${name} ${label} ${what}: ${differ} of ${a.length} values differ from the three ops`);
        });
      });
    }
  }
  // conv2d with relu: true (a Conv2d followed by a ReLU without a pool) against relu(conv2d)
  const reluCases: [string, ConvDims][] = [
    ['first layer 3x3', dims(6, 1, 14, 14, 8, 3, 0, 2)[0]], ['first layer 5x5', dims(3, 1, 14, 14, 17, 5, 0, 2)[0]],
    ['Winograd layer', dims(5, 16, 8, 8, 12, 3, 0, 2)[0]], ['odd sizes, padding', dims(2, 3, 9, 8, 5, 3, 1, 3)[0]],
  ];
  for (const name of backends) {
    for (const [label, d] of reluCases) {
      test(`${name}: conv2d with relu is relu(conv2d) to the bit, forward and backward: ${label}`, () => {
        const { fused, chain } = both(name, d, 91 + d.c + d.kh, (x, w, b) => F.conv2d(x, w, b, { padding: d.pad, relu: true }),
          (x, w, b) => F.relu(F.conv2d(x, w, b, { padding: d.pad })));
        assert.ok(fused[0]!.some((v) => v === 0) && fused[0]!.some((v) => v > 0), 'the ReLU cuts some outputs and passes others');
        ['out', 'dx', 'dw', 'db'].forEach((what, i) => {
          assert.deepEqual(new Uint32Array(fused[i]!.buffer), new Uint32Array(chain[i]!.buffer), `${name} ${label} ${what} differs from relu(conv2d)`);
        });
      });
    }
  }
  test('a Stack of Conv2d, ReLU (no pool) runs one fused op and computes what its layers compute one by one', () => {
    const net = new Stack({ conv1: new Conv2d(1, 4, 5, new Rng(3)), relu1: new ReLU() });
    const x = new Tensor(rand32(makeRng(6), 2 * 196), [2, 1, 14, 14], true);
    const y = net.forward(x);
    assert.equal(y.node?.op, 'conv2d', 'one conv2d node, no relu node');
    const byLayer = new ReLU().forward((net as unknown as { conv1: Conv2d }).conv1.forward(x));
    assert.deepEqual(Array.from(y.data), Array.from(byLayer.data));
  });
  test('a Stack of Conv2d, ReLU, MaxPool2d computes what its layers compute one by one', () => {
    const net = new Stack({ conv1: new Conv2d(1, 4, 3, new Rng(3)), relu1: new ReLU(), pool1: new MaxPool2d(2) });
    const x = new Tensor(rand32(makeRng(5), 2 * 196), [2, 1, 14, 14]);
    const y = net.forward(x);
    const byLayer = new MaxPool2d(2).forward(new ReLU().forward((net as unknown as { conv1: Conv2d }).conv1.forward(x)));
    assert.deepEqual(y.shape, [2, 4, 6, 6]);
    assert.deepEqual(Array.from(y.data), Array.from(byLayer.data));
    assert.equal(y.node?.op, 'conv2dReluMaxPool');
  });
  // evaluation: batch norm folded into the convolution (values within rounding), dropout skipped
  const evalNet = (pool: boolean, dropout: boolean): { net: Stack; layers: Module[] } => {
    const conv = new Conv2d(3, 6, 3, new Rng(11)), bn = new BatchNorm2d(6);
    const r = makeRng(13);
    bn.weight.data.set(rand32(r, 6, 0.5, 2)); bn.bias.data.set(rand32(r, 6));
    bn.runningMean.value.data.set(rand32(r, 6)); bn.runningVar.value.data.set(rand32(r, 6, 0.2, 3));
    const layers: Module[] = [conv, bn, new ReLU(), ...(dropout ? [new Dropout(0.5, new Rng(2))] : []), ...(pool ? [new MaxPool2d(2)] : [])];
    return { net: new Stack(Object.fromEntries(layers.map((m, i) => [`l${i}`, m]))), layers };
  };
  for (const [pool, dropout] of [[true, false], [false, false], [true, true]] as const) {
    test(`evaluation, conv + batch norm + ReLU${dropout ? ' + dropout' : ''}${pool ? ' + max-pool' : ''}: batch norm folded into the convolution`, () => {
      const { net, layers } = evalNet(pool, dropout);
      const x = new Tensor(rand32(makeRng(17), 4 * 3 * 10 * 10), [4, 3, 10, 10]);
      const oneByOne = (): Float32Array => { let y = x; for (const m of layers) y = m.forward(y); return Float32Array.from(y.data); };
      net.eval();
      const want = noGrad(oneByOne), got = noGrad(() => Float32Array.from(net.forward(x).data));
      assert.equal(got.length, want.length);
      assertRel(got, want, 1e-5, 'folded');
      assert.ok(got.some((v, i) => v !== want[i]), 'the folded path ran (its rounding differs somewhere)');
      // with a tape, or in training mode, nothing is folded: the layers' own bits
      assert.deepEqual(Array.from(net.forward(x).data), Array.from(oneByOne()));
      if (dropout) return;  // training-mode dropout draws new masks each call
      net.train();
      assert.deepEqual(Array.from(noGrad(() => net.forward(x)).data), Array.from(noGrad(oneByOne)));
    });
  }
});
