// --save: where a run's checkpoint goes and writing it
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { checkpointBytes, checkpointName, runCheckpointMeta, saveCheckpoint } from '../artifacts/checkpoint.js';
import { PairbenchError, writeErrorText } from '../errors.js';
import { getModel } from '../models/registry.js';
import type { ModelSpec, PairNetwork } from '../models/types.js';
import type { RunJob } from '../study/job.js';
import { ensureDir } from '../study/files.js';
import type { RunRecord } from '../train/types.js';
import { percent } from './format.js';

// a file where the checkpoint directory goes is refused in words
function refuseFileAt(abs: string): void {
  if (existsSync(abs) && !statSync(abs).isDirectory()) throw new PairbenchError('io_error', `cannot create checkpoint directory ${abs}: it is a file`, { path: abs });
}

// the directory, created now: a bad --save fails before any training
export function prepareSaveDir(dir: string): string {
  const abs = resolve(dir);
  refuseFileAt(abs);
  if (!existsSync(abs) && abs.endsWith('.safetensors')) {
    throw new PairbenchError('bad_argument', `--save ${dir}: a directory, not a file name (each round's checkpoint is written into it, named <model>__r<round>__s<seed>.safetensors)`, { field: '--save', value: dir });
  }
  try {
    ensureDir(abs);
  } catch (e) {
    throw new PairbenchError('io_error', `cannot create checkpoint directory ${abs}: ${writeErrorText(e)}`, { path: abs });
  }
  return abs;
}

// writes the run's checkpoint into dir; returns its path
export function saveRunCheckpoint(dir: string, net: PairNetwork, record: RunRecord, spec: ModelSpec): string {
  const path = join(resolve(dir), checkpointName(record.model, record.round, record.seed));
  saveCheckpoint(path, net, runCheckpointMeta(record, spec));
  return path;
}

export const CHECKPOINT_DIR = 'checkpoints';

function mb(bytes: number): string {
  return bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${(bytes / 1e3).toFixed(0)} kB`;
}

// study --save: each job gets its checkpoint file in <dir>/checkpoints (created by the first run
// that finishes, so a plan refused at its confirmation leaves nothing); the total size is said first
export function withCheckpoints(studyDir: string, jobs: RunJob[], say: (s: string) => void): RunJob[] {
  const dir = resolve(studyDir, CHECKPOINT_DIR);
  refuseFileAt(dir);
  const sizes = new Map<string, number>();
  let total = 0;
  for (const j of jobs) {
    if (!sizes.has(j.model)) sizes.set(j.model, checkpointBytes(getModel(j.model)));
    total += sizes.get(j.model)!;
  }
  say(`--save: ${jobs.length} checkpoint${jobs.length === 1 ? '' : 's'}, about ${mb(total)} in all, into ${dir}`);
  return jobs.map((j) => ({ ...j, checkpoint: join(dir, checkpointName(j.model, j.round, j.seed)) }));
}

// the finished run with the best final test accuracy whose checkpoint is on disk
export function bestCheckpointLine(studyDir: string, records: readonly RunRecord[]): string {
  let best: { r: RunRecord; path: string } | null = null;
  for (const r of records) {
    const path = join(resolve(studyDir), CHECKPOINT_DIR, checkpointName(r.model, r.round, r.seed));
    if ((best === null || r.testAccuracy > best.r.testAccuracy) && existsSync(path)) best = { r, path };
  }
  if (best === null) return 'no checkpoint on disk for this study\'s runs (runs finished before --save was given keep none)';
  return `best run: ${best.r.model} round ${best.r.round}, test accuracy ${percent(best.r.testAccuracy)}: ${best.path}`;
}
