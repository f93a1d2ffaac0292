// a study in a directory: plan -> study.json -> runs in worker threads, each finished run appended to
// runs.jsonl as one line (then src/report/finish.ts writes the summary and the page). Rerunning the
// same directory resumes (finished runs matched by model + round + seed are skipped); a different study there is
// refused unless forced. Ctrl-C (SIGINT/SIGTERM) stops the workers and leaves every written line whole.
import { accessSync, appendFileSync, constants, existsSync, readFileSync, renameSync, statSync, truncateSync } from 'node:fs';
import { availableParallelism, cpus, release, platform, arch } from 'node:os';
import { join, resolve } from 'node:path';
import { backendReason } from '../backend/select.js';
import { loadMnist, resolveMnistDir, toShared } from '../data/mnist.js';
import type { MnistDataset } from '../data/types.js';
import { PairbenchError } from '../errors.js';
import { ensureDir, readMetaIfPresent, readRunsFile, REJECTED_FILE, rejectedText, RUNS_FILE, STUDY_FILE, writeFileAtomic, type RejectedLine, type RunsFile } from './files.js';
import { jobEpochs, runKey, type RunJob, type StudyRecord } from './job.js';
import { holdStudyLock, releaseStudyLock } from './lock.js';
import { runPool, type PoolCallbacks, type PoolHandle } from './pool.js';
import type { SharedMnistDescriptor } from '../data/mnist.js';
import { makeProgress, type Progress } from './progress.js';
import { configDifferences } from './config.js';
import { checkConfirmed, estimatePlan, planText } from './estimate.js';
import { pairbenchVersion } from './version.js';
import type { PlannedRun, StudyConfig, StudyEnvironment, StudyKind, StudyMeta } from './types.js';

export function defaultWorkers(): number {
  return Math.max(1, availableParallelism());
}

export { pairbenchVersion };

export function environment(): StudyEnvironment {
  return {
    node: process.version,
    pairbench: pairbenchVersion(),
    os: `${platform()} ${release()} ${arch()}`,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: availableParallelism(),
    backend: backendReason(),
    created: new Date().toISOString(),
  };
}

export function plannedRun(job: RunJob): PlannedRun & { grid?: RunJob['grid'] } {
  return { model: job.model, round: job.round, seed: job.seed, epochs: jobEpochs(job), ...(job.grid !== undefined ? { grid: job.grid } : {}) };
}

function ioError(what: string, path: string, e: unknown): PairbenchError {
  const err = e as NodeJS.ErrnoException;
  const why = err.code === 'ENOTDIR' ? 'a parent is not a directory' : err.code === 'EACCES' || err.code === 'EPERM' ? 'permission denied' : err.code === 'EROFS' ? 'read-only file system' : err.message;
  return new PairbenchError('io_error', `${what} ${path}: ${why}`, { path, code: err.code });
}

export interface StudyDirState {
  dir: string;
  existing: StudyMeta | null;
}

// the runs files a stage reads: runs.jsonl and, for a shard, its own file beside it
function stageRunsFiles(runsFile: string | undefined): string[] {
  return runsFile === undefined || runsFile === RUNS_FILE ? [RUNS_FILE] : [RUNS_FILE, runsFile];
}

// read-only checks before anything is written: the directory is usable and holds no other study
// (runsFile: a shard's own file, checked beside runs.jsonl)
export function checkStudyDir(dir: string, kind: StudyKind, config: StudyConfig, force: boolean, runsFile?: string): StudyDirState {
  const abs = resolve(dir);
  if (existsSync(abs)) {
    let st;
    try {
      st = statSync(abs);
    } catch (e) {
      throw ioError('cannot use study directory', abs, e);
    }
    if (!st.isDirectory()) throw new PairbenchError('io_error', `cannot use study directory ${abs}: it is a file, not a directory`, { path: abs });
    try {
      accessSync(abs, constants.W_OK);
    } catch (e) {
      throw ioError('cannot write to study directory', abs, e);
    }
    const meta = readMetaIfPresent(abs);
    if (meta === null) {
      for (const file of stageRunsFiles(runsFile)) {
        if (existsSync(join(abs, file)) && !force) {
          throw new PairbenchError('study_conflict', `${abs} holds a ${file} but no ${STUDY_FILE}: not a study this command can resume; use another --out, or --force to replace it`, { path: abs });
        }
      }
      return { dir: abs, existing: null };
    }
    const diffs = configDifferences(meta, kind, config);
    if (diffs.length > 0 && !force) {
      throw new PairbenchError(
        'study_conflict',
        `${abs} holds a different study (${diffs.join('; ')}); use another --out, or add --force to replace it`,
        { path: abs, differences: diffs },
      );
    }
    return { dir: abs, existing: diffs.length > 0 ? null : meta };
  }
  // does not exist yet: the nearest existing ancestor must be a writable directory
  let p = abs;
  for (;;) {
    const parent = resolve(p, '..');
    if (existsSync(parent) || parent === p) {
      try {
        const st = statSync(parent);
        if (!st.isDirectory()) throw new PairbenchError('io_error', `cannot create study directory ${abs}: ${parent} is a file, not a directory`, { path: abs });
        accessSync(parent, constants.W_OK);
      } catch (e) {
        if (e instanceof PairbenchError) throw e;
        throw ioError('cannot create study directory', abs, e);
      }
      return { dir: abs, existing: null };
    }
    p = parent;
  }
}

export interface StudyRequest {
  dir: string;
  name?: string;
  kind: StudyKind;
  config: StudyConfig;
  jobs: RunJob[]; // every planned run of this stage
  force: boolean;
  mnistDir?: string | undefined;
  progress?: Progress;
  log?: (line: string) => void;
  executor?: RunExecutor; // who trains the runs (default: worker threads here; --queue: workers anywhere)
  runsFile?: string; // where this process appends (default runs.jsonl; a --shard its own file)
  only?: (job: RunJob) => boolean; // the planned runs this process trains (a --shard: every N-th); default all
  laterJobs?: RunJob[]; // runs of a later stage (the grid's final rounds), counted in the plan printed first
  yes?: boolean; // start a plan estimated over an hour without asking (needed on a terminal)
  interactive?: boolean; // a person at a terminal (default: stdin and stdout are TTYs)
}

// runPool's shape: trains the jobs, hands each record to cb.onDone on this thread (mnist: loaded when called)
export type RunExecutor = (jobs: readonly RunJob[], workers: number, mnist: () => SharedMnistDescriptor, cb: PoolCallbacks) => PoolHandle;

const localExecutor: RunExecutor = (jobs, workers, mnist, cb) => runPool(jobs, workers, mnist(), cb);

export interface StageResult {
  dir: string;
  meta: StudyMeta;
  records: StudyRecord[]; // every finished run in the directory (this stage and earlier)
  stopped: boolean;
  trainedNow: number;
  skipped: number;
}

// damaged lines: appended to runs.rejected.jsonl (kept there, as they were) before runs.jsonl is
// rewritten without them, so a kill in between loses nothing
function moveRejected(dir: string, file: string, rejected: readonly RejectedLine[]): string {
  const path = join(dir, file);
  const aside = file === RUNS_FILE ? REJECTED_FILE : `${file.replace(/\.jsonl$/, '')}.rejected.jsonl`;
  appendFileSync(join(dir, aside), rejected.map((r) => r.text + '\n').join(''));
  const drop = new Set(rejected.map((r) => r.line));
  const lines = readFileSync(path, 'utf8').split('\n');
  writeFileAtomic(path, lines.filter((_, i) => !drop.has(i + 1)).join('\n'));
  return aside;
}

// repairs what a read of runs.jsonl (or a shard's file) found: damaged lines moved aside, a torn
// tail (a kill mid-append) cut, a missing last newline added
function repairRunsFile(dir: string, file: string, read: RunsFile, log: (s: string) => void): void {
  const path = join(dir, file);
  let rf = read;
  if (rf.rejected.length > 0) {
    const aside = moveRejected(dir, file, rf.rejected);
    log(`moved ${rf.rejected.length} unreadable line${rf.rejected.length === 1 ? '' : 's'} of ${path} to ${aside}: ${rejectedText(rf.rejected)}; ${rf.rejected.length === 1 ? 'its run' : 'their runs'} will be trained again`);
    rf = readRunsFile(dir, file); // the file was rewritten: the torn tail's offset moved
  }
  if (rf.tornLastLine) {
    truncateSync(path, rf.validBytes);
    log(`repaired ${path}: dropped an incomplete last line (a run killed mid-write; it will be rerun)`);
  } else if (rf.needsNewline) {
    appendFileSync(path, '\n');
  }
}

// repairs a torn tail of runs.jsonl (a kill mid-append) and returns the finished records
export function repairRuns(dir: string, log: (s: string) => void, file = RUNS_FILE): StudyRecord[] {
  const rf = readRunsFile(dir, file);
  repairRunsFile(dir, file, rf, log);
  return rf.runs as StudyRecord[];
}

// the finished runs a stage can skip: runs.jsonl and, for a shard, its own file (read as they are)
interface FinishedRuns {
  records: StudyRecord[];
  files: { file: string; read: RunsFile }[];
}

export function readFinishedRuns(dir: string, runsFile?: string): FinishedRuns {
  const files = stageRunsFiles(runsFile).map((file) => ({ file, read: readRunsFile(dir, file) }));
  return { records: files.flatMap((f) => f.read.runs as StudyRecord[]), files };
}

// the planned runs that have no finished record: what a stage trains, and what its plan counts
export function unfinishedJobs(jobs: readonly RunJob[], finished: readonly StudyRecord[]): RunJob[] {
  const have = new Set(finished.map((r) => runKey(r)));
  return jobs.filter((j) => !have.has(runKey(j)));
}

function mergePlanned(a: readonly PlannedRun[], b: readonly PlannedRun[]): PlannedRun[] {
  const seen = new Set(a.map((r) => runKey(r as PlannedRun & { grid?: RunJob['grid'] })));
  return [...a, ...b.filter((r) => !seen.has(runKey(r as PlannedRun & { grid?: RunJob['grid'] })))];
}

// runs every planned job not yet in runs.jsonl; returns when all are done, or when stopped by a signal
export async function runStage(req: StudyRequest): Promise<StageResult> {
  const log = req.log ?? ((s: string) => process.stdout.write(s + '\n'));
  const state = checkStudyDir(req.dir, req.kind, req.config, req.force, req.runsFile);
  const dir = state.dir;
  // the data first: a bad MNIST directory fails before anything is written. Runs trained elsewhere
  // (--queue) need it here only to measure a model's cost for the estimate.
  const mnistOpts = req.mnistDir !== undefined ? { dir: req.mnistDir } : {};
  if (req.executor === undefined) loadMnist(mnistOpts);
  const data = (): MnistDataset => loadMnist(mnistOpts); // loaded once: loadMnist keeps it by directory
  const mnistDir = resolveMnistDir(mnistOpts).dir;
  const planned = req.jobs.map(plannedRun);
  const lockName = req.runsFile === undefined ? '' : req.runsFile.replace(/\.jsonl$/, '');

  // an existing study is locked before its runs are read: the plan counts what is really left
  // (a shard's own file included), and no other process appends meanwhile
  if (state.existing !== null) await holdStudyLock(dir, lockName);
  const finished = state.existing !== null ? readFinishedRuns(dir, req.runsFile) : { records: [], files: [] };
  const records = finished.records;
  const mine = req.only === undefined ? req.jobs : req.jobs.filter(req.only);
  const todo = unfinishedJobs(mine, records);
  const skipped = mine.length - todo.length;

  // the plan and its estimate, before anything is written: a day-long job asks for --yes first
  const estimate = estimatePlan([...todo, ...(req.laterJobs ?? [])], req.config.workers, data, records);
  if (todo.length > 0) log(planText(estimate, req.config.workers, req.laterJobs?.length ? 'plan (this stage and the next)' : 'plan'));
  try {
    checkConfirmed(estimate, { yes: req.yes === true, interactive: req.interactive ?? (process.stdin.isTTY === true && process.stdout.isTTY === true) });
  } catch (e) {
    await releaseStudyLock(dir, lockName);
    throw e;
  }

  try {
    ensureDir(dir);
  } catch (e) {
    throw ioError('cannot create study directory', dir, e);
  }
  await holdStudyLock(dir, lockName);
  let meta: StudyMeta;
  if (state.existing === null) {
    // --force over another study: its runs files are kept aside, not counted
    for (const file of stageRunsFiles(req.runsFile)) {
      const runsPath = join(dir, file);
      if (!existsSync(runsPath)) continue;
      const kept = `${runsPath}.replaced-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      renameSync(runsPath, kept);
      log(`--force: the previous study's runs were moved to ${kept}`);
    }
    const config: StudyConfig = { ...req.config, mnistDir };
    meta = { name: req.name ?? (dir.split(/[\\/]/).pop() || 'study'), kind: req.kind, config, runs: planned, environment: environment() };
    writeFileAtomic(join(dir, STUDY_FILE), JSON.stringify(meta, null, 2) + '\n');
  } else {
    meta = state.existing;
    const merged = mergePlanned(meta.runs, planned);
    // a resume keeps what the study was created with: its worker count and MNIST directory
    const config: StudyConfig = { ...meta.config, ...req.config, workers: meta.config.workers };
    if (meta.config.mnistDir !== undefined) config.mnistDir = meta.config.mnistDir;
    else delete config.mnistDir;
    const cfgChanged = JSON.stringify(meta.config) !== JSON.stringify(config);
    if (merged.length !== meta.runs.length || cfgChanged) {
      meta = { ...meta, config, runs: merged };
      writeFileAtomic(join(dir, STUDY_FILE), JSON.stringify(meta, null, 2) + '\n');
    }
  }
  for (const f of finished.files) repairRunsFile(dir, f.file, f.read, log);

  if (todo.length === 0) return { dir, meta, records, stopped: false, trainedNow: 0, skipped };
  if (skipped > 0) log(`resuming ${dir}: ${skipped} of ${mine.length} run${mine.length === 1 ? '' : 's'} already finished, ${todo.length} to go`);

  const workers = Math.max(1, Math.min(req.config.workers, todo.length));
  const cores = availableParallelism();
  if (req.config.workers > cores) log(`note: ${req.config.workers} workers on ${cores} core${cores === 1 ? '' : 's'}: they share the cores, no faster than ${cores} (each worker also holds its own engine in memory)`);
  const progress = req.progress ?? makeProgress();
  const runsPath = join(dir, req.runsFile ?? RUNS_FILE);
  const epochsOf = new Map<RunJob, number>(todo.map((j) => [j, jobEpochs(j)]));
  let trained = 0;
  progress.begin(todo.map((job) => ({ job, epochs: epochsOf.get(job) ?? 1 })), skipped, workers, estimate.costs);
  const handle = (req.executor ?? localExecutor)(todo, workers, () => toShared(data()), {
    onStart: (job, w) => progress.runStart(job, epochsOf.get(job) ?? 1, w),
    onEpoch: (job, e, acc, w) => progress.epoch(job, e, acc, w),
    onDone: (job, record, w) => {
      // one complete line per finished run, in one write: a kill leaves at most a torn last line
      appendFileSync(runsPath, JSON.stringify(record) + '\n');
      records.push(record);
      trained++;
      progress.runDone(job, record, w);
    },
  });

  let signalled = false;
  const onSignal = (sig: NodeJS.Signals): void => {
    if (signalled) {
      process.exit(sig === 'SIGINT' ? 130 : 143);
    }
    signalled = true;
    void handle.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const { stopped } = await handle.done;
    return { dir, meta, records, stopped: stopped || signalled, trainedNow: trained, skipped };
  } finally {
    progress.end();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
