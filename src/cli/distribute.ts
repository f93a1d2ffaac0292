// --queue and --shard on study | reproduce | grid: who trains a stage's runs and where they go
import { resolve } from 'node:path';
import { PairbenchError } from '../errors.js';
import { runKey } from '../study/job.js';
import { makeProgress } from '../study/progress.js';
import type { StudyRequest } from '../study/runner.js';
import { checkQueueUrl } from '../study/queue/url.js';
import { parseShard, shardJobs, shardRunsFile, type Shard } from '../study/shard.js';

export interface DistributeFlags {
  queue?: string;
  shard?: string;
}

export function checkDistribute(d: DistributeFlags, command: string): Shard | null {
  if (d.queue !== undefined && d.shard !== undefined) throw new PairbenchError('bad_argument', `${command}: --queue and --shard do not go together (a queue already spreads the runs)`, { field: '--shard' });
  if (d.queue !== undefined) checkQueueUrl(d.queue);
  return d.shard === undefined ? null : parseShard(d.shard);
}

// the request as this process runs it: trained by queue workers, or only this shard's runs into its own file
export async function distributed(req: StudyRequest, d: DistributeFlags, log: (s: string) => void): Promise<StudyRequest> {
  if (d.queue !== undefined) {
    const { queueExecutor } = await import('../study/queue/coordinator.js'); // bullmq loads only for a queue study
    return { ...req, progress: req.progress ?? makeProgress({ hosts: true }), executor: queueExecutor({ url: d.queue, dir: resolve(req.dir), kind: req.kind, config: req.config, log }) };
  }
  if (d.shard !== undefined) {
    const s = parseShard(d.shard);
    const mine = new Set(shardJobs(req.jobs, s).map(runKey));
    return { ...req, only: (j) => mine.has(runKey(j)), runsFile: shardRunsFile(s) };
  }
  return req;
}
