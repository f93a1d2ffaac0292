// seeded data augmentation of square images: a random affine map (rotation, scale, shift) per image,
// optionally after an elastic distortion (Simard et al. 2003), bilinear sampling, pixels from outside
// the image take a fill value (the background)
import { PairbenchError } from '../errors.js';
import type { Rng } from '../tensor/random.js';
import { IMAGE_SIDE } from './types.js';

export interface AffineAugment {
  rotate: number; // degrees: the angle is uniform in [-rotate, rotate]
  shift: number; // pixels: each of dx, dy is uniform in [-shift, shift]
  scale: number; // the zoom is uniform in [1 - scale, 1 + scale]
  elastic?: ElasticDistortion; // absent or alpha 0: none
}

// Simard et al.'s elastic distortion: each axis's displacement (pixels) is a field of uniforms in
// [-1, 1], smoothed by a normalised Gaussian of sd `sigma` pixels (cut at 4 sigma), times `alpha`
export interface ElasticDistortion { alpha: number; sigma: number }

const ELASTIC_MAX = { alpha: 100, sigma: 16 };

// one image's transform: output = zoom * R(angle) (input - centre) + centre + (dx, dy)
export interface AffineParams { angle: number; zoom: number; dx: number; dy: number }

export function checkAffineAugment(a: AffineAugment): void {
  for (const [field, v, max] of [['rotate', a.rotate, 180], ['shift', a.shift, IMAGE_SIDE], ['scale', a.scale, 0.99]] as const) {
    if (!(Number.isFinite(v) && v >= 0 && v <= max)) {
      throw new PairbenchError('bad_argument', `augment: ${field} = ${v} must be in [0, ${max}]`, { field: `augment.${field}`, value: v });
    }
  }
  if (a.elastic !== undefined) {
    for (const [field, v, max] of [['alpha', a.elastic.alpha, ELASTIC_MAX.alpha], ['sigma', a.elastic.sigma, ELASTIC_MAX.sigma]] as const) {
      if (!(Number.isFinite(v) && v >= 0 && v <= max)) {
        throw new PairbenchError('bad_argument', `augment: elastic.${field} = ${v} must be in [0, ${max}]`, { field: `augment.elastic.${field}`, value: v });
      }
    }
  }
}

// the normalised Gaussian of sd sigma on -r..r, r = ceil(4 sigma) (sigma 0: [1])
export function gaussianKernel(sigma: number): Float64Array {
  const r = Math.ceil(4 * sigma);
  const k = new Float64Array(2 * r + 1);
  let sum = 0;
  for (let i = -r; i <= r; i++) {
    k[i + r] = r === 0 ? 1 : Math.exp(-(i * i) / (2 * sigma * sigma));
    sum += k[i + r]!;
  }
  for (let i = 0; i < k.length; i++) k[i]! /= sum;
  return k;
}

// one axis's displacement field (side x side, row-major): alpha x the noise (side + 2r squared, r the
// kernel's radius) convolved with the kernel along rows then columns, its valid part
export function smoothField(noise: Float64Array, side: number, kernel: Float64Array, alpha: number): Float64Array {
  const r = (kernel.length - 1) / 2;
  const w = side + 2 * r;
  const rows = new Float64Array(w * side); // along x: w rows of side values
  for (let y = 0; y < w; y++) {
    for (let x = 0; x < side; x++) {
      let s = 0;
      for (let k = 0; k < kernel.length; k++) s += kernel[k]! * noise[y * w + x + k]!;
      rows[y * side + x] = s;
    }
  }
  const out = new Float64Array(side * side);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      let s = 0;
      for (let k = 0; k < kernel.length; k++) s += kernel[k]! * rows[(y + k) * side + x]!;
      out[y * side + x] = alpha * s;
    }
  }
  return out;
}

// one image's elastic displacement: the x field then the y field (2 x side x side), each from
// (side + 2r)^2 uniforms in [-1, 1] drawn from rng
export function drawElastic(e: ElasticDistortion, side: number, rng: Rng, kernel = gaussianKernel(e.sigma)): Float64Array {
  const w = side + kernel.length - 1;
  const noise = new Float64Array(w * w);
  const field = new Float64Array(2 * side * side);
  for (let axis = 0; axis < 2; axis++) {
    rng.fillUniform(noise, -1, 1);
    field.set(smoothField(noise, side, kernel, e.alpha), axis * side * side);
  }
  return field;
}

// draws one image's transform: four uniforms from rng, in the order angle, zoom, dx, dy
export function drawAffine(a: AffineAugment, rng: Rng): AffineParams {
  const angle = (rng.uniform(-a.rotate, a.rotate) * Math.PI) / 180;
  const zoom = rng.uniform(1 - a.scale, 1 + a.scale);
  const dx = rng.uniform(-a.shift, a.shift);
  const dy = rng.uniform(-a.shift, a.shift);
  return { angle, zoom, dx, dy };
}

// writes the transformed src (side x side) into dst; every output pixel is sampled bilinearly at the
// inverse-mapped point, neighbours outside the image count as `fill`. With a displacement field
// (drawElastic's layout) output pixel (x, y) first moves to (x + fx(x, y), y + fy(x, y))
export function affineImage(src: Float32Array, dst: Float32Array, side: number, p: AffineParams, fill: number, field?: Float64Array): void {
  const c = (side - 1) / 2;
  const cos = Math.cos(p.angle) / p.zoom;
  const sin = Math.sin(p.angle) / p.zoom;
  const at = (x: number, y: number): number => (x >= 0 && x < side && y >= 0 && y < side ? src[y * side + x]! : fill);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const ox = x - c - p.dx + (field === undefined ? 0 : field[y * side + x]!);
      const oy = y - c - p.dy + (field === undefined ? 0 : field[side * side + y * side + x]!);
      // inverse rotation and zoom
      const sx = cos * ox + sin * oy + c;
      const sy = -sin * ox + cos * oy + c;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const fx = sx - x0;
      const fy = sy - y0;
      const top = at(x0, y0) * (1 - fx) + at(x0 + 1, y0) * fx;
      const bottom = at(x0, y0 + 1) * (1 - fx) + at(x0 + 1, y0 + 1) * fx;
      dst[y * side + x] = top * (1 - fy) + bottom * fy;
    }
  }
}

// a fresh array holding each of the `count` images of `images` (count x side x side, e.g. a pair
// batch's (b, 2, 14, 14) as 2b images) under its own random transform, drawn in image order from rng
// (per image: drawAffine's four uniforms, then drawElastic's fields when elastic.alpha > 0)
export function randomAffine(images: Float32Array, count: number, a: AffineAugment, rng: Rng, fill: number, side = IMAGE_SIDE): Float32Array {
  checkAffineAugment(a);
  const px = side * side;
  if (images.length !== count * px) {
    throw new PairbenchError('shape_mismatch', `augment: ${images.length} values are not ${count} images of ${side}x${side}`, { op: 'randomAffine', shapes: { images: [images.length], expected: [count, side, side] } });
  }
  const out = new Float32Array(images.length);
  const elastic = a.elastic !== undefined && a.elastic.alpha > 0 ? a.elastic : null;
  const kernel = elastic === null ? null : gaussianKernel(elastic.sigma);
  for (let i = 0; i < count; i++) {
    const p = drawAffine(a, rng);
    const field = elastic === null ? undefined : drawElastic(elastic, side, rng, kernel!);
    affineImage(images.subarray(i * px, (i + 1) * px), out.subarray(i * px, (i + 1) * px), side, p, fill, field);
  }
  return out;
}
