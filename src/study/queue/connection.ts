// a Redis connection from a --queue URL (redis://[user:password@]host:port[/db], rediss:// for
// TLS), checked once so that a wrong address fails in seconds with one line instead of retrying
import { Redis } from 'ioredis';
import { PairbenchError } from '../../errors.js';
import { checkQueueUrl, redactUrl } from './url.js';

export { checkQueueUrl, redactUrl };

export const QUEUE_NAME = 'pairbench';

export async function connectRedis(url: string, timeoutMs = 10_000): Promise<Redis> {
  checkQueueUrl(url);
  // maxRetriesPerRequest null: BullMQ's blocking commands wait through reconnects
  const conn = new Redis(url, { maxRetriesPerRequest: null, connectTimeout: timeoutMs });
  let last: Error | null = null;
  conn.on('error', (e: Error) => {
    last = e;
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      conn.ping(),
      new Promise((_, rej) => {
        timer = setTimeout(() => rej(new Error((last as Error | null)?.message ?? 'no answer')), timeoutMs);
      }),
    ]);
  } catch (e) {
    conn.disconnect();
    throw new PairbenchError('queue_error', `cannot reach Redis at ${redactUrl(url)}: ${(e as Error).message}`, { url: redactUrl(url) });
  } finally {
    clearTimeout(timer);
  }
  return conn;
}

// the queue's timing; tests shorten it through the environment, production keeps BullMQ's scale
export interface QueueTiming {
  pollMs: number; // coordinator: how often it collects results and progress
  reconcileMs: number; // coordinator: how often it re-adds jobs that vanished (a Redis restart without AOF)
  lockMs: number; // worker: a job's lock; a dead worker's job is retried after about this long
  stalledMs: number; // worker: how often workers look for stalled jobs
  attempts: number; // tries of one run before the study stops with its error
  backoffMs: number;
}

function envMs(name: string, dflt: number): number {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : dflt;
}

export function queueTiming(): QueueTiming {
  return {
    pollMs: envMs('PAIRBENCH_QUEUE_POLL_MS', 1000),
    reconcileMs: envMs('PAIRBENCH_QUEUE_RECONCILE_MS', 30_000),
    lockMs: envMs('PAIRBENCH_QUEUE_LOCK_MS', 30_000),
    stalledMs: envMs('PAIRBENCH_QUEUE_STALLED_MS', 30_000),
    attempts: envMs('PAIRBENCH_QUEUE_ATTEMPTS', 3),
    backoffMs: envMs('PAIRBENCH_QUEUE_BACKOFF_MS', 5000),
  };
}
