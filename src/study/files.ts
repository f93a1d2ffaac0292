// reading a study directory: study.json (StudyMeta) and runs.jsonl (one RunRecord per line).
// runs.jsonl is append-only; a process killed mid-write can leave a torn last line, which is
// skipped (and reported), never an error. A damaged line elsewhere is set apart (`rejected`): resume
// moves it to runs.rejected.jsonl and trains its run again, report names it and reads the rest.
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { PairbenchError } from '../errors.js';
import type { RunRecord } from '../train/types.js';
import type { StudyMeta } from './types.js';

export const STUDY_FILE = 'study.json';
export const RUNS_FILE = 'runs.jsonl';
export const REJECTED_FILE = 'runs.rejected.jsonl';

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new PairbenchError('io_error', `cannot read ${path}: ${(e as Error).message}`, { path });
  }
}

// study.json; null when the file does not exist
export function readMetaIfPresent(dir: string): StudyMeta | null {
  const path = join(dir, STUDY_FILE);
  if (!existsSync(path)) return null;
  let v: unknown;
  try {
    v = JSON.parse(readText(path));
  } catch (e) {
    if (e instanceof PairbenchError) throw e;
    throw new PairbenchError('bad_config', `${path} is not valid JSON: ${(e as Error).message}`, { path });
  }
  const m = v as Partial<StudyMeta> | null;
  if (m === null || typeof m !== 'object' || typeof m.config !== 'object' || m.config === null || !Array.isArray(m.config.models)) {
    throw new PairbenchError('bad_config', `${path} is not a study file (no config.models)`, { path });
  }
  return { ...m, runs: Array.isArray(m.runs) ? m.runs : [] } as StudyMeta;
}

export function readMeta(dir: string): StudyMeta {
  const m = readMetaIfPresent(dir);
  if (m === null) throw new PairbenchError('io_error', `${join(dir, STUDY_FILE)} does not exist: not a study directory`, { path: join(dir, STUDY_FILE) });
  return m;
}

// a line of runs.jsonl that is neither a run record nor the torn last line
export interface RejectedLine {
  line: number; // 1-based
  text: string; // as it was in the file
  reason: string;
}

export interface RunsFile {
  runs: RunRecord[];
  rejected: RejectedLine[]; // damaged lines before the last one, in file order
  tornLastLine: boolean; // the file ended in an incomplete line (skipped)
  validBytes: number; // bytes of the well-formed prefix: truncate here before appending
  needsNewline: boolean; // the last record is complete but its newline is missing: append '\n' first
}

function isRunRecord(v: unknown): v is RunRecord {
  if (v === null || typeof v !== 'object') return false;
  const r = v as Record<string, unknown>;
  return typeof r['model'] === 'string' && typeof r['round'] === 'number' && typeof r['testAccuracy'] === 'number' && Array.isArray(r['metrics']);
}

// parses runs.jsonl text; a last line that does not parse (or lacks its newline and does not
// parse) is torn and skipped
export function parseRuns(text: string): RunsFile {
  const runs: RunRecord[] = [];
  const rejected: RejectedLine[] = [];
  let pos = 0;
  let lineNo = 0;
  let validBytes = 0;
  while (pos < text.length) {
    const nl = text.indexOf('\n', pos);
    const end = nl === -1 ? text.length : nl;
    const line = text.slice(pos, end);
    const last = nl === -1 || nl === text.length - 1;
    lineNo++;
    pos = end + 1;
    if (line.trim() === '') {
      if (nl !== -1) validBytes = Buffer.byteLength(text.slice(0, pos));
      continue;
    }
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      if (last) return { runs, rejected, tornLastLine: true, validBytes, needsNewline: false };
      rejected.push({ line: lineNo, text: line, reason: 'not valid JSON' });
      validBytes = Buffer.byteLength(text.slice(0, pos));
      continue;
    }
    if (!isRunRecord(v)) {
      if (last && nl === -1) return { runs, rejected, tornLastLine: true, validBytes, needsNewline: false };
      rejected.push({ line: lineNo, text: line, reason: 'not a run record (needs model, round, testAccuracy, metrics)' });
      validBytes = Buffer.byteLength(text.slice(0, pos));
      continue;
    }
    runs.push(v);
    if (nl === -1) {
      // complete record, no newline: the writer died between the object and its newline
      return { runs, rejected, tornLastLine: false, validBytes: Buffer.byteLength(text), needsNewline: true };
    }
    validBytes = Buffer.byteLength(text.slice(0, pos));
  }
  return { runs, rejected, tornLastLine: false, validBytes, needsNewline: false };
}

// runs.jsonl (or a shard's runs file) of a study directory; empty when the file does not exist
export function readRunsFile(dir: string, file = RUNS_FILE): RunsFile {
  const path = join(dir, file);
  if (!existsSync(path)) return { runs: [], rejected: [], tornLastLine: false, validBytes: 0, needsNewline: false };
  return parseRuns(readText(path));
}

// 'line 3 (not valid JSON), line 7 (not a run record ...)'
export function rejectedText(rejected: readonly RejectedLine[]): string {
  return rejected.map((r) => `line ${r.line} (${r.reason})`).join(', ');
}

// every finished run in the study directory ([] when there is no runs.jsonl yet); a damaged line is an error
export function readRuns(dir: string): RunRecord[] {
  const rf = readRunsFile(dir);
  if (rf.rejected.length > 0) {
    const path = join(dir, RUNS_FILE);
    throw new PairbenchError('damaged_runs', `${path}: ${rejectedText(rf.rejected)} cannot be read; resuming the study moves ${rf.rejected.length === 1 ? 'it' : 'them'} to ${REJECTED_FILE} and trains ${rf.rejected.length === 1 ? 'that run' : 'those runs'} again`, { path, lines: rf.rejected.map((r) => r.line) });
  }
  return rf.runs;
}

// mkdir -p one level at a time: node's recursive mkdir spins forever on a path under /proc or a
// dangling symlink (ENOENT for a child of an existing parent), so it is not used
export function ensureDir(dir: string): void {
  const abs = resolve(dir);
  const missing: string[] = [];
  let p = abs;
  while (!existsSync(p)) {
    missing.push(p);
    const up = dirname(p);
    if (up === p) break;
    p = up;
  }
  if (missing.length === 0 && !statSync(abs).isDirectory()) {
    throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${abs}'`), { code: 'ENOTDIR' });
  }
  for (const m of missing.reverse()) {
    try {
      mkdirSync(m);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}

// a whole file or none: written beside the target, then renamed over it (readers never see half)
export function writeFileAtomic(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}
