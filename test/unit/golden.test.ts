// fixed expected values for the generator, the per-run seed and the pair draw. Every study's numbers and
// the resume of existing study directories depend on them: a change here is a breaking change, not a refactor.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadMnist } from '../../src/data/mnist.js';
import { generatePairSets } from '../../src/data/pairs.js';
import { runSeed } from '../../src/study/seeds.js';
import { Rng } from '../../src/tensor/random.js';

test('Rng(seed): first outputs of nextU32, random, normal, split', () => {
  const r = new Rng(42);
  assert.deepEqual(Array.from({ length: 4 }, () => r.nextU32()), [2837322924, 544945897, 479756282, 3500138142]);
  const u = new Rng(42);
  assert.deepEqual(Array.from({ length: 3 }, () => u.random()), [0.6606157208001621, 0.1117019639532224, 0.0791056456144914]);
  const n = new Rng(7);
  assert.deepEqual(Array.from({ length: 3 }, () => n.normal()), [-1.6177301980272665, 0.5378571766297454, -1.0637932992656989]);
  const z = new Rng(0);
  assert.deepEqual([z.nextU32(), z.nextU32()], [3809008728, 1133695204]);
  const big = new Rng(Number.MAX_SAFE_INTEGER);
  assert.deepEqual([big.nextU32(), big.nextU32()], [2936687693, 1244737120]);
  assert.equal(new Rng(42).split('round-2').nextU32(), 2828093503);
  assert.equal(new Rng(42).split(3).nextU32(), 3619597783);
});

test('runSeed(study seed, key, round) for a few keys', () => {
  assert.equal(runSeed(42, 'pillonel2020/model3', 0), 4199825112);
  assert.equal(runSeed(42, 'pillonel2020/model3', 1), 3585756237);
  assert.equal(runSeed(0, 'grid:siebert2022/caux', 4), 2555460429);
  assert.equal(runSeed(2023, 'lenet-transfer/baseline', 9), 3940058325);
});

test('generatePairSets(1000, Rng(1)): the first pairs of the train and test draws', () => {
  delete process.env['PAIRBENCH_MNIST_DIR'];
  const { train, test: te } = generatePairSets(1000, new Rng(1), loadMnist());
  assert.deepEqual(Array.from(train.indices.subarray(0, 8)), [49606, 5964, 41445, 23175, 25853, 56302, 51628, 39612]);
  assert.deepEqual(Array.from(te.indices.subarray(0, 8)), [8876, 418, 7131, 8611, 8196, 1224, 1132, 3997]);
});
