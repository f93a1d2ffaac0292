// ensembles (src/models/ensemble.ts) and test-time augmentation (trainRun / evaluate): the averaging,
// that each member trains on its own loss, determinism and bad values
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadMnist, trainStats } from '../../src/data/mnist.js';
import { generatePairSets, standardise } from '../../src/data/pairs.js';
import { averageLogits, Ensemble } from '../../src/models/ensemble.js';
import { getModel } from '../../src/models/registry.js';
import type { PairNetwork } from '../../src/models/types.js';
import * as F from '../../src/tensor/ops/index.js';
import { Rng } from '../../src/tensor/random.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { evaluate, trainRun, ttaOf } from '../../src/train/run.js';

test('averageLogits: the log of the members\' mean softmax (C >= 2), the logit of the mean sigmoid (C = 1)', () => {
  const a = Tensor.from([2, 0, -1, 0.5, 0.5, 3], [2, 3]);
  const b = Tensor.from([0, 1, 0, -2, 4, 0], [2, 3]);
  const avg = F.softmax(averageLogits([a, b])).data;
  const pa = F.softmax(a).data;
  const pb = F.softmax(b).data;
  for (let i = 0; i < 6; i++) assert.ok(Math.abs(avg[i]! - (pa[i]! + pb[i]!) / 2) < 1e-6, `${i}`);
  const s = averageLogits([Tensor.from([0, 2], [2, 1]), Tensor.from([2, -3], [2, 1])]).data;
  const sig = (x: number): number => 1 / (1 + Math.exp(-x));
  assert.ok(Math.abs(sig(s[0]!) - (0.5 + sig(2)) / 2) < 1e-6);
  assert.ok(Math.abs(sig(s[1]!) - (sig(2) + sig(-3)) / 2) < 1e-6);
  assert.equal(averageLogits([a]), a, 'one member: its own logits');
});

test('an ensemble trains each member on its own loss: member 0 of a 2-ensemble ends bit-identical to the network alone', () => {
  const small = { seed: 11, epochs: 2, trainPairs: 40, testPairs: 20 };
  // no dropout: the members share the dropout generator, so their masks would differ from a lone network's
  const one = getModel('pairbench/digits').variant({ dropout: 0, width: 4, ensemble: 1, swa: 0 });
  const two = getModel('pairbench/digits').variant({ dropout: 0, width: 4, ensemble: 2, swa: 0 });
  assert.equal(two.params, 2 * one.params);
  let lone: PairNetwork | null = null;
  let pair: PairNetwork | null = null;
  const r1 = trainRun({ ...small, model: one, onFinished: (n) => { lone = n; } });
  const r2 = trainRun({ ...small, model: two, onFinished: (n) => { pair = n; } });
  assert.ok(pair! instanceof Ensemble);
  const m0 = (pair as Ensemble).members[0]!;
  const m1 = (pair as Ensemble).members[1]!;
  const p1 = lone!.parameters();
  m0.parameters().forEach((p, i) => assert.deepEqual(p.data, p1[i]!.data, `parameter ${i}`));
  assert.notDeepEqual(m1.parameters()[0]!.data, p1[0]!.data, 'member 1 has its own initialisation');
  assert.equal(r2.params, 2 * r1.params);
  // the same seed, the same ensemble
  assert.deepEqual(trainRun({ ...small, model: two }).metrics.map((m) => m.testAccuracy), r2.metrics.map((m) => m.testAccuracy));
});

test('test-time augmentation: identity views change nothing, real views change predictions, the same seed gives the same evaluation', () => {
  const ds = loadMnist();
  const stats = trainStats(ds);
  const { test: raw } = generatePairSets(200, new Rng(3), ds);
  const set = standardise(raw, stats);
  let net: PairNetwork | null = null;
  trainRun({ model: getModel('pairbench/binary').variant({ width: 4 }), seed: 5, epochs: 10, trainPairs: 300, testPairs: 10, onFinished: (n) => { net = n; } });
  const fill = -stats.mean / stats.std;
  const plain = evaluate(net!, set, false);
  const still = evaluate(net!, set, false, { views: 4, augment: { rotate: 0, shift: 0, scale: 0 }, seed: 1, fill });
  assert.deepEqual(still.errorCounts, plain.errorCounts, 'four identical views: the same predictions');
  const tta = { views: 4, augment: { rotate: 30, shift: 2, scale: 0.2 }, seed: 1, fill };
  const a = evaluate(net!, set, false, tta);
  assert.notDeepEqual(a.errorCounts, plain.errorCounts, 'transformed views change some predictions');
  assert.deepEqual(evaluate(net!, set, false, tta).errorCounts, a.errorCounts);
  assert.notDeepEqual(evaluate(net!, set, false, { ...tta, seed: 2 }).errorCounts, a.errorCounts, 'the seed draws the views');
});

test('a recipe\'s tta: 1 view is none; views need an augmentation and a whole number', () => {
  const r = getModel('pairbench/binary').recipe;
  assert.equal(ttaOf({ ...r, tta: { views: 1 } }, 1, 0), undefined);
  assert.deepEqual(ttaOf({ ...r, tta: { views: 3 } }, 1, 0)?.augment, r.augment, 'the recipe\'s augmentation by default');
  const { augment: _, ...noAugment } = r;
  assert.throws(() => ttaOf({ ...noAugment, tta: { views: 3 } }, 1, 0), /tta: the recipe has no augment/);
  assert.throws(() => ttaOf({ ...r, tta: { views: 2.5 } }, 1, 0), /tta.views must be a whole number >= 1, got 2.5/);
  assert.throws(() => getModel('pairbench/binary').variant({ tta: 0 }), /tta/);
  assert.throws(() => getModel('pairbench/binary').variant({ ensemble: 1.5 }), /ensemble/);
});

test('a run with tta: training unchanged, the earlier epochs evaluated plainly, the final epoch with its views', () => {
  const small = { seed: 5, epochs: 10, trainPairs: 300, testPairs: 200 };
  const base = getModel('pairbench/binary').variant({ width: 4, tta: 1 });
  const plain = trainRun({ ...small, model: base });
  const tta = trainRun({ ...small, model: base.variant({ tta: 8, rotate: 30 }) });
  const rotated = trainRun({ ...small, model: base.variant({ rotate: 30 }) });
  assert.deepEqual(tta.metrics.map((m) => m.trainLoss), rotated.metrics.map((m) => m.trainLoss));
  assert.deepEqual(tta.metrics.slice(0, 9).map((m) => m.testAccuracy), rotated.metrics.slice(0, 9).map((m) => m.testAccuracy));
  assert.notDeepEqual(tta.errorCounts, rotated.errorCounts, 'the final evaluation averages the views');
  assert.notDeepEqual(plain.metrics.map((m) => m.trainLoss), rotated.metrics.map((m) => m.trainLoss));
});
