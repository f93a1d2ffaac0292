// pair sets as the course helper generatePairSets(n) makes them (docs/reports.md, "Data"), and the views
// the reports need: standardisation, validation splits, single-digit views.
import { getBackend } from '../backend/select.js';
import { PairbenchError } from '../errors.js';
import { Rng } from '../tensor/random.js';
import { loadMnist } from './mnist.js';
import { IMAGE_PIXELS, type DigitSet, type MnistDataset, type MnistSplit, type PairSet, type StandardiseStats } from './types.js';

function badArg(message: string, details: Record<string, unknown> = {}): PairbenchError {
  return new PairbenchError('bad_argument', message, details);
}

// the pair set made of the given images of one split: indices (n, 2) into the split
export function pairsFromIndices(split: MnistSplit, indices: Int32Array): PairSet {
  if (indices.length % 2 !== 0) throw badArg(`pairsFromIndices: indices must be (n, 2), got ${indices.length} values`);
  const n = indices.length / 2;
  const input = new Float32Array(n * 2 * IMAGE_PIXELS);
  const target = new Float32Array(n);
  const classes = new Int32Array(n * 2);
  for (let p = 0; p < n; p++) {
    for (let i = 0; i < 2; i++) {
      const k = indices[2 * p + i]!;
      if (!(k >= 0 && k < split.n)) throw badArg(`pairsFromIndices: image index ${k} outside 0..${split.n - 1}`);
      classes[2 * p + i] = split.labels[k]!;
    }
    target[p] = classes[2 * p]! <= classes[2 * p + 1]! ? 1 : 0;
  }
  getBackend().gatherRows(input, split.images, indices, IMAGE_PIXELS);
  return { input, target, classes, indices: Int32Array.from(indices), n };
}

// n pairs from one split: one permutation of the split, its first 2n indices reshaped (n, 2)
export function samplePairs(n: number, rng: Rng, split: MnistSplit, name = 'split'): PairSet {
  if (!Number.isInteger(n) || n < 1) throw badArg(`generatePairSets: n must be a positive integer, got ${n}`, { n });
  if (2 * n > split.n) {
    throw badArg(`generatePairSets: n = ${n} pairs need ${2 * n} distinct images, the ${name} split has ${split.n} (n <= ${Math.floor(split.n / 2)})`, {
      n,
      splitSize: split.n,
    });
  }
  const perm = rng.permutation(split.n);
  return pairsFromIndices(split, perm.subarray(0, 2 * n));
}

// the course helper: train pairs from the training split, test pairs from the test split (testN of
// them, default n). Random draws, in order: the train permutation, then the test permutation, both
// from rng; each set is a prefix of its permutation, so a smaller testN gives the first testN pairs
// of the larger draw.
export function generatePairSets(n: number, rng: Rng, ds: MnistDataset = loadMnist(), testN = n): { train: PairSet; test: PairSet } {
  if (!(rng instanceof Rng)) throw badArg('generatePairSets: rng must be an Rng (src/tensor/random.ts)');
  const train = samplePairs(n, rng, ds.train, 'training');
  const test = samplePairs(testN, rng, ds.test, 'test');
  return { train, test };
}

// (x - mean) / std in float32 arithmetic, as PyTorch does on a float32 tensor; a new set
// (inPlace: over the set's own input, for a set nothing else holds, e.g. a fresh draw)
export function standardise(set: PairSet, stats: StandardiseStats, opts?: { inPlace?: boolean }): PairSet;
export function standardise(set: DigitSet, stats: StandardiseStats, opts?: { inPlace?: boolean }): DigitSet;
export function standardise<T extends PairSet | DigitSet>(set: T, stats: StandardiseStats, opts: { inPlace?: boolean } = {}): T {
  if (set.standardisation) throw badArg('standardise: this set is already standardised');
  if (!(stats.std > 0)) throw badArg(`standardise: std must be > 0, got ${stats.std}`);
  return { ...set, input: standardiseValues(set.input, stats, opts.inPlace === true ? set.input : undefined), standardisation: stats };
}

// (x - mean) / std in float32 arithmetic into out (default: a new array; x itself works) (no checks; standardise checks a set's stats)
export function standardiseValues(x: Float32Array, stats: { mean: number; std: number }, out: Float32Array = new Float32Array(x.length)): Float32Array {
  const m = Math.fround(stats.mean);
  const s = Math.fround(stats.std);
  for (let i = 0; i < x.length; i++) out[i] = Math.fround(x[i]! - m) / s;
  return out;
}

// the pairs at the given positions of a set, in that order (copies)
export function subsetPairs(set: PairSet, positions: ArrayLike<number>): PairSet {
  const m = positions.length;
  const input = new Float32Array(m * 2 * IMAGE_PIXELS);
  const target = new Float32Array(m);
  const classes = new Int32Array(m * 2);
  const indices = new Int32Array(m * 2);
  const stride = 2 * IMAGE_PIXELS;
  for (let j = 0; j < m; j++) {
    const p = positions[j]!;
    if (!(Number.isInteger(p) && p >= 0 && p < set.n)) throw badArg(`subsetPairs: position ${p} outside 0..${set.n - 1}`);
    input.set(set.input.subarray(p * stride, (p + 1) * stride), j * stride);
    target[j] = set.target[p]!;
    classes[2 * j] = set.classes[2 * p]!;
    classes[2 * j + 1] = set.classes[2 * p + 1]!;
    indices[2 * j] = set.indices[2 * p]!;
    indices[2 * j + 1] = set.indices[2 * p + 1]!;
  }
  const out: PairSet = { input, target, classes, indices, n: m };
  if (set.standardisation) out.standardisation = set.standardisation;
  return out;
}

function range(a: number, b: number): Int32Array {
  const r = new Int32Array(b - a);
  for (let i = 0; i < r.length; i++) r[i] = a + i;
  return r;
}

// [pairs 0..firstCount-1, the rest], in order: e.g. lenet-transfer's test pairs, first 500 =
// validation, 500..999 = test
export function splitPairs(set: PairSet, firstCount: number): [PairSet, PairSet] {
  if (!Number.isInteger(firstCount) || firstCount < 0 || firstCount > set.n) {
    throw badArg(`splitPairs: firstCount must be an integer in 0..${set.n}, got ${firstCount}`);
  }
  return [subsetPairs(set, range(0, firstCount)), subsetPairs(set, range(firstCount, set.n))];
}

// a seeded random split: round(n * firstFraction) pairs, then the rest (e.g. 70/30 for grid search).
// One draw from rng: a permutation of 0..n-1.
export function randomSplitPairs(set: PairSet, firstFraction: number, rng: Rng): [PairSet, PairSet] {
  if (!(firstFraction >= 0 && firstFraction <= 1)) throw badArg(`randomSplitPairs: firstFraction must be in [0, 1], got ${firstFraction}`);
  const k = Math.round(set.n * firstFraction);
  const perm = rng.permutation(set.n);
  return [subsetPairs(set, perm.subarray(0, k)), subsetPairs(set, perm.subarray(k))];
}

// single-digit view: 2n images with their classes; image i of pair p is item 2p + i (copies)
export function digitsOf(set: PairSet): DigitSet {
  const out: DigitSet = {
    input: set.input.slice(),
    classes: set.classes.slice(),
    indices: set.indices.slice(),
    n: 2 * set.n,
  };
  if (set.standardisation) out.standardisation = set.standardisation;
  return out;
}
