// `pairbench merge <dir>`: the shards' runs files appended to runs.jsonl, in the planned order,
// each run once (matched by run key). Two shards with different records of one run (apart from
// timing and host) are reported as conflicts; the first is kept.
import { readdirSync, appendFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PairbenchError } from '../errors.js';
import { readMeta, readRunsFile, RUNS_FILE } from './files.js';
import { runKey, type StudyRecord } from './job.js';
import { holdStudyLock } from './lock.js';
import { repairRuns } from './runner.js';
import { SHARD_FILE } from './shard.js';

export interface MergeResult {
  dir: string;
  shardFiles: string[];
  added: number;
  duplicates: number;
  conflicts: string[]; // one line each
  missing: number; // planned runs in no file
}

// a record without what differs between machines and invocations (timing, host)
export function untimedRecord(r: StudyRecord): unknown {
  const { trainSeconds: _t, host: _h, ...rest } = r;
  return { ...rest, metrics: r.metrics.map(({ seconds: _s, ...m }) => m) };
}

export async function mergeShards(dir: string, log: (s: string) => void): Promise<MergeResult> {
  const abs = resolve(dir);
  const meta = readMeta(abs);
  const shardFiles = readdirSync(abs).filter((f) => SHARD_FILE.test(f)).sort((a, b) => {
    const [, ia, na] = SHARD_FILE.exec(a)!.map(Number);
    const [, ib, nb] = SHARD_FILE.exec(b)!.map(Number);
    return na! - nb! || ia! - ib!;
  });
  if (shardFiles.length === 0) throw new PairbenchError('io_error', `${abs} holds no shard files (runs.shard-<i>-of-<N>.jsonl): nothing to merge`, { path: abs });
  await holdStudyLock(abs);
  const have = new Map<string, { record: StudyRecord; from: string }>();
  for (const r of repairRuns(abs, log)) have.set(runKey(r), { record: r, from: RUNS_FILE });
  const incoming = new Map<string, StudyRecord>();
  let duplicates = 0;
  const conflicts: string[] = [];
  for (const f of shardFiles) {
    const path = join(abs, f);
    const rf = readRunsFile(abs, f);
    if (rf.tornLastLine) log(`${path}: an incomplete last line (a shard killed mid-write) is skipped`);
    for (const r of rf.runs as StudyRecord[]) {
      const key = runKey(r);
      const prev = have.get(key);
      if (prev === undefined) {
        have.set(key, { record: r, from: f });
        incoming.set(key, r);
      } else if (JSON.stringify(untimedRecord(prev.record)) === JSON.stringify(untimedRecord(r))) duplicates++;
      else conflicts.push(`${key}: ${prev.from} and ${f} hold different records (test accuracy ${prev.record.testAccuracy} vs ${r.testAccuracy}); kept the one in ${prev.from}`);
    }
  }
  // planned order first, then anything else the shards hold (an earlier stage's runs)
  const order = meta.runs.map((p) => runKey(p as StudyRecord));
  const lines: string[] = [];
  for (const k of order) {
    const r = incoming.get(k);
    if (r !== undefined) {
      lines.push(JSON.stringify(r));
      incoming.delete(k);
    }
  }
  for (const r of incoming.values()) lines.push(JSON.stringify(r));
  if (lines.length > 0) appendFileSync(join(abs, RUNS_FILE), lines.join('\n') + '\n');
  const missing = order.filter((k) => !have.has(k)).length;
  return { dir: abs, shardFiles, added: lines.length, duplicates, conflicts, missing };
}
