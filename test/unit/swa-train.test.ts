// stochastic weight averaging in a training run (recipe.swa): the last epochs at a constant lr, the
// final evaluation of the averaged network with its batch norm recomputed on the training pairs
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pairBatches } from '../../src/data/batches.js';
import { loadMnist, trainStats } from '../../src/data/mnist.js';
import { generatePairSets, standardise } from '../../src/data/pairs.js';
import { getModel } from '../../src/models/registry.js';
import type { ModelSpec, PairNetwork } from '../../src/models/types.js';
import { updateBatchNorm } from '../../src/optim/swa.js';
import { Rng } from '../../src/tensor/random.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { swaEpochs, trainRun } from '../../src/train/run.js';

const small = { seed: 11, epochs: 4, trainPairs: 150, testPairs: 40 };
const digits = (set: Record<string, unknown>): ModelSpec => getModel('pairbench/digits').variant({ ensemble: 1, tta: 1, ...set });

test('swa: reproducible, changes the run, and the final network holds batch norm statistics recomputed for its averaged weights', () => {
  const ds = loadMnist();
  const train = standardise(generatePairSets(150, new Rng(3), ds, 1).train, trainStats(ds));
  let net: PairNetwork | null = null;
  const base = digits({ swa: 0.5, swaLr: 2e-3 });
  const spec: ModelSpec = { ...base, build: (ctx) => (net = base.build(ctx)) };
  const a = trainRun({ ...small, model: spec, data: ds, train });
  const b = trainRun({ ...small, model: base, data: ds, train });
  const plain = trainRun({ ...small, model: digits({ swa: 0 }), data: ds, train });
  assert.deepEqual(a.metrics.map((m) => m.trainLoss), b.metrics.map((m) => m.trainLoss));
  assert.equal(a.testAccuracy, b.testAccuracy);
  assert.notDeepEqual(a.metrics.map((m) => m.trainLoss), plain.metrics.map((m) => m.trainLoss), 'the schedule ends earlier and the lr is swaLr');
  // recomputing the final network's statistics over the same training pairs changes nothing
  const n = net! as PairNetwork;
  const stats = (): number[] => n.namedBuffers().flatMap(([, t]) => Array.from(t.data));
  const before = stats();
  assert.ok(before.length > 0);
  updateBatchNorm(n, pairBatches(train, base.recipe.batchSize, null), (x) => n.forwardPair(new Tensor(x.input, [x.n, 2, 14, 14])));
  const after = stats();
  for (let i = 0; i < before.length; i++) assert.ok(Math.abs(before[i]! - after[i]!) <= 1e-5 * (1 + Math.abs(after[i]!)), `buffer value ${i}: ${before[i]} vs ${after[i]}`);
});

test('swa: its epochs are the rounded fraction of the last phase, one scheduled epoch kept; a bad fraction or lr is refused naming the field', () => {
  const r = getModel('pairbench/digits').recipe;
  assert.deepEqual(swaEpochs({ ...r, swa: { last: 0.25, lr: 1e-3 } }, 40), { epochs: 10, lr: 1e-3 });
  assert.deepEqual(swaEpochs({ ...r, swa: { last: 0.9, lr: 1e-3 } }, 4), { epochs: 3, lr: 1e-3 });
  assert.equal(swaEpochs({ ...r, swa: { last: 0.25, lr: 1e-3 } }, 1), null, 'a one-epoch phase averages nothing');
  assert.equal(swaEpochs({ ...r, swa: { last: 0, lr: 1e-3 } }, 40), null);
  assert.equal(swaEpochs(r, r.epochs), null, 'pairbench/digits averages nothing by default');
  assert.deepEqual(swaEpochs(getModel('pairbench/digits').variant({ epochs: 40, swa: 0.25 }).recipe, 40), { epochs: 10, lr: 1e-3 });
  assert.throws(() => swaEpochs({ ...r, swa: { last: 1, lr: 1e-3 } }, 40), /swa.last = 1 must be a fraction of the epochs in \[0, 1\)/);
  assert.throws(() => trainRun({ ...small, model: digits({ swa: 0.5, swaLr: 0 }) }), /swa.lr = 0 must be a positive number/);
  // short runs still train (a quarter rounds to none of 1 epoch)
  assert.equal(trainRun({ ...small, epochs: 1, model: digits({ swa: 0.25 }) }).metrics.length, 1);
});
