// the affine warp of the augmentation (and the elastic distortion) against PyTorch's affine_grid /
// conv2d + grid_sample (bilinear, zero padding, align_corners=True), and the seeded random augmentation's contract
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { affineImage, drawAffine, drawElastic, gaussianKernel, randomAffine, smoothField, type AffineParams } from '../../src/data/augment.js';
import { Rng } from '../../src/tensor/random.js';
import { closeReport, listFixtures, readFixture, type FixtureTensor } from '../helpers/fixtures.js';

interface ElasticFixture { alpha: number; sigma: number; noise: FixtureTensor; field: FixtureTensor }
interface AugmentFixture { images: FixtureTensor; params: [number, number, number, number][]; fill: number; output: FixtureTensor; elastic?: ElasticFixture }

test('affineImage matches grid_sample on every fixture image', () => {
  const cases = listFixtures('augment');
  assert.ok(cases.length > 0, 'no augment fixtures');
  for (const { path } of cases) {
    const f = readFixture<AugmentFixture>(path);
    const side = f.images.shape[3]!;
    const px = side * side;
    const src = Float32Array.from(f.images.data);
    const out = new Float32Array(src.length);
    const fields = f.elastic === undefined ? null : Float64Array.from(f.elastic.field.data);
    f.params.forEach(([angle, zoom, dx, dy], i) => {
      const field = fields === null ? undefined : fields.subarray(2 * i * px, 2 * (i + 1) * px);
      affineImage(src.subarray(i * px, (i + 1) * px), out.subarray(i * px, (i + 1) * px), side, { angle, zoom, dx, dy }, f.fill, field);
    });
    assert.equal(closeReport('warped', out, f.output.data, 1e-5, 1e-4), null);
  }
});

test('smoothField matches conv2d of the noise with the Gaussian (the elastic fixture)', () => {
  const cases = listFixtures('augment').filter(({ path }) => readFixture<AugmentFixture>(path).elastic !== undefined);
  assert.ok(cases.length > 0, 'no elastic fixture');
  for (const { path } of cases) {
    const e = readFixture<AugmentFixture>(path).elastic!;
    const [n, axes, w] = e.noise.shape as [number, number, number, number];
    const kernel = gaussianKernel(e.sigma);
    const side = w - (kernel.length - 1);
    const noise = Float64Array.from(e.noise.data);
    const got = new Float64Array(n * axes * side * side);
    for (let i = 0; i < n * axes; i++) got.set(smoothField(noise.subarray(i * w * w, (i + 1) * w * w), side, kernel, e.alpha), i * side * side);
    assert.equal(closeReport('field', got, e.field.data, 1e-5, 1e-5), null);
  }
});

test('elastic distortion: seeded; alpha 0 draws nothing and changes nothing; the field is smooth and of the expected size', () => {
  const imgs = digitLike(4);
  const affine = { rotate: 10, shift: 1, scale: 0.1 };
  const el = { ...affine, elastic: { alpha: 8, sigma: 2 } };
  assert.deepEqual(randomAffine(imgs, 4, el, new Rng(3), -0.4), randomAffine(imgs, 4, el, new Rng(3), -0.4));
  assert.notDeepEqual(randomAffine(imgs, 4, el, new Rng(3), -0.4), randomAffine(imgs, 4, affine, new Rng(3), -0.4));
  // alpha 0: the affine augmentation's images and stream
  const r1 = new Rng(9);
  const r2 = new Rng(9);
  assert.deepEqual(randomAffine(imgs, 4, { ...affine, elastic: { alpha: 0, sigma: 2 } }, r1, -0.4), randomAffine(imgs, 4, affine, r2, -0.4));
  assert.equal(r1.nextU32(), r2.nextU32());
  // rms displacement: alpha x the smoothed noise's sd, sqrt(1/3) / (2 sqrt(pi) sigma) away from no border
  const r = new Rng(4);
  let ss = 0;
  let neighbour = 0;
  let count = 0;
  for (let k = 0; k < 300; k++) {
    const f = drawElastic({ alpha: 8, sigma: 2 }, 14, r);
    for (let i = 0; i < f.length; i++) { ss += f[i]! * f[i]!; count++; if (i % 14 !== 13) neighbour += (f[i]! - f[i + 1]!) ** 2; }
  }
  const rms = Math.sqrt(ss / count);
  const expected = (8 * Math.sqrt(1 / 3)) / (2 * Math.sqrt(Math.PI) * 2);
  assert.ok(Math.abs(rms - expected) < 0.05 * expected, `rms ${rms} vs ${expected}`);
  // smooth: neighbouring displacements differ far less than independent ones would (2 rms^2)
  assert.ok(neighbour / (count * 13 / 14) < 0.2 * 2 * rms * rms);
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
  assert.throws(() => randomAffine(new Float32Array(196), 1, { rotate: 0, shift: 0, scale: 0, elastic: { alpha: 1, sigma: -1 } }, new Rng(1), 0), /augment: elastic.sigma = -1/);
  assert.throws(() => randomAffine(new Float32Array(195), 1, { rotate: 0, shift: 0, scale: 0 }, new Rng(1), 0), /195 values are not 1 images of 14x14/);
});
