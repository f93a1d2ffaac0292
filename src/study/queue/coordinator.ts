// the coordinator side of `--queue`: an executor with runPool's shape whose runs are trained by
// `pairbench worker` processes anywhere. Each planned run is a BullMQ job whose id is
// <study id>|<run key>, so adding it again is a no-op; a finished job keeps its record in Redis
// until this process has validated and appended it (runStage's onDone), then it is removed.
// A coordinator restarted later collects the results that finished meanwhile and adds only the
// jobs that are nowhere in the queue.
import { createHash } from 'node:crypto';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { hostname } from 'node:os';
import { PairbenchError } from '../../errors.js';
import { runKey, type RunJob } from '../job.js';
import type { PoolCallbacks, PoolHandle } from '../pool.js';
import type { RunExecutor } from '../runner.js';
import type { StudyConfig, StudyKind } from '../types.js';
import { pairbenchVersion } from '../version.js';
import { connectRedis, QUEUE_NAME, queueTiming, redactUrl } from './connection.js';
import { checkResult, type QueueJobData } from './schema.js';
import type { RunProgress } from './worker.js';

// a coordinator's jobs: the same study in the same directory of the same machine, whatever restarts
export function studyQueueId(dir: string, kind: StudyKind, config: StudyConfig): string {
  const { workers: _w, baseline: _b, ...identity } = config;
  return createHash('sha256').update(JSON.stringify({ host: hostname(), dir, kind, identity })).digest('hex').slice(0, 16);
}

const REJECTS_BEFORE_STOP = 3;

export interface QueueStudy {
  url: string;
  dir: string;
  kind: StudyKind;
  config: StudyConfig;
  log: (line: string) => void;
}

export function queueExecutor(s: QueueStudy): RunExecutor {
  return (jobs: readonly RunJob[], _workers: number, _mnist: () => unknown, cb: PoolCallbacks): PoolHandle => {
    const t = queueTiming();
    const study = studyQueueId(s.dir, s.kind, s.config);
    const prefix = `${study}|`;
    const byKey = new Map(jobs.map((j) => [runKey(j), j]));
    const outstanding = new Set(byKey.keys());
    const rejects = new Map<string, number>();
    const active = new Map<string, { slot: number; epoch: number }>(); // job id -> progress slot
    const hosts = new Set<string>();
    let conn: Redis | null = null;
    let queue: Queue | null = null;
    let settled = false;
    let timer: NodeJS.Timeout | null = null;
    let lastReconcile = 0;
    let resolveDone!: (v: { stopped: boolean }) => void;
    let rejectDone!: (e: unknown) => void;
    const done = new Promise<{ stopped: boolean }>((res, rej) => {
      resolveDone = res;
      rejectDone = rej;
    });

    const close = async (): Promise<void> => {
      if (timer !== null) clearTimeout(timer);
      timer = null;
      await queue?.close().catch(() => undefined);
      conn?.disconnect();
    };
    const finish = (e: unknown | null, stopped = false): void => {
      if (settled) return;
      settled = true;
      void close().then(() => (e === null ? resolveDone({ stopped }) : rejectDone(e)));
    };

    const jobData = (job: RunJob): QueueJobData => ({ pairbench: pairbenchVersion(), study, run: { ...job } });
    const add = async (keys: string[]): Promise<void> => {
      if (keys.length === 0) return;
      for (let i = 0; i < keys.length; i += 500) {
        await queue!.addBulk(keys.slice(i, i + 500).map((k) => ({
          name: 'run',
          data: jobData(byKey.get(k)!),
          opts: { jobId: prefix + k, attempts: t.attempts, backoff: { type: 'fixed', delay: t.backoffMs }, removeOnComplete: false, removeOnFail: false },
        })));
      }
    };
    const ours = (ids: string[]): string[] => ids.filter((id) => id.startsWith(prefix));
    const slotOf = (): number => {
      const used = new Set([...active.values()].map((a) => a.slot));
      let slot = 0;
      while (used.has(slot)) slot++;
      return slot;
    };

    // every outstanding run that is in no state of the queue (first start, a lost Redis): add it
    const reconcile = async (): Promise<void> => {
      const present = new Set(ours(await queue!.getRanges(['wait', 'prioritized', 'delayed', 'active', 'waiting-children', 'completed', 'failed'], 0, -1, true)));
      const missing = [...outstanding].filter((k) => !present.has(prefix + k));
      if (missing.length > 0 && lastReconcile > 0) s.log(`queue: ${missing.length} run${missing.length === 1 ? '' : 's'} missing from the queue (Redis restarted without its data?): added again`);
      await add(missing);
      lastReconcile = performance.now();
    };

    const collect = async (): Promise<void> => {
      const q = queue!;
      for (const id of ours(await q.getRanges(['completed'], 0, -1, true))) {
        const key = id.slice(prefix.length);
        const job = await q.getJob(id);
        if (job === undefined) continue;
        const run = byKey.get(key);
        if (run === undefined || !outstanding.has(key)) {
          await job.remove().catch(() => undefined); // a result already in runs.jsonl, or of a run not planned here: ignored
          continue;
        }
        const check = checkResult(job.returnvalue, run);
        const a = active.get(id);
        active.delete(id);
        if (!check.ok) {
          const n = (rejects.get(key) ?? 0) + 1;
          rejects.set(key, n);
          s.log(`queue: rejected the result of ${key} (${n}/${REJECTS_BEFORE_STOP}): ${check.why}`);
          await job.remove().catch(() => undefined);
          if (n >= REJECTS_BEFORE_STOP) throw new PairbenchError('queue_error', `${key}: ${n} malformed results from the workers, the last: ${check.why}`, { run: key });
          await add([key]);
          continue;
        }
        outstanding.delete(key);
        if (check.record.host !== undefined) hosts.add(check.record.host);
        cb.onDone(run, check.record, a?.slot ?? 0); // appends it to runs.jsonl
        await job.remove().catch(() => undefined);
      }
      for (const id of ours(await q.getRanges(['failed'], 0, -1, true))) {
        const key = id.slice(prefix.length);
        if (!outstanding.has(key)) continue;
        const job = await q.getJob(id);
        const reason = (job?.failedReason ?? 'unknown reason').split('\n')[0];
        // the next start of this study tries it afresh
        await job?.remove().catch(() => undefined);
        throw new PairbenchError('queue_error', `${key} failed ${job?.attemptsMade ?? '?'} time${job?.attemptsMade === 1 ? '' : 's'} on the workers: ${reason}`, { run: key });
      }
      const now = new Set(ours(await q.getRanges(['active'], 0, -1, true)));
      for (const id of [...active.keys()]) if (!now.has(id)) active.delete(id); // stalled and requeued
      for (const id of now) {
        const key = id.slice(prefix.length);
        const run = byKey.get(key);
        if (run === undefined || !outstanding.has(key)) continue;
        const job = await q.getJob(id);
        const p = job?.progress as Partial<RunProgress> | undefined;
        if (p === undefined || typeof p !== 'object' || typeof p.worker !== 'string') continue;
        let a = active.get(id);
        if (a === undefined) {
          a = { slot: slotOf(), epoch: 0 };
          active.set(id, a);
          if (!hosts.has(p.worker)) {
            hosts.add(p.worker);
            s.log(`queue: worker ${p.worker} joined`);
          }
          cb.onStart?.(run, a.slot);
        }
        if (typeof p.epoch === 'number' && p.epoch > a.epoch && typeof p.testAccuracy === 'number') {
          a.epoch = p.epoch;
          cb.onEpoch?.(run, p.epoch, p.testAccuracy, a.slot);
        }
      }
    };

    const tick = async (): Promise<void> => {
      if (settled) return;
      try {
        if (performance.now() - lastReconcile >= t.reconcileMs) await reconcile();
        await collect();
      } catch (e) {
        finish(e);
        return;
      }
      if (outstanding.size === 0) finish(null);
      else if (!settled) timer = setTimeout(() => void tick(), t.pollMs);
    };

    void (async () => {
      try {
        conn = await connectRedis(s.url);
        queue = new Queue(QUEUE_NAME, { connection: conn });
        let lastError = '';
        queue.on('error', (e) => {
          if (e.message !== lastError) s.log(`queue: ${e.message} (retrying)`); // once per outage, not per retry
          lastError = e.message;
        });
        await queue.waitUntilReady();
        await collect(); // results that finished while no coordinator was running
        await reconcile();
        s.log(`queue ${redactUrl(s.url)}: ${outstanding.size} run${outstanding.size === 1 ? '' : 's'} queued for the workers (pairbench worker --queue ...); study ${study}`);
      } catch (e) {
        finish(e);
        return;
      }
      void tick();
    })();

    return {
      done,
      stop: async () => {
        // the jobs stay queued: the workers go on, and the next start of this study collects them
        finish(null, true);
        await done.catch(() => undefined);
      },
    };
  };
}
