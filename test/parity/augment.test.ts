// the affine warp of the augmentation against PyTorch's affine_grid + grid_sample (bilinear, zero
// padding, align_corners=True), and the seeded random augmentation's contract
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { affineImage, drawAffine, randomAffine, type AffineParams } from '../../src/data/augment.js';
import { Rng } from '../../src/tensor/random.js';
import { closeReport, listFixtures, readFixture, type FixtureTensor } from '../helpers/fixtures.js';

interface AugmentFixture { images: FixtureTensor; params: [number, number, number, number][]; fill: number; output: FixtureTensor }

test('affineImage matches grid_sample on every fixture image', () => {
  const cases = listFixtures('augment');
  assert.ok(cases.length > 0, 'no augment fixtures');
  for (const { path } of cases) {
    const f = readFixture<AugmentFixture>(path);
    const side = f.images.shape[3]!;
    const px = side * side;
    const src = Float32Array.from(f.images.data);
    const out = new Float32Array(src.length);
    f.params.forEach(([angle, zoom, dx, dy], i) => {
      affineImage(src.subarray(i * px, (i + 1) * px), out.subarray(i * px, (i + 1) * px), side, { angle, zoom, dx, dy }, f.fill);
    });
    assert.equal(closeReport('warped', out, f.output.data, 1e-5, 1e-4), null);
  }
});

function digitLike(n: number): Float32Array {
  const r = new Rng(7);
  const a = new Float32Array(n * 196);
  for (let i = 0; i < a.length; i++) a[i] = r.random() < 0.3 ? r.uniform(0, 3) : -0.4;
  return a;
}

test('randomAffine: the same seed gives the same images, another seed others; the input is untouched', () => {
  const imgs = digitLike(6);
  const copy = imgs.slice();
  const aug = { rotate: 15, shift: 2, scale: 0.1 };
  const a = randomAffine(imgs, 6, aug, new Rng(3), -0.4);
  const b = randomAffine(imgs, 6, aug, new Rng(3), -0.4);
  const c = randomAffine(imgs, 6, aug, new Rng(4), -0.4);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  assert.deepEqual(imgs, copy);
  assert.notDeepEqual(a, imgs);
});

test('randomAffine with zero ranges is the identity; an integer shift moves pixels and fills the edge', () => {
  const imgs = digitLike(2);
  assert.deepEqual(randomAffine(imgs, 2, { rotate: 0, shift: 0, scale: 0 }, new Rng(1), -9), imgs);
  const out = new Float32Array(196);
  const p: AffineParams = { angle: 0, zoom: 1, dx: 1, dy: 0 };
  affineImage(imgs.subarray(0, 196), out, 14, p, -9);
  for (let y = 0; y < 14; y++) {
    assert.equal(out[y * 14], -9, 'column 0 comes from outside');
    for (let x = 1; x < 14; x++) assert.equal(out[y * 14 + x], imgs[y * 14 + x - 1]);
  }
});

test('drawAffine stays within the ranges', () => {
  const r = new Rng(5);
  for (let i = 0; i < 200; i++) {
    const p = drawAffine({ rotate: 10, shift: 1, scale: 0.1 }, r);
    assert.ok(Math.abs(p.angle) <= (10 * Math.PI) / 180 && p.zoom >= 0.9 && p.zoom <= 1.1 && Math.abs(p.dx) <= 1 && Math.abs(p.dy) <= 1);
  }
});

test('randomAffine names a bad field or shape', () => {
  assert.throws(() => randomAffine(new Float32Array(196), 1, { rotate: -1, shift: 0, scale: 0 }, new Rng(1), 0), /augment: rotate = -1/);
  assert.throws(() => randomAffine(new Float32Array(196), 1, { rotate: 0, shift: 0, scale: 2 }, new Rng(1), 0), /augment: scale = 2/);
  assert.throws(() => randomAffine(new Float32Array(195), 1, { rotate: 0, shift: 0, scale: 0 }, new Rng(1), 0), /195 values are not 1 images of 14x14/);
});
