// worker side of data-shared.test.ts: rebuild the dataset from the descriptor, then answer
import { parentPort, workerData } from 'node:worker_threads';
import { fromShared, loadMnist, trainStats, type SharedMnistDescriptor } from '../../src/data/mnist.js';
import { generatePairSets } from '../../src/data/pairs.js';
import { Rng } from '../../src/tensor/random.js';

const desc = workerData as SharedMnistDescriptor;
const t0 = performance.now();
const ds = fromShared(desc);
const ms = performance.now() - t0;
// the named directory does not exist here (the test points the env at a missing dir):
// loadMnist({dir}) must come from the cache that fromShared filled, with no file read
process.env['PAIRBENCH_MNIST_DIR'] = '/nonexistent/pairbench';
const again = loadMnist({ dir: desc.dir });
const { train, test } = generatePairSets(100, new Rng(77), ds);
let sum = 0;
for (const v of train.input) sum += v;
for (const v of test.input) sum += v;
const stats = trainStats(ds);
parentPort!.postMessage({
  ms,
  sameFromCache: again === ds,
  shared: ds.train.images.buffer instanceof SharedArrayBuffer && ds.test.labels.buffer instanceof SharedArrayBuffer,
  trainN: ds.train.n,
  testN: ds.test.n,
  firstPixels: Array.from(ds.train.images.subarray(34, 40)),
  lastLabel: ds.test.labels[ds.test.n - 1],
  sum,
  trainIndices: Array.from(train.indices.subarray(0, 10)),
  stats,
});
