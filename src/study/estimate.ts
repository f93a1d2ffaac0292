// how long a plan of runs will take: each model's seconds per epoch, measured once on this machine
// (three short epochs; the fastest of the last two is kept, the first warms up) and cached per build, scaled to the run's pair counts and summed
// over the workers. Used for the plan printed before a study starts and to weight its ETA.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { availableParallelism, cpus, homedir } from 'node:os';
import { join } from 'node:path';
import { nativeAddonPath } from '../backend/native/index.js';
import { getBackend } from '../backend/select.js';
import type { MnistDataset } from '../data/types.js';
import { PairbenchError } from '../errors.js';
import { writeFileAtomic } from './files.js';
import { executeJob, jobEpochs, jobSpec, type RunJob } from './job.js';
import type { RunRecord } from '../train/types.js';
import { pairbenchVersion } from './version.js';

// the measurement: 3 epochs on MEASURE_PAIRS training and test pairs
const MEASURE_PAIRS = 200;
// evaluating a pair costs about a third of training on it (a forward pass, no backward)
const EVAL_SHARE = 1 / 3;
// plans smaller than this many pair-epochs are not measured (they take seconds)
export const ESTIMATE_FROM_PAIR_EPOCHS = 100_000;

// what the cost of a run depends on beyond its size: the model (a variant: its hyperparameters; a
// grid combination: the size of its network)
export function costKey(job: RunJob): string {
  if (job.grid !== undefined) return `${job.model}|p${jobSpec(job).params}`;
  return job.variant === undefined ? job.model : `${job.model}|${JSON.stringify(job.variant)}`;
}

// training pairs and test pairs of one epoch of the job, in units of the measurement's
function sizeFactor(job: RunJob): number {
  const train = job.trainPairs ?? 1000;
  const test = job.testPairs ?? 1000;
  return (train + EVAL_SHARE * test) / (MEASURE_PAIRS * (1 + EVAL_SHARE));
}

function cacheFile(): string {
  const dir = process.env['PAIRBENCH_CACHE_DIR'] ?? join(process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'pairbench');
  return join(dir, 'model-cost.json');
}

// one machine's and build's costs: seconds per measured epoch, by cost key. A rebuilt native addon
// (faster kernels) measures anew: costs cached for another build would misstate every estimate
export function machineKey(): string {
  const backend = getBackend().name;
  return `${cpus()[0]?.model ?? 'cpu'} x${availableParallelism()} ${backend} pairbench ${pairbenchVersion()}${backend === 'native' ? addonBuildId() : ''}`;
}

function addonBuildId(): string {
  try {
    return ` addon ${createHash('sha256').update(readFileSync(nativeAddonPath())).digest('hex').slice(0, 12)}`;
  } catch {
    return '';
  }
}

type CostCache = Record<string, Record<string, number>>;

function readCache(): CostCache {
  try {
    const v = JSON.parse(readFileSync(cacheFile(), 'utf8')) as unknown;
    return v !== null && typeof v === 'object' ? (v as CostCache) : {};
  } catch {
    return {};
  }
}

function writeCache(c: CostCache): void {
  const path = cacheFile();
  try {
    const dir = join(path, '..');
    if (!existsSync(dir)) mkdirSync(dir, { recursive: true });
    writeFileAtomic(path, JSON.stringify(c, null, 1) + '\n');
  } catch {
    // a cache that cannot be written only means measuring again next time
  }
}

// seconds per epoch of each cost key at the measurement's size (measured now when not cached)
export function measuredCosts(jobs: readonly RunJob[], data: () => MnistDataset): { costs: Map<string, number>; measured: number; file: string } {
  const cache = readCache();
  const mk = machineKey();
  const mine = cache[mk] ?? {};
  const costs = new Map<string, number>();
  let measured = 0;
  for (const job of jobs) {
    const key = costKey(job);
    if (costs.has(key)) continue;
    let s = mine[key];
    if (s === undefined) {
      const probe: RunJob = { ...job, round: 0, seed: 1, epochs: 3, trainPairs: MEASURE_PAIRS, testPairs: MEASURE_PAIRS, ...(job.grid ? { grid: { ...job.grid, stage: 'final' as const } } : {}) };
      const r = executeJob(probe, data());
      s = Math.min(...r.metrics.slice(1).map((m) => m.seconds));
      mine[key] = s;
      measured++;
    }
    costs.set(key, s);
  }
  if (measured > 0) writeCache({ ...cache, [mk]: mine });
  return { costs, measured, file: cacheFile() };
}

// the estimated seconds of one job from the measured costs
export function jobSeconds(job: RunJob, costs: ReadonlyMap<string, number>): number {
  const perEpoch = costs.get(costKey(job));
  return perEpoch === undefined ? NaN : perEpoch * sizeFactor(job) * jobEpochs(job);
}

export interface PlanEstimate {
  runs: number;
  epochs: number;
  seconds: number | null; // wall clock on `workers` workers; null when not estimated (a small plan)
  measured: number; // models measured now (the rest came from the cache)
  cacheFile: string;
  costs?: (job: RunJob) => number; // estimated seconds per epoch of a job (when estimated)
  observed: number; // finished runs of the study whose real times went into the estimate
}

// the plan's size and, for a plan that is not small, its wall-clock estimate on `workers` workers
// (the work shared evenly, but never faster than its longest run)
export function estimatePlan(jobs: readonly RunJob[], workers: number, data: () => MnistDataset, finished: readonly RunRecord[] = []): PlanEstimate {
  const epochs = jobs.reduce((a, j) => a + jobEpochs(j), 0);
  const pairEpochs = jobs.reduce((a, j) => a + jobEpochs(j) * (j.trainPairs ?? 1000), 0);
  if (jobs.length === 0 || pairEpochs < ESTIMATE_FROM_PAIR_EPOCHS) return { runs: jobs.length, epochs, seconds: null, measured: 0, cacheFile: cacheFile(), observed: 0 };
  const measuredNow = measuredCosts(jobs, data);
  const { measured, file } = measuredNow;
  const costs = blendObserved(measuredNow.costs, finished);
  const each = jobs.map((j) => jobSeconds(j, costs));
  const w = Math.max(1, Math.min(workers, availableParallelism(), jobs.length));
  const total = each.reduce((a, b) => a + b, 0);
  const perEpoch = (job: RunJob): number => jobSeconds(job, costs) / jobEpochs(job);
  return { runs: jobs.length, epochs, seconds: each.reduce((a, b) => Math.max(a, b), total / w), measured, cacheFile: file, costs: perEpoch, observed: finished.length };
}

// a resumed study knows its models' real speed (under its workers' load): a model with finished
// runs costs what they took; the others their measured cost, scaled as the finished models' were
function blendObserved(measured: ReadonlyMap<string, number>, finished: readonly RunRecord[]): Map<string, number> {
  const seen = new Map<string, { seconds: number; n: number }>();
  for (const r of finished) {
    const job = { model: r.model, round: r.round, seed: r.seed, epochs: r.epochs, batchSize: null, trainPairs: r.trainPairs ?? 1000, testPairs: (r.testPairs ?? 1000) + (r.validationPairs ?? 0), ...((r as { grid?: RunJob['grid'] }).grid ? { grid: (r as { grid?: RunJob['grid'] }).grid! } : {}) } as RunJob;
    if (!(r.trainSeconds > 0) || !(r.epochs > 0)) continue;
    const key = costKey(job);
    const x = seen.get(key) ?? { seconds: 0, n: 0 };
    seen.set(key, { seconds: x.seconds + r.trainSeconds / r.epochs / sizeFactor(job), n: x.n + 1 });
  }
  const out = new Map(measured);
  if (seen.size === 0) return out;
  const ratios: number[] = [];
  for (const [key, x] of seen) {
    const m = measured.get(key);
    if (m !== undefined && m > 0) ratios.push(x.seconds / x.n / m);
  }
  const scale = ratios.length > 0 ? ratios.reduce((a, b) => a + b, 0) / ratios.length : 1;
  for (const [key, m] of measured) out.set(key, seen.has(key) ? seen.get(key)!.seconds / seen.get(key)!.n : m * scale);
  return out;
}

// jobs estimated above this many seconds need --yes on a terminal
export const CONFIRM_ABOVE_SECONDS = 3600;

// the plan as one line: 'plan: 2,400 runs, 240,000 epochs; estimated 26 h on 2 workers (...)'
export function planText(e: PlanEstimate, workers: number, what = 'plan'): string {
  const n = (k: number, word: string): string => `${k.toLocaleString('en-US')} ${word}${k === 1 ? '' : 's'}`;
  const head = `${what}: ${n(e.runs, 'run')} to train, ${n(e.epochs, 'epoch')} in all`;
  if (e.seconds === null) return head;
  const src0 = e.measured > 0 ? `each model's cost measured now on this machine (${n(e.measured, 'model')}), cached in ${e.cacheFile}` : `each model's cost as measured on this machine before (${e.cacheFile})`;
  const src = e.observed > 0 ? `the times of ${n(e.observed, 'finished run')}, and ${src0}` : src0;
  return `${head}; estimated ${durationText(e.seconds)} on ${n(workers, 'worker')} (${src})`;
}

// a plan over an hour needs --yes when a person is at the terminal; scripts and pipes go ahead
export function checkConfirmed(e: PlanEstimate, o: { yes: boolean; interactive: boolean }): void {
  if (e.seconds === null || e.seconds <= CONFIRM_ABOVE_SECONDS || o.yes || !o.interactive) return;
  throw new PairbenchError('needs_confirmation', `this plan is estimated at ${durationText(e.seconds)}: add --yes to start it (or fewer --rounds / --epochs)`, { seconds: e.seconds, runs: e.runs });
}

// '3 h 20 min', '12 min', '40 s'
export function durationText(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  if (seconds < 60) return `${Math.max(1, Math.round(seconds))} s`;
  const m = Math.round(seconds / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h${m % 60 > 0 ? ` ${m % 60} min` : ''}`;
  return `${(seconds / 86400).toFixed(1)} days`;
}
