// the study worker pool when a worker fails: a job that throws (a PairbenchError keeps its code, anything else
// is named with the run), a worker that crashes at start, a worker that exits; every time the pool's promise
// rejects, within a timeout, and nothing is handed to onDone
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadMnist, toShared, type SharedMnistDescriptor } from '../../src/data/mnist.js';
import { PairbenchError } from '../../src/errors.js';
import type { RunJob } from '../../src/study/job.js';
import { runPool } from '../../src/study/pool.js';

delete process.env['PAIRBENCH_MNIST_DIR'];
const mnist = toShared(loadMnist());
const job = (model: string, round = 0, extra: Partial<RunJob> = {}): RunJob => ({ model, round, seed: 100 + round, epochs: 1, batchSize: null, trainPairs: 50, testPairs: 50, ...extra });

// the pool's outcome, or a timeout (a pool that never settles must fail the test, not hang it)
async function outcome(jobs: RunJob[], workers: number, desc: SharedMnistDescriptor = mnist, url?: URL): Promise<{ error: unknown; done: string[] }> {
  const done: string[] = [];
  const handle = runPool(jobs, workers, desc, { onDone: (j) => { done.push(`${j.model}/${j.round}`); } }, url);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error('the pool did not settle within 60 s')), 60_000); });
  try {
    await Promise.race([handle.done, timeout]);
    return { error: null, done };
  } catch (e) {
    if (e instanceof Error && e.message.startsWith('the pool did not settle')) { await handle.stop(); throw e; }
    return { error: e, done };
  } finally {
    clearTimeout(timer);
  }
}

test('a job that throws a PairbenchError: the pool rejects with its code, naming the run', async () => {
  const { error } = await outcome([job('lenet-transfer/nope', 0)], 1);
  assert.ok(error instanceof PairbenchError, String(error));
  assert.equal(error.code, 'unknown_model');
  assert.match(error.message, /lenet-transfer\/nope round 0 \(seed 100\)/);
});

test('a job that throws something else: the pool rejects naming the run and the cause', async () => {
  // a model id that is not a string fails inside the engine with a TypeError, not a PairbenchError
  const { error } = await outcome([job(42 as unknown as string, 3)], 1);
  assert.ok(error instanceof Error, String(error));
  assert.match(error.message, /^42 round 3 \(seed 103\)/);
});

test('a failing job among good ones on 2 workers: rejected, the other worker stopped', async () => {
  const { error } = await outcome([job('kropfhamer2022/feedforward', 0), job('no/such-model', 1), job('kropfhamer2022/feedforward', 2), job('kropfhamer2022/feedforward', 3)], 2);
  assert.ok(error instanceof PairbenchError && error.code === 'unknown_model', String(error));
});

test('a worker that crashes at start (a bad data descriptor): the pool rejects, naming the worker', async () => {
  const { error, done } = await outcome([job('kropfhamer2022/feedforward')], 1, { ...mnist, kind: 'broken' } as unknown as SharedMnistDescriptor);
  assert.ok(error instanceof Error);
  assert.match(error.message, /worker 0 crashed: .*not a pairbench MNIST descriptor/);
  assert.deepEqual(done, []);
});

test('a worker that exits in the middle of a job: the pool rejects with its exit code', async () => {
  const { error, done } = await outcome([job('kropfhamer2022/feedforward')], 1, mnist, new URL('./study-pool.worker.js', import.meta.url));
  assert.ok(error instanceof Error);
  assert.match(error.message, /worker 0 exited unexpectedly \(code 7\)/);
  assert.deepEqual(done, []);
});

test('the good path: every job handed to onDone once', async () => {
  const jobs = [0, 1, 2].map((r) => job('kropfhamer2022/feedforward', r));
  const { error, done } = await outcome(jobs, 2);
  assert.equal(error, null);
  assert.deepEqual(done.sort(), ['kropfhamer2022/feedforward/0', 'kropfhamer2022/feedforward/1', 'kropfhamer2022/feedforward/2']);
});
