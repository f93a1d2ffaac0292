// what a run really trained and tested on: test pairs drawn with their own count, the counts in the
// record and the summary; the best epoch of a phased model; batch norm and a last batch of one
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadMnist } from '../../src/data/mnist.js';
import { generatePairSets, splitPairs } from '../../src/data/pairs.js';
import { PairbenchError } from '../../src/errors.js';
import { describeAccuracy, summarizeStudy } from '../../src/study/stats.js';
import { formatSummary, pairCountsText } from '../../src/report/summary.js';
import { Rng } from '../../src/tensor/random.js';
import { trainRun } from '../../src/train/run.js';
import type { RunRecord } from '../../src/train/types.js';

delete process.env['PAIRBENCH_MNIST_DIR'];
const ds = loadMnist();

test('the test pairs have their own count; for counts up to the training count the draw is the old one', () => {
  // the old draw: n test pairs with the training pairs, cut to the test count
  for (const [n, m] of [[1000, 1000], [1000, 500], [300, 200]] as const) {
    const old = generatePairSets(n, new Rng(5), ds);
    const oldTest = m < old.test.n ? splitPairs(old.test, m)[0] : old.test;
    const now = generatePairSets(n, new Rng(5), ds, m);
    assert.deepEqual(now.train.indices, old.train.indices, `train ${n}/${m}`);
    assert.deepEqual(now.test.indices, oldTest.indices, `test ${n}/${m}`);
  }
  // more test pairs than training pairs: no longer capped; the first ones are the old draw
  const big = generatePairSets(100, new Rng(5), ds, 500);
  assert.equal(big.train.n, 100);
  assert.equal(big.test.n, 500);
  assert.deepEqual(big.test.indices.subarray(0, 200), generatePairSets(100, new Rng(5), ds).test.indices);
});

test('a run records its real train / validation / test counts (lenet halves its test pairs)', () => {
  const lenet = trainRun({ model: 'lenet-transfer/cnn', seed: 3, epochs: 1, trainPairs: 100, testPairs: 500, data: ds });
  assert.deepEqual([lenet.trainPairs, lenet.validationPairs, lenet.testPairs], [100, 250, 250]);
  assert.equal(lenet.pairCounts.flat().reduce((a, b) => a + b, 0), 250);
  const plain = trainRun({ model: 'kropfhamer2022/feedforward', seed: 3, epochs: 1, trainPairs: 100, testPairs: 500, data: ds });
  assert.deepEqual([plain.trainPairs, plain.validationPairs, plain.testPairs], [100, 0, 500]);
  const s = summarizeStudy(null, [lenet, plain]);
  assert.deepEqual(s.models.map((m) => m.pairs), [{ train: 100, validation: 250, test: 250 }, { train: 100, validation: 0, test: 500 }]);
  assert.equal(pairCountsText(s.models), '100 training pairs, 250 test pairs (and 250 validation pairs) (lenet-transfer/cnn); 100 training pairs, 500 test pairs (kropfhamer2022/feedforward)');
  assert.match(formatSummary(s), /pairs per run: 100 training pairs, 250 test pairs/);
  const one = summarizeStudy(null, [plain, { ...plain, round: 1 }]);
  assert.equal(pairCountsText(one.models), '100 training pairs, 500 test pairs');
});

test('the best epoch of a phased model is never in its digit-pretraining phase', () => {
  const r = trainRun({ model: 'kropfhamer2022/pretraining', seed: 1, epochs: 4, trainPairs: 100, testPairs: 200, data: ds });
  const pre = r.metrics.filter((m) => m.phase === 'pretrain').length;
  assert.equal(pre, 2);
  assert.ok(r.bestEpoch > pre, `best epoch ${r.bestEpoch} is in the digit phase`);
  const best = Math.max(...r.metrics.filter((m) => m.phase === 'main').map((m) => m.testAccuracy));
  assert.equal(r.bestTestAccuracy, best);
  // a digits-only model (pairs compared in code): its digit epochs are the candidates
  const d = trainRun({ model: 'lenet-transfer/digit-prediction', seed: 1, epochs: 2, trainPairs: 100, testPairs: 200, data: ds });
  assert.ok(d.bestEpoch >= 1 && d.bestTestAccuracy >= 0);
});

test('batch norm: a last batch of one pair is dropped; fewer than 2 training pairs refused', () => {
  const r = trainRun({ model: 'pillonel2020/model4', seed: 2, epochs: 1, trainPairs: 101, testPairs: 100, data: ds });
  assert.equal(r.trainPairs, 101);
  assert.ok(Number.isFinite(r.metrics[0]!.trainLoss));
  assert.throws(() => trainRun({ model: 'pillonel2020/model4', seed: 2, epochs: 1, trainPairs: 1, testPairs: 10, data: ds }), (e: unknown) => e instanceof PairbenchError && e.code === 'bad_argument' && /batch norm/.test(e.message));
});

test('accuracy CIs: none under 3 runs, clamped to 0..1', () => {
  assert.equal(describeAccuracy([0.2, 0.9]).ci95, null);
  const wide = describeAccuracy([0.05, 0.95, 0.99]);
  assert.ok(wide.ci95 !== null);
  assert.equal(wide.ci95[0], 0);
  assert.equal(wide.ci95[1], 1);
  const narrow = describeAccuracy([0.8, 0.82, 0.84]);
  assert.ok(narrow.ci95![0] > 0.7 && narrow.ci95![1] < 0.95);
  const runs = [0.05, 0.95].map((a, round) => ({ model: 'm', round, testAccuracy: a, bestTestAccuracy: a, metrics: [] }) as unknown as RunRecord);
  assert.equal(summarizeStudy(null, runs).models[0]!.test.ci95, null);
  // the CI of a difference of accuracies stays within -1..1 (2 runs a side: t(0.975, ~1) is huge)
  const two = (model: string, a: number, b: number): RunRecord[] => [a, b].map((v, round) => ({ model, round, testAccuracy: v, bestTestAccuracy: v, metrics: [] }) as unknown as RunRecord);
  const w = summarizeStudy(null, [...two('base', 0.45, 0.5), ...two('m', 0.45, 0.66)]).welch[0]!;
  assert.ok(w.ci95 !== null && w.ci95[0] === -1 && w.ci95[1] === 1, JSON.stringify(w.ci95));
});
