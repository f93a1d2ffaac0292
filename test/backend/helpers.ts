// helpers for the backend kernel tests: a small seeded generator, buffers, and closeness checks that
// name the first mismatching indices and the max difference
import assert from 'node:assert/strict';
import type { Buf } from '../../src/backend/backend.js';

// mulberry32: independent of src/ so the tests do not share a generator with the code under test
export function makeRng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return ((z ^ (z >>> 14)) >>> 0) / 4294967296;
  };
}

export function rand64(rng: () => number, n: number, lo = -1, hi = 1): Float64Array {
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * rng();
  return a;
}

export function rand32(rng: () => number, n: number, lo = -1, hi = 1): Float32Array {
  return Float32Array.from(rand64(rng, n, lo, hi));
}

export function randInt(rng: () => number, n: number, hi: number): Int32Array {
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.floor(rng() * hi);
  return a;
}

export function f64(values: readonly number[]): Float64Array {
  return Float64Array.from(values);
}

export function f32(values: readonly number[]): Float32Array {
  return Float32Array.from(values);
}

// a buffer of the same type and length as like, filled with NaN so unwritten outputs show
export function nanLike<T extends Buf>(like: T): T {
  const out = (like instanceof Float32Array ? new Float32Array(like.length) : new Float64Array(like.length)) as T;
  out.fill(NaN);
  return out;
}

export function nan64(n: number): Float64Array {
  return new Float64Array(n).fill(NaN);
}

export function nan32(n: number): Float32Array {
  return new Float32Array(n).fill(NaN);
}

export interface Mismatch {
  readonly count: number;
  readonly first: readonly string[];
  readonly maxDiff: number;
  readonly scale: number;
}

// |a-b| <= tol * max(|b|, mean|b|) elementwise; b is the expected value
export function compareRel(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number): Mismatch {
  assert.equal(actual.length, expected.length, `length ${actual.length} != expected ${expected.length}`);
  let meanAbs = 0;
  for (let i = 0; i < expected.length; i++) meanAbs += Math.abs(expected[i]!);
  meanAbs = expected.length > 0 ? meanAbs / expected.length : 0;
  let count = 0;
  let maxDiff = 0;
  const first: string[] = [];
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const b = expected[i]!;
    const diff = Math.abs(a - b);
    const ok = a === b || (Number.isNaN(a) && Number.isNaN(b)) || diff <= tol * Math.max(Math.abs(b), meanAbs);
    if (!ok) {
      count++;
      if (first.length < 5) first.push(`[${i}] got ${a} expected ${b}`);
      // a NaN where a number is expected makes the max difference NaN
      if (!(diff <= maxDiff)) maxDiff = diff;
    } else if (diff > maxDiff) {
      maxDiff = diff;
    }
  }
  return { count, first, maxDiff, scale: meanAbs };
}

export function assertRel(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  const m = compareRel(actual, expected, tol);
  if (m.count > 0) {
    assert.fail(`${what}: ${m.count} of ${expected.length} values differ beyond ${tol} relative; first ${m.first.join(', ')}; max |diff| ${m.maxDiff} (mean |expected| ${m.scale})`);
  }
}

// |a-b| <= atol + rtol*|b| elementwise
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string, atol = 1e-12, rtol = 1e-10): void {
  assert.equal(actual.length, expected.length, `${what}: length ${actual.length} != expected ${expected.length}`);
  let count = 0;
  let maxDiff = 0;
  const first: string[] = [];
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const b = expected[i]!;
    const diff = Math.abs(a - b);
    const ok = a === b || diff <= atol + rtol * Math.abs(b);
    if (!ok) {
      count++;
      if (first.length < 5) first.push(`[${i}] got ${a} expected ${b}`);
      if (!(diff <= maxDiff)) maxDiff = diff;
    } else if (diff > maxDiff) {
      maxDiff = diff;
    }
  }
  if (count > 0) assert.fail(`${what}: ${count} of ${expected.length} values differ (atol ${atol}, rtol ${rtol}); first ${first.join(', ')}; max |diff| ${maxDiff}`);
}
