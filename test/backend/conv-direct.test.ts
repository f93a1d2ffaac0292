// the direct AVX-512 kernels of one-input-channel 3x3 / 5x5 convolutions (native/conv_direct.cc: the
// models' first layers) against the reference direct convolution, and bit for bit against the AVX2
// GEMM path they replace (the same FMA chains); forward with and without bias, weight and bias
// gradients, on the models' shapes and on edge shapes (batch 1, odd and non-square maps, 1x1 outputs,
// channel counts that are not multiples of 16, maps of more than 256 positions, maps under 64); the
// fused conv + ReLU + max-pool, whose ReLU the direct kernel applies as it stores
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConvDims } from '../../src/backend/backend.js';
import { convOutSize } from '../../src/backend/backend.js';
import { loadNative, loadNativeAddon } from '../../src/backend/native/index.js';
import { referenceBackend as ref } from '../../src/backend/reference/index.js';
import { assertRel, makeRng, rand32 } from './helpers.js';

const TOL = 1e-4;
const loaded = loadNative();
const addonLoad = loadNativeAddon();
const addon = addonLoad.ok ? addonLoad.addon : null;
const skip = !loaded.ok ? `native addon unavailable: ${loaded.reason}` : !addon!.cpuHasAvx512() ? 'the CPU has no AVX-512 (the direct kernels are AVX-512 only)' : false;

function cd(n: number, h: number, w: number, o: number, k: number): ConvDims {
  return { n, c: 1, h, w, o, kh: k, kw: k, stride: 1, pad: 0, oh: convOutSize(h, k, 1, 0), ow: convOutSize(w, k, 1, 0) };
}

const SHAPES: ConvDims[] = [
  cd(100, 14, 14, 16, 5), // carparelli2019 conv2's first layer
  cd(50, 14, 14, 32, 3), // siebert2022's first layer
  cd(200, 14, 14, 32, 3), // lenet / pillonel / kropfhamer first layer, evaluation batch
  cd(1, 14, 14, 32, 3),
  cd(3, 7, 9, 5, 3), // odd, non-square; 5 channels (groups of 4 and 1)
  cd(2, 20, 20, 17, 3), // 324 positions: two weight-gradient blocks per image
  cd(1, 3, 3, 33, 3), // one output per image
  cd(4, 5, 11, 19, 5), // one output row
  cd(7, 6, 6, 8, 5), // 4 positions per image: blocks across images
  cd(2, 30, 30, 3, 5),
];

const bits = (a: Float32Array): Uint32Array => new Uint32Array(a.buffer, a.byteOffset, a.length);

describe('native one-input-channel convolutions (direct AVX-512) agree with the reference and with the AVX2 GEMM path', { skip }, () => {
  const nat = loaded.ok ? loaded.backend : null;
  const rng = makeRng(4242);
  for (const d of SHAPES) {
    const label = `N${d.n} ${d.h}x${d.w} O${d.o} k${d.kh}`;
    test(label, () => {
      const x = rand32(rng, d.n * d.h * d.w), w = rand32(rng, d.o * d.kh * d.kw), bias = rand32(rng, d.o);
      const dy = rand32(rng, d.n * d.o * d.oh * d.ow);
      const run = (simd: true | 'avx2'): Record<string, Float32Array> => {
        addon!.setSimd(simd);
        try {
          // one spare element past each output: nothing may be written there
          const got = { y: new Float32Array(dy.length + 1).fill(NaN), ynb: new Float32Array(dy.length + 1).fill(NaN), dw: new Float32Array(w.length).fill(NaN), db: new Float32Array(d.o).fill(NaN) };
          nat!.conv2d(got.y, x, w, bias, d);
          nat!.conv2d(got.ynb, x, w, null, d);
          nat!.conv2dBackwardWeight(got.dw, got.db, dy, x, d);
          const p = { n: d.n, c: d.o, h: d.oh, w: d.ow, k: 2, stride: 2, oh: d.oh >> 1, ow: d.ow >> 1 };
          const pooled = new Float32Array(d.n * d.o * p.oh * p.ow).fill(NaN), argmax = new Int32Array(pooled.length);
          if (pooled.length > 0) nat!.conv2dReluMaxPool(pooled, argmax, x, w, bias, d, p);
          return { ...got, pooled, argmax: new Float32Array(argmax.buffer) };
        } finally {
          addon!.setSimd(true);
        }
      };
      const direct = run(true), gemm = run('avx2');
      const want = { y: new Float32Array(dy.length), ynb: new Float32Array(dy.length), dw: new Float32Array(w.length), db: new Float32Array(d.o) };
      ref.conv2d(want.y, x, w, bias, d);
      ref.conv2d(want.ynb, x, w, null, d);
      ref.conv2dBackwardWeight(want.dw, want.db, dy, x, d);
      for (const k of ['pooled', 'argmax']) assert.deepEqual(bits(direct[k]!), bits(gemm[k]!), `${label} ${k}: conv + ReLU + max-pool differs between the AVX-512 and AVX2 paths`);
      for (const k of ['y', 'ynb', 'dw', 'db'] as const) {
        const got = direct[k]!;
        assertRel(got.subarray(0, want[k].length), want[k], TOL, `${label} ${k}`);
        assert.deepEqual(bits(got), bits(gemm[k]!), `${label} ${k}: the AVX-512 direct kernel and the AVX2 GEMM path differ in their bits`);
      }
      assert.ok(Number.isNaN(direct['y']![dy.length]) && Number.isNaN(direct['ynb']![dy.length]), `${label}: the forward wrote past its output`);
    });
  }
});
