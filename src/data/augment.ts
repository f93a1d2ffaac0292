// seeded data augmentation of square images: a random affine map (rotation, scale, shift) per image,
// bilinear sampling, pixels from outside the image take a fill value (the background)
import { PairbenchError } from '../errors.js';
import type { Rng } from '../tensor/random.js';
import { IMAGE_SIDE } from './types.js';

export interface AffineAugment {
  rotate: number; // degrees: the angle is uniform in [-rotate, rotate]
  shift: number; // pixels: each of dx, dy is uniform in [-shift, shift]
  scale: number; // the zoom is uniform in [1 - scale, 1 + scale]
}

// one image's transform: output = zoom * R(angle) (input - centre) + centre + (dx, dy)
export interface AffineParams { angle: number; zoom: number; dx: number; dy: number }

export function checkAffineAugment(a: AffineAugment): void {
  for (const [field, v, max] of [['rotate', a.rotate, 180], ['shift', a.shift, IMAGE_SIDE], ['scale', a.scale, 0.99]] as const) {
    if (!(Number.isFinite(v) && v >= 0 && v <= max)) {
      throw new PairbenchError('bad_argument', `augment: ${field} = ${v} must be in [0, ${max}]`, { field: `augment.${field}`, value: v });
    }
  }
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
// inverse-mapped point, neighbours outside the image count as `fill`
export function affineImage(src: Float32Array, dst: Float32Array, side: number, p: AffineParams, fill: number): void {
  const c = (side - 1) / 2;
  const cos = Math.cos(p.angle) / p.zoom;
  const sin = Math.sin(p.angle) / p.zoom;
  const at = (x: number, y: number): number => (x >= 0 && x < side && y >= 0 && y < side ? src[y * side + x]! : fill);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const ox = x - c - p.dx;
      const oy = y - c - p.dy;
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
export function randomAffine(images: Float32Array, count: number, a: AffineAugment, rng: Rng, fill: number, side = IMAGE_SIDE): Float32Array {
  checkAffineAugment(a);
  const px = side * side;
  if (images.length !== count * px) {
    throw new PairbenchError('shape_mismatch', `augment: ${images.length} values are not ${count} images of ${side}x${side}`, { op: 'randomAffine', shapes: { images: [images.length], expected: [count, side, side] } });
  }
  const out = new Float32Array(images.length);
  for (let i = 0; i < count; i++) {
    affineImage(images.subarray(i * px, (i + 1) * px), out.subarray(i * px, (i + 1) * px), side, drawAffine(a, rng), fill);
  }
  return out;
}
