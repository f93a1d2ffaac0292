// mini-batches for the training loop: an index order per epoch, and contiguous batch copies.
// Like PyTorch's DataLoader (drop_last = false): the last batch may be smaller.
import { getBackend } from '../backend/select.js';
import { PairbenchError } from '../errors.js';
import type { Rng } from '../tensor/random.js';
import { IMAGE_PIXELS, type DigitSet, type PairSet } from './types.js';

export interface PairBatch {
  input: Float32Array; // (b, 2, 14, 14)
  target: Float32Array; // (b)
  classes: Int32Array; // (b, 2)
  n: number; // b
}

export interface DigitBatch {
  input: Float32Array; // (b, 1, 14, 14)
  classes: Int32Array; // (b)
  n: number;
}

// the order of items for one epoch: a permutation drawn from rng (one draw: rng.permutation(n)),
// or 0..n-1 when rng is null (evaluation)
export function epochOrder(n: number, rng: Rng | null): Int32Array {
  if (rng) return rng.permutation(n);
  const r = new Int32Array(n);
  for (let i = 0; i < n; i++) r[i] = i;
  return r;
}

export function batchCount(n: number, batchSize: number): number {
  checkBatchSize(batchSize);
  return Math.ceil(n / batchSize);
}

function checkBatchSize(batchSize: number): void {
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new PairbenchError('bad_argument', `batch size must be a positive integer, got ${batchSize}`);
  }
}

// copy pairs order[start..end) into a batch; reuses `out` when given and its capacity is exactly end - start
export function gatherPairs(set: PairSet, order: Int32Array, start: number, end: number, out?: PairBatch): PairBatch {
  const b = end - start;
  const stride = 2 * IMAGE_PIXELS;
  const batch: PairBatch =
    out && out.n === b ? out : { input: new Float32Array(b * stride), target: new Float32Array(b), classes: new Int32Array(2 * b), n: b };
  getBackend().gatherRows(batch.input, set.input, order.subarray(start, end), stride);
  for (let j = 0; j < b; j++) {
    const p = order[start + j]!;
    batch.target[j] = set.target[p]!;
    batch.classes[2 * j] = set.classes[2 * p]!;
    batch.classes[2 * j + 1] = set.classes[2 * p + 1]!;
  }
  return batch;
}

export function gatherDigits(set: DigitSet, order: Int32Array, start: number, end: number, out?: DigitBatch): DigitBatch {
  const b = end - start;
  const batch: DigitBatch = out && out.n === b ? out : { input: new Float32Array(b * IMAGE_PIXELS), classes: new Int32Array(b), n: b };
  getBackend().gatherRows(batch.input, set.input, order.subarray(start, end), IMAGE_PIXELS);
  for (let j = 0; j < b; j++) batch.classes[j] = set.classes[order[start + j]!]!;
  return batch;
}

// one epoch of batches of `n` items; `reuse` keeps one buffer for every full batch
function* batches<B extends { n: number }>(n: number, batchSize: number, rng: Rng | null, reuse: boolean,
  gather: (order: Int32Array, start: number, end: number, out?: B) => B): Generator<B> {
  checkBatchSize(batchSize);
  const order = epochOrder(n, rng);
  let buf: B | undefined;
  for (let s = 0; s < n; s += batchSize) {
    const e = Math.min(n, s + batchSize);
    const b = gather(order, s, e, reuse ? buf : undefined);
    if (reuse && e - s === batchSize) buf = b;
    yield b;
  }
}

// one epoch of pair batches. rng null = in order. Each yielded batch is fresh unless `reuse` is true,
// in which case full batches share one buffer (consume each before asking for the next).
export function pairBatches(set: PairSet, batchSize: number, rng: Rng | null, reuse = false): Generator<PairBatch> {
  return batches<PairBatch>(set.n, batchSize, rng, reuse, (o, a, b, out) => gatherPairs(set, o, a, b, out));
}

export function digitBatches(set: DigitSet, batchSize: number, rng: Rng | null, reuse = false): Generator<DigitBatch> {
  return batches<DigitBatch>(set.n, batchSize, rng, reuse, (o, a, b, out) => gatherDigits(set, o, a, b, out));
}
