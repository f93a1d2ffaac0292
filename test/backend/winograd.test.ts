// the native 3x3 and 2x2 stride-1 convolutions (Winograd F(2x2,3x3), F(3x3,3x3), F(4x4,3x3), F(6x6,3x3), backward F(5x5,3x3),
// and F(2x2,2x2), once a layer has 8+ input and output channels) against the reference backend's direct convolution: forward,
// backward-input and backward-weight, on every SIMD path (AVX-512, AVX2, scalar), on the models' shapes and on edge shapes (batch 1, odd and
// non-square sizes, 1x1 outputs, padding, channel counts that are not multiples of 8, more tiles
// than one block of the weight-gradient GEMM); the same inputs give the same bits.
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
const skip = loaded.ok ? false : `native addon unavailable: ${loaded.ok ? '' : loaded.reason}`;

function cd(n: number, c: number, h: number, w: number, o: number, pad = 0, k = 3): ConvDims {
  return { n, c, h, w, o, kh: k, kw: k, stride: 1, pad, oh: convOutSize(h, k, 1, pad), ow: convOutSize(w, k, 1, pad) };
}

const SHAPES: ConvDims[] = [
  cd(200, 16, 10, 10, 32), // carparelli conv2 layer 2
  cd(200, 32, 8, 8, 64), // carparelli conv2 layer 3 (F(6x6,3x3): 6x6 outputs, one tile)
  cd(2, 8, 7, 7, 8), // backward F(5x5,3x3): one tile per image; forward F(3x3,3x3) with half tiles
  cd(50, 32, 12, 12, 64), // siebert2022 layer 2 (10x10 outputs: forward F(6x6,3x3) with half tiles, backward F(5x5,3x3))
  cd(2, 10, 13, 13, 9), // F(6x6,3x3) on 11x11 outputs: a partial last tile
  cd(1, 9, 6, 7, 10, 1), // F(6x6,3x3) with padding 1, batch 1, a 6x7 map
  cd(3, 8, 9, 9, 8), // F(3x3,3x3): 7x7 outputs
  cd(2, 9, 10, 10, 12, 1), // backward F(5x5,3x3) with padding
  cd(100, 32, 6, 6, 64), // lenet / carparelli conv1 layer 2
  cd(1, 8, 3, 3, 8), // one 1x1 output
  cd(1, 9, 7, 9, 13), // odd sizes: half tiles on the right and bottom
  cd(3, 13, 5, 8, 11, 1), // padding 1, odd height
  cd(2, 17, 9, 6, 19, 1),
  cd(1, 8, 4, 4, 8, 1),
  cd(40, 24, 10, 10, 10), // 640 tiles: several blocks of the weight-gradient reduction
  cd(5, 70, 6, 6, 40), // channels past one micro-panel
  cd(1, 8, 40, 40, 9), // a larger map
  cd(200, 64, 3, 3, 128, 0, 2), // 2x2 kernels (F(2x2,2x2)): carparelli conv2 layer 4
  cd(1, 9, 6, 5, 11, 0, 2), // odd output: half tiles
  cd(3, 13, 4, 7, 8, 1, 2), // padding 1
];

describe('native 3x3 convolutions (Winograd) agree with the direct reference', { skip }, () => {
  const nat = loaded.ok ? loaded.backend : null;
  const addon = addonLoad.ok ? addonLoad.addon : null;
  const paths: (boolean | 'avx2')[] = addon === null || !addon.cpuHasAvx2() ? [false] : addon.cpuHasAvx512() ? [true, 'avx2', false] : [true, false];
  const rng = makeRng(9173);
  for (const d of SHAPES) {
    const label = `N${d.n} C${d.c} ${d.h}x${d.w} O${d.o} k${d.kh} p${d.pad}`;
    const x = rand32(rng, d.n * d.c * d.h * d.w), w = rand32(rng, d.o * d.c * d.kh * d.kw), bias = rand32(rng, d.o);
    const dy = rand32(rng, d.n * d.o * d.oh * d.ow);
    const want = {
      y: new Float32Array(dy.length), ynb: new Float32Array(dy.length), dx: new Float32Array(x.length),
      dw: new Float32Array(w.length), db: new Float32Array(d.o),
    };
    ref.conv2d(want.y, x, w, bias, d);
    ref.conv2d(want.ynb, x, w, null, d);
    ref.conv2dBackwardInput(want.dx, dy, w, d);
    ref.conv2dBackwardWeight(want.dw, want.db, dy, x, d);
    const run = (): typeof want => {
      const got = {
        y: new Float32Array(dy.length).fill(NaN), ynb: new Float32Array(dy.length).fill(NaN), dx: new Float32Array(x.length).fill(NaN),
        dw: new Float32Array(w.length).fill(NaN), db: new Float32Array(d.o).fill(NaN),
      };
      nat!.conv2d(got.y, x, w, bias, d);
      nat!.conv2d(got.ynb, x, w, null, d);
      nat!.conv2dBackwardInput(got.dx, dy, w, d);
      nat!.conv2dBackwardWeight(got.dw, got.db, dy, x, d);
      return got;
    };
    for (const simd of paths) {
      test(`${label} ${simd === false ? 'scalar' : simd === 'avx2' ? 'avx2+fma' : 'fastest'}: forward, backward-input, backward-weight`, () => {
        addon!.setSimd(simd);
        try {
          const got = run();
          for (const k of Object.keys(want) as (keyof typeof want)[]) assertRel(got[k], want[k], TOL, `${label} ${k}`);
          const again = run();
          for (const k of Object.keys(want) as (keyof typeof want)[]) {
            const a = new Uint32Array(got[k].buffer), b = new Uint32Array(again[k].buffer);
            assert.ok(a.every((v, i) => v === b[i]), `${label} ${k}: two runs differ in their bits`);
          }
        } finally {
          addon!.setSimd(true);
        }
      });
    }
    if (paths.includes('avx2')) {
      test(`${label}: AVX-512 gives AVX2's bits`, () => {
        try {
          assert.equal(addon!.setSimd('avx2'), 'avx2+fma');
          const a = run();
          assert.equal(addon!.setSimd(true), 'avx512');
          const b = run();
          for (const k of Object.keys(want) as (keyof typeof want)[]) {
            const u = new Uint32Array(a[k].buffer), v = new Uint32Array(b[k].buffer);
            assert.ok(u.every((x, i) => x === v[i]), `${label} ${k}: AVX2 and AVX-512 differ in their bits`);
          }
        } finally {
          addon!.setSimd(true);
        }
      });
    }
  }
});

// the forward pass's last tile of a row or column moves back inside the map (overlapping its neighbour) where the map is
// not a whole number of tiles: each output still comes from one fixed tile, whatever the image's place in the batch
describe('native Winograd forward: an image\'s output does not depend on its place in the batch', { skip }, () => {
  const nat = loaded.ok ? loaded.backend : null;
  const addon = addonLoad.ok ? addonLoad.addon : null;
  const paths: (boolean | 'avx2')[] = addon === null || !addon.cpuHasAvx2() ? [false] : [true, false];
  // 10x16 outputs: F(6x6,3x3), 2x3 tiles an image (rows and columns shifted); 7x7: F(4x4,3x3), 2x2 tiles
  for (const d of [cd(5, 9, 12, 18, 10), cd(7, 8, 9, 9, 9)]) {
    const rng = makeRng(4411);
    const x = rand32(rng, d.n * d.c * d.h * d.w), w = rand32(rng, d.o * d.c * d.kh * d.kw), bias = rand32(rng, d.o);
    const one = { ...d, n: 1 }, img = d.c * d.h * d.w, out1 = d.o * d.oh * d.ow;
    for (const simd of paths) {
      test(`N${d.n} C${d.c} ${d.h}x${d.w} O${d.o} ${simd === false ? 'scalar' : 'fastest'}: each image alone gives its bits in the batch`, () => {
        addon!.setSimd(simd);
        try {
          const y = new Float32Array(d.n * out1);
          nat!.conv2d(y, x, w, bias, d);
          const want = new Float32Array(d.n * out1);
          ref.conv2d(want, x, w, bias, d);
          assertRel(y, want, TOL, 'batch');
          for (let i = 0; i < d.n; i++) {
            const yi = new Float32Array(out1);
            nat!.conv2d(yi, x.subarray(i * img, (i + 1) * img), w, bias, one);
            const a = new Uint32Array(yi.buffer), b = new Uint32Array(y.buffer, i * out1 * 4, out1);
            const bad = a.findIndex((v, k) => v !== b[k]);
            assert.equal(bad, -1, `image ${i}: output ${bad} alone ${yi[bad]} vs in the batch ${y[i * out1 + bad]}`);
          }
        } finally {
          addon!.setSimd(true);
        }
      });
    }
  }
});

