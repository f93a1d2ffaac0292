// a study worker thread: its own engine (the backend loads per thread), the pooled MNIST shared
// by the main thread, one job at a time
import { parentPort, workerData } from 'node:worker_threads';
import { fromShared, type SharedMnistDescriptor } from '../data/mnist.js';
import { isPairbenchError } from '../errors.js';
import { executeJob, type RunJob } from './job.js';
import type { FromWorker } from './pool.js';

const port = parentPort!;
const data = fromShared((workerData as { mnist: SharedMnistDescriptor }).mnist);

port.on('message', (msg: { id: number; job: RunJob }) => {
  const { id, job } = msg;
  try {
    const record = executeJob(job, data, (m) => {
      const out: FromWorker = { type: 'epoch', id, epoch: m.epoch, testAccuracy: m.testAccuracy };
      port.postMessage(out);
    });
    const out: FromWorker = { type: 'done', id, record };
    port.postMessage(out);
  } catch (e) {
    const out: FromWorker = isPairbenchError(e)
      ? { type: 'error', id, code: e.code, message: e.message }
      : { type: 'error', id, code: 'internal', message: e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e) };
    port.postMessage(out);
  }
});
