// the pooled splits shared with a real worker_threads Worker: same data, no copy, no re-read
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { fromShared, loadMnist, toShared, trainStats } from '../../src/data/mnist.js';
import { generatePairSets } from '../../src/data/pairs.js';
import { Rng } from '../../src/tensor/random.js';
import { firstMessage } from '../helpers/worker.js';

delete process.env['PAIRBENCH_MNIST_DIR'];

test('toShared / fromShared in the same thread: no copy', () => {
  const ds = loadMnist();
  const desc = toShared(ds);
  assert.equal(desc.train.images, ds.train.images.buffer, 'loadMnist already allocates shared memory');
  const back = fromShared(desc);
  assert.equal(back, ds);
  const copied = toShared({ ...ds, train: { ...ds.train, images: ds.train.images.slice() } });
  assert.ok(copied.train.images instanceof SharedArrayBuffer);
  assert.throws(() => fromShared({ ...desc, kind: 'x' } as never), /not a pairbench MNIST descriptor/);
  assert.throws(() => fromShared({ ...desc, test: { ...desc.test, n: 3 } }), /test split of the descriptor is malformed/);
});

test('round trip through a worker thread', async () => {
  const ds = loadMnist();
  const stats = trainStats(ds);
  const desc = toShared(ds);
  assert.deepEqual(desc.trainStats, stats);
  const worker = new Worker(new URL('./data-shared.worker.js', import.meta.url), { workerData: desc });
  let reply: any;
  try {
    reply = await firstMessage<any>(worker, 'data-shared worker');
  } finally {
    await worker.terminate();
  }
  const { train, test: te } = generatePairSets(100, new Rng(77), ds);
  let sum = 0;
  for (const v of train.input) sum += v;
  for (const v of te.input) sum += v;
  assert.equal(reply.shared, true);
  assert.equal(reply.sameFromCache, true);
  assert.equal(reply.trainN, 60000);
  assert.equal(reply.testN, 10000);
  assert.deepEqual(reply.firstPixels, Array.from(ds.train.images.subarray(34, 40)));
  assert.equal(reply.lastLabel, ds.test.labels[9999]);
  assert.equal(reply.sum, sum);
  assert.deepEqual(reply.trainIndices, Array.from(train.indices.subarray(0, 10)));
  assert.deepEqual(reply.stats, stats, 'stats travel with the descriptor');
});
