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
import { trainRun } from '../../src/train/run.js';

const small = { seed: 11, epochs: 4, trainPairs: 150, testPairs: 40 };
const digits = (set: Record<string, unknown>): ModelSpec => getModel('pairbench/digits').variant({ ensemble: 1, tta: 1, ...set });

test('swa: reproducible, changes the run, and the final network holds batch norm statistics recomputed for its averaged weights', () => {
  const ds = loadMnist();
  const train = standardise(generatePairSets(150, new Rng(3), ds, 1).train, trainStats(ds));
  let net: PairNetwork | null = null;
  const base = digits({ swa: 2, swaLr: 2e-3 });
  const spec: ModelSpec = { ...base, build: (ctx) => (net = base.build(ctx)) };
  const a = trainRun({ ...small, model: spec, data: ds, train });
  const b = trainRun({ ...small, model: base, data: ds, train });
  const plain = trainRun({ ...small, model: digits({}), data: ds, train });
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

test('swa: epochs outside 1..(last phase - 1) or a non-positive lr are refused naming the field', () => {
  assert.throws(() => trainRun({ ...small, model: digits({ swa: 4 }) }), /swa.epochs = 4 must be a whole number from 1 to 3/);
  assert.throws(() => trainRun({ ...small, model: digits({ swa: 2, swaLr: 0 }) }), /swa.lr = 0 must be a positive number/);
});
