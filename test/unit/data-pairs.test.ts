// generatePairSets as the course helper, standardisation, splits, digit views, batches
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PairbenchError } from '../../src/errors.js';
import { loadMnist, trainStats } from '../../src/data/mnist.js';
import { digitsOf, generatePairSets, randomSplitPairs, splitPairs, standardise, subsetPairs } from '../../src/data/pairs.js';
import { batchCount, digitBatches, pairBatches } from '../../src/data/batches.js';
import { IMAGE_PIXELS, type PairSet } from '../../src/data/types.js';
import { Rng } from '../../src/tensor/random.js';

delete process.env['PAIRBENCH_MNIST_DIR'];
const ds = loadMnist();

function checkConsistent(set: PairSet, split: typeof ds.train): void {
  assert.equal(set.input.length, set.n * 2 * IMAGE_PIXELS);
  for (let p = 0; p < set.n; p++) {
    for (let i = 0; i < 2; i++) {
      const k = set.indices[2 * p + i]!;
      assert.equal(set.classes[2 * p + i], split.labels[k]);
      const a = set.input.subarray((2 * p + i) * IMAGE_PIXELS, (2 * p + i + 1) * IMAGE_PIXELS);
      assert.deepEqual(a, split.images.subarray(k * IMAGE_PIXELS, (k + 1) * IMAGE_PIXELS));
    }
    assert.equal(set.target[p], set.classes[2 * p]! <= set.classes[2 * p + 1]! ? 1 : 0);
  }
}

test('pairs: images, classes and target agree with the split; the draw is the permutation prefix', () => {
  const { train, test: te } = generatePairSets(1000, new Rng(1), ds);
  assert.equal(train.n, 1000);
  assert.equal(te.n, 1000);
  checkConsistent(train, ds.train);
  checkConsistent(te, ds.test);
  // order of draws: train permutation, then test permutation, from the same rng
  const r = new Rng(1);
  const pTrain = r.permutation(60000);
  const pTest = r.permutation(10000);
  assert.deepEqual(train.indices, pTrain.slice(0, 2000));
  assert.deepEqual(te.indices, pTest.slice(0, 2000));
});

test('no image repeated within a set; train and test come from different splits', () => {
  const { train, test: te } = generatePairSets(5000, new Rng(2), ds);
  assert.equal(new Set(train.indices).size, 10000);
  assert.equal(new Set(te.indices).size, 10000);
  // different splits: the test set's images are test-split images (index < 10000 and pixels match)
  checkConsistent(te, ds.test);
  // largest possible test set uses every test image exactly once
  const big = generatePairSets(5000, new Rng(3), ds).test;
  assert.equal(new Set(big.indices).size, 10000);
});

test('about 55% positives over a large draw', () => {
  let pos = 0;
  let total = 0;
  const rng = new Rng(5);
  for (let k = 0; k < 4; k++) {
    const { train, test: te } = generatePairSets(5000, rng, ds);
    for (const s of [train, te]) for (const t of s.target) { pos += t; total++; }
  }
  const frac = pos / total;
  assert.ok(frac > 0.53 && frac < 0.57, `positives ${frac}`);
});

test('same seed, same sets; another seed, other sets', () => {
  const a = generatePairSets(300, new Rng(9), ds);
  const b = generatePairSets(300, new Rng(9), ds);
  assert.deepEqual(a.train.input, b.train.input);
  assert.deepEqual(a.test.indices, b.test.indices);
  const c = generatePairSets(300, new Rng(10), ds);
  assert.notDeepEqual(a.train.indices, c.train.indices);
});

test('too many pairs, bad n: clear errors', () => {
  assert.throws(() => generatePairSets(5001, new Rng(0), ds), (e: unknown) => e instanceof PairbenchError && e.code === 'bad_argument' && /test split has 10000/.test(e.message));
  assert.throws(() => generatePairSets(0, new Rng(0), ds), /positive integer/);
  assert.throws(() => generatePairSets(2.5, new Rng(0), ds), /positive integer/);
});

test('standardise returns a new set with the stats recorded; the input is untouched', () => {
  const { train } = generatePairSets(200, new Rng(11), ds);
  const before = train.input.slice();
  const stats = trainStats(ds);
  const s = standardise(train, stats);
  assert.deepEqual(train.input, before);
  assert.equal(train.standardisation, undefined);
  assert.equal(s.standardisation, stats);
  assert.equal(s.target, train.target);
  const i = 500;
  assert.equal(s.input[i], Math.fround(Math.fround(before[i]! - Math.fround(stats.mean)) / Math.fround(stats.std)));
  assert.throws(() => standardise(s, stats), /already standardised/);
});

test('splits: first/rest in order, seeded 70/30, subsets keep every field', () => {
  const { test: te } = generatePairSets(1000, new Rng(12), ds);
  const [val, rest] = splitPairs(te, 500);
  assert.equal(val.n, 500);
  assert.equal(rest.n, 500);
  assert.deepEqual(val.indices, te.indices.subarray(0, 1000));
  assert.deepEqual(rest.input, te.input.subarray(500 * 2 * IMAGE_PIXELS));
  assert.deepEqual(rest.target, te.target.subarray(500));
  const [a, b] = randomSplitPairs(te, 0.7, new Rng(13));
  assert.equal(a.n, 700);
  assert.equal(b.n, 300);
  const all = new Set([...a.indices, ...b.indices]);
  assert.equal(all.size, 2000);
  const [a2] = randomSplitPairs(te, 0.7, new Rng(13));
  assert.deepEqual(a2.indices, a.indices);
  const sub = subsetPairs(te, [3, 1]);
  assert.deepEqual(Array.from(sub.classes), [te.classes[6], te.classes[7], te.classes[2], te.classes[3]]);
  assert.throws(() => splitPairs(te, 1001), /firstCount/);
});

test('digitsOf: image i of pair p at 2p + i', () => {
  const { train } = generatePairSets(50, new Rng(14), ds);
  const d = digitsOf(train);
  assert.equal(d.n, 100);
  assert.equal(d.input.length, 100 * IMAGE_PIXELS);
  for (const [p, i] of [[0, 0], [0, 1], [17, 1], [49, 0]] as const) {
    const k = 2 * p + i;
    assert.equal(d.classes[k], train.classes[2 * p + i]);
    assert.equal(d.classes[k], ds.train.labels[train.indices[2 * p + i]!]);
    assert.deepEqual(d.input.subarray(k * IMAGE_PIXELS, (k + 1) * IMAGE_PIXELS), train.input.subarray((2 * p + i) * IMAGE_PIXELS, (2 * p + i + 1) * IMAGE_PIXELS));
  }
  assert.notEqual(d.input, train.input, 'a copy');
});

test('batches: every pair once per epoch, shuffled by the rng, last batch smaller', () => {
  const { train } = generatePairSets(250, new Rng(15), ds);
  assert.equal(batchCount(250, 100), 3);
  const seen: number[] = [];
  const sizes: number[] = [];
  for (const b of pairBatches(train, 100, new Rng(16))) {
    sizes.push(b.n);
    for (let j = 0; j < b.n; j++) {
      // find the pair by its first image's index through classes + pixels: use the pixels' identity
      const first = b.input.subarray(j * 2 * IMAGE_PIXELS, j * 2 * IMAGE_PIXELS + IMAGE_PIXELS);
      const p = findPair(train, first);
      assert.equal(b.target[j], train.target[p]);
      assert.equal(b.classes[2 * j + 1], train.classes[2 * p + 1]);
      seen.push(p);
    }
  }
  assert.deepEqual(sizes, [100, 100, 50]);
  assert.equal(new Set(seen).size, 250);
  const order = new Rng(16).permutation(250);
  assert.deepEqual(seen, Array.from(order));
  const inOrder = [...pairBatches(train, 100, null)];
  assert.deepEqual(inOrder[0]!.input, train.input.subarray(0, 100 * 2 * IMAGE_PIXELS));
  const reused = [...pairBatches(train, 100, null, true)];
  assert.equal(reused[0]!.input, reused[1]!.input, 'full batches share one buffer when reuse is on');
  const d = [...digitBatches(digitsOf(train), 128, new Rng(17))];
  assert.deepEqual(d.map((b) => b.n), [128, 128, 128, 116]);
  assert.throws(() => [...pairBatches(train, 0, null)], /batch size/);
});

function findPair(set: PairSet, img: Float32Array): number {
  outer: for (let p = 0; p < set.n; p++) {
    const o = p * 2 * IMAGE_PIXELS;
    for (let q = 0; q < IMAGE_PIXELS; q++) if (set.input[o + q] !== img[q]) continue outer;
    return p;
  }
  return -1;
}
