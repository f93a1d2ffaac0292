// `pairbench worker --queue redis://...`: serves the study queue on this machine. BullMQ's worker
// (on this thread: job locks renewed here) hands each job to one of N training threads. A job is
// validated before anything runs; a malformed one, or one of another pairbench version, fails with
// its reason (reported here and to the coordinator) and the worker goes on serving.
import { hostname } from 'node:os';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { loadMnist, toShared } from '../../data/mnist.js';
import { jobEpochs, runKey, type StudyRecord } from '../job.js';
import { pairbenchVersion } from '../version.js';
import { checkQueueUrl, connectRedis, QUEUE_NAME, queueTiming, redactUrl } from './connection.js';
import { parseQueueJob } from './schema.js';
import { RunThreads } from './threads.js';

// what a worker reports while a run trains (job.progress), read by the coordinator
export interface RunProgress {
  host: string;
  worker: string; // host:pid
  epoch: number;
  epochs: number;
  testAccuracy: number | null;
}

export interface ServeOptions {
  url: string;
  workers: number;
  mnistDir?: string | undefined;
  log: (line: string) => void;
  warn: (line: string) => void;
}

export interface Serving {
  close(): Promise<void>; // finishes the runs in flight, then disconnects
  kill(): Promise<void>; // drops them (they are retried elsewhere once their lock expires)
}

export async function serveQueue(o: ServeOptions): Promise<Serving> {
  checkQueueUrl(o.url);
  const ds = loadMnist(o.mnistDir !== undefined ? { dir: o.mnistDir } : {});
  const conn = await connectRedis(o.url);
  const threads = new RunThreads(o.workers, toShared(ds));
  const t = queueTiming();
  const host = hostname();
  const me = `${host}:${process.pid}`;
  const version = pairbenchVersion();

  const refuse = (job: Job, why: string): never => {
    o.warn(`rejected job ${job.id ?? '?'}: ${why}`);
    throw new UnrecoverableError(`${me}: ${why}`);
  };

  const processor = async (job: Job): Promise<StudyRecord> => {
    let data;
    try {
      data = parseQueueJob(job.data);
    } catch (e) {
      return refuse(job, (e as Error).message);
    }
    if (data.pairbench !== version) {
      return refuse(job, `planned by pairbench ${data.pairbench}, this worker runs pairbench ${version}: run workers of the coordinator's version`);
    }
    if (job.id !== `${data.study}|${runKey(data.run)}`) return refuse(job, `malformed job: its id does not name the run it carries (${runKey(data.run)})`);
    const run = data.run;
    const epochs = jobEpochs(run);
    const what = `${run.model} round ${run.round}${run.grid !== undefined ? ` (${run.grid.stage})` : ''}`;
    o.log(`start ${what}`);
    const progress = (p: RunProgress): void => {
      job.updateProgress({ ...p }).catch(() => undefined);
    };
    progress({ host, worker: me, epoch: 0, epochs, testAccuracy: null });
    const record = await threads.run(run, (epoch, acc) => progress({ host, worker: me, epoch, epochs, testAccuracy: acc }));
    o.log(`done  ${what}: test ${(record.testAccuracy * 100).toFixed(2)}% (${record.trainSeconds.toFixed(1)} s)`);
    return record;
  };

  const worker = new Worker(QUEUE_NAME, processor, {
    connection: conn,
    concurrency: o.workers,
    lockDuration: t.lockMs,
    stalledInterval: t.stalledMs,
    maxStalledCount: 2,
  });
  worker.on('failed', (job, e) => {
    if (!(e instanceof UnrecoverableError)) o.warn(`job ${job?.id ?? '?'} failed (it is retried up to ${t.attempts} times): ${e.message.split('\n')[0]}`);
  });
  let lastError = '';
  worker.on('error', (e) => {
    if (e.message !== lastError) o.warn(`queue: ${e.message} (retrying)`); // once per outage, not per retry
    lastError = e.message;
  });
  await worker.waitUntilReady();
  o.log(`worker ${me} serving ${redactUrl(o.url)} with ${o.workers} training thread${o.workers === 1 ? '' : 's'} (pairbench ${version})`);

  const shutdown = async (force: boolean): Promise<void> => {
    await worker.close(force).catch(() => undefined);
    await threads.close();
    conn.disconnect();
  };
  return { close: () => shutdown(false), kill: () => shutdown(true) };
}
