// a plain worker_threads pool: W workers, each with its own engine, fed one job at a time.
// The main thread alone writes results (the callbacks run on it), so lines never interleave.
import { Worker } from 'node:worker_threads';
import type { SharedMnistDescriptor } from '../data/mnist.js';
import { PairbenchError, type ErrorCode } from '../errors.js';
import type { RunJob, StudyRecord } from './job.js';

export type FromWorker =
  | { type: 'epoch'; id: number; epoch: number; testAccuracy: number }
  | { type: 'done'; id: number; record: StudyRecord }
  | { type: 'error'; id: number; code: ErrorCode | 'internal'; message: string };

export interface PoolCallbacks {
  onStart?: (job: RunJob, worker: number) => void;
  onEpoch?: (job: RunJob, epoch: number, testAccuracy: number, worker: number) => void;
  onDone: (job: RunJob, record: StudyRecord, worker: number) => void; // called synchronously on the main thread
}

export interface PoolHandle {
  done: Promise<{ stopped: boolean }>;
  stop(): Promise<void>; // terminate every worker now; jobs in flight are lost, finished ones were already handed to onDone
}

const WORKER_URL = new URL('./worker.js', import.meta.url);

// workerUrl: the worker script (tests substitute one that exits)
export function runPool(jobs: readonly RunJob[], workers: number, mnist: SharedMnistDescriptor, cb: PoolCallbacks, workerUrl: URL = WORKER_URL): PoolHandle {
  const size = Math.max(1, Math.min(workers, jobs.length));
  const pool: Worker[] = [];
  let next = 0;
  let finished = 0;
  let stopped = false;
  let settled = false;
  let resolveDone!: (v: { stopped: boolean }) => void;
  let rejectDone!: (e: unknown) => void;
  const done = new Promise<{ stopped: boolean }>((res, rej) => {
    resolveDone = res;
    rejectDone = rej;
  });
  const inFlight = new Map<number, RunJob>();

  const terminateAll = async (): Promise<void> => {
    await Promise.all(pool.map((w) => w.terminate().catch(() => 0)));
  };
  const fail = (e: unknown): void => {
    if (settled) return;
    settled = true;
    stopped = true;
    void terminateAll().then(() => rejectDone(e));
  };
  const feed = (w: Worker, index: number): void => {
    if (stopped) return;
    if (next >= jobs.length) return;
    const id = next++;
    const job = jobs[id]!;
    inFlight.set(id, job);
    cb.onStart?.(job, index);
    w.postMessage({ id, job });
  };

  if (jobs.length === 0) {
    settled = true;
    resolveDone({ stopped: false });
  }
  for (let i = 0; i < size && jobs.length > 0; i++) {
    const w = new Worker(workerUrl, { workerData: { mnist } });
    pool.push(w);
    w.on('message', (m: FromWorker) => {
      if (settled) return;
      const job = inFlight.get(m.id);
      if (job === undefined) return;
      if (m.type === 'epoch') {
        cb.onEpoch?.(job, m.epoch, m.testAccuracy, i);
      } else if (m.type === 'done') {
        inFlight.delete(m.id);
        try {
          cb.onDone(job, m.record, i);
        } catch (e) {
          fail(e);
          return;
        }
        finished++;
        if (finished === jobs.length) {
          settled = true;
          void terminateAll().then(() => resolveDone({ stopped: false }));
        } else feed(w, i);
      } else {
        const what = `${job.model} round ${job.round} (seed ${job.seed})`;
        fail(m.code === 'internal'
          ? new Error(`${what} failed: ${m.message}`)
          : new PairbenchError(m.code, `${what}: ${m.message}`, { model: job.model, round: job.round, seed: job.seed }));
      }
    });
    w.on('error', (e) => fail(new Error(`worker ${i} crashed: ${e.message}`)));
    w.on('exit', (code) => {
      if (!settled && !stopped) fail(new Error(`worker ${i} exited unexpectedly (code ${code})`));
    });
    feed(w, i);
  }

  return {
    done,
    stop: async () => {
      if (settled) return;
      stopped = true;
      settled = true;
      await terminateAll();
      resolveDone({ stopped: true });
    },
  };
}
