// batch schedulers without Redis (a Slurm job array): `--shard i/N` trains every N-th planned run
// (the i-th of each N, 1 <= i <= N) into its own runs file beside runs.jsonl; `pairbench merge`
// gathers them. Shards of one study can run at once on one shared directory: each has its own lock.
import { PairbenchError } from '../errors.js';
import type { RunJob } from './job.js';

export interface Shard {
  index: number; // 1-based
  count: number;
}

export const SHARD_FILE = /^runs\.shard-(\d+)-of-(\d+)\.jsonl$/;

export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = m === null ? NaN : Number(m[1]);
  const count = m === null ? NaN : Number(m[2]);
  if (!(index >= 1 && count >= 1 && index <= count && count <= 100_000)) {
    throw new PairbenchError('bad_argument', `--shard: expected i/N with 1 <= i <= N (e.g. 3/8, or $SLURM_ARRAY_TASK_ID/8 with --array=1-8), got '${text}'`, { field: '--shard', value: text });
  }
  return { index, count };
}

export function shardJobs(jobs: readonly RunJob[], s: Shard): RunJob[] {
  return jobs.filter((_, k) => k % s.count === s.index - 1);
}

export function shardRunsFile(s: Shard): string {
  return `runs.shard-${s.index}-of-${s.count}.jsonl`;
}
