// pairbench study | start | reproduce | grid | report: build the configuration, run the stages,
// print the summary table and the study page path
import { backendReason } from '../backend/select.js';
import { dirname, resolve } from 'node:path';
import { PairbenchError } from '../errors.js';
import { checkBaseline, checkModelIds, readStudyFile, resolveModelEntries, type ModelEntry, type StudyFile } from '../study/config.js';
import { readMeta, readRunsFile, rejectedText } from '../study/files.js';
import { loadMnist } from '../data/mnist.js';
import { checkConfirmed, estimatePlan, planText } from '../study/estimate.js';
import { costliestCombo, finalJobs, gridConfig, gridReport, gridSettings, gridText, gridWinners, searchJobs, winnerDescriptions, writeGridFiles, comboText, type GridOptions } from '../study/grid.js';
import { runKey, type StudyRecord } from '../study/job.js';
import { studyJobs } from '../study/plan.js';
import { reportIds, reproducePlan } from '../study/reproduce.js';
import { checkStudyDir, defaultWorkers, readFinishedRuns, runStage, unfinishedJobs, type StageResult, type StudyRequest } from '../study/runner.js';
import { shardJobs, shardRunsFile } from '../study/shard.js';
import type { FinishOptions } from '../report/finish.js';
import { clock } from '../study/progress.js';
import type { StudyConfig, StudyKind } from '../study/types.js';
import { startReport } from '../models/registry.js';

import { plural } from './format.js';
import { expandReports } from './options.js';
import { Stopped } from './stopped.js';
import { bestCheckpointLine, withCheckpoints } from './save.js';
import { checkDistribute, distributed, type DistributeFlags } from './distribute.js';

const say = (s = ''): void => {
  process.stdout.write(s + '\n');
};

function shellQuote(a: string): string {
  return /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}

// printed last when a study was stopped: what is kept and the command that resumes it
function stoppedMessage(r: StageResult): void {
  const done = new Set(r.records.map(runKey)).size;
  say('');
  const inFlight = queued ? 'the queued runs stay with the workers, and the same command collects them' : 'the runs in flight were dropped';
  say(`stopped: ${done} finished run${done === 1 ? '' : 's'} kept in ${resolve(r.dir, 'runs.jsonl')}; ${inFlight}.`);
  say(`resume with the same command: pairbench ${process.argv.slice(2).map(shellQuote).join(' ')}`);
}

let queued = false; // this command's runs go through a queue (--queue)

async function stage(req: StudyRequest, d: DistributeFlags = {}): Promise<StageResult> {
  const t0 = performance.now();
  queued = d.queue !== undefined;
  const r = await runStage(await distributed(req, d, say));
  const by = d.queue !== undefined ? 'queue workers' : `${req.config.workers} worker${req.config.workers === 1 ? '' : 's'}`;
  if (r.trainedNow > 0) say(`${r.trainedNow} run${r.trainedNow === 1 ? '' : 's'} trained in ${clock((performance.now() - t0) / 1000)} (${by})`);
  else if (!r.stopped) say(`${r.dir}: ${req.jobs.length === 1 ? 'the planned run was' : `all ${req.jobs.length} planned runs were`} already finished`);
  return r;
}

// a shard writes no summary: the study is whole only once the shards are merged
function shardDone(r: StageResult, d: DistributeFlags): void {
  say(`shard ${d.shard} of ${r.dir}: ${r.trainedNow + r.skipped} runs finished; once every shard has: pairbench merge ${shellQuote(r.dir)}`);
}

async function finish(r: StageResult, o: FinishOptions, extra: string[] = []): Promise<string> {
  const f = (await import('../report/finish.js')).finishStudy(r.dir, r.meta, r.records, o); // echarts and stdlib load only here
  say('');
  say(f.table);
  for (const l of extra) say(l);
  say('');
  say(`summary: ${f.files.md} (also .json, .csv)`);
  say(`study page: ${f.page}`);
  return f.page;
}

export interface StudyFlags {
  config?: string;
  models?: string[];
  rounds?: number;
  epochs?: number;
  seed?: number;
  workers?: number;
  out?: string;
  baseline?: string;
  batchSize?: number;
  trainPairs?: number;
  testPairs?: number;
  mnistDir?: string;
  force?: boolean;
  name?: string;
  save?: boolean; // keep every run's checkpoint in <study>/checkpoints
  queue?: string;
  shard?: string;
  yes?: boolean;
}

// a config's models: a report name stands for its models; a variant ({id, as, set}) stays as it is
function expandReportEntries(entries: readonly ModelEntry[]): ModelEntry[] {
  return entries.flatMap((e): ModelEntry[] => (typeof e === 'string' ? expandReports([e]) : [e]));
}

// flags override the file, the file overrides the defaults
export function studyConfigFrom(flags: StudyFlags): { config: StudyConfig; out: string; name: string | undefined; mnistDir: string | undefined } {
  const file: StudyFile = flags.config !== undefined ? readStudyFile(flags.config) : {};
  const entries = flags.models ?? (file.models !== undefined ? expandReportEntries(file.models) : undefined);
  if (entries === undefined) {
    throw new PairbenchError('bad_config', 'no models: give --models id,id,... or a config file with "models" (pairbench models lists the ids)', { field: 'models' });
  }
  const { models, variants } = resolveModelEntries(entries);
  checkModelIds(models, variants);
  const baseline = flags.baseline ?? file.baseline;
  checkBaseline(baseline, models);
  const trainPairs = flags.trainPairs ?? file.trainPairs;
  const testPairs = flags.testPairs ?? file.testPairs;
  const config: StudyConfig = {
    models,
    rounds: flags.rounds ?? (file.rounds === 'recipe' ? null : (file.rounds ?? 10)),
    epochs: flags.epochs ?? file.epochs ?? null,
    seed: flags.seed ?? file.seed ?? 1,
    workers: flags.workers ?? file.workers ?? defaultWorkers(),
    batchSize: flags.batchSize ?? file.batchSize ?? null,
    ...(baseline !== undefined ? { baseline } : {}),
    ...(trainPairs !== undefined ? { trainPairs } : {}),
    ...(testPairs !== undefined ? { testPairs } : {}),
    ...(Object.keys(variants).length > 0 ? { variants } : {}),
  };
  const name = flags.name ?? file.name;
  // paths in a config file are relative to the file
  const fromFile = (p: string | undefined): string | undefined => (p === undefined || flags.config === undefined ? p : resolve(dirname(flags.config), p));
  return { config, out: flags.out ?? fromFile(file.out) ?? `studies/${name ?? 'study'}`, name, mnistDir: flags.mnistDir ?? fromFile(file.mnistDir) };
}

async function runPlainStudy(kind: StudyKind, c: ReturnType<typeof studyConfigFrom>, force: boolean, notes: string[] = [], yes = false, d: DistributeFlags = {}, save = false): Promise<void> {
  checkDistribute(d, 'study');
  if (save && d.queue !== undefined) throw new PairbenchError('bad_argument', '--save with --queue: queue workers would write the checkpoints on their own machines; train with local workers to keep them', { field: '--save' });
  checkStudyDir(c.out, kind, c.config, force); // conflicts and unusable directories before anything is printed
  const jobs = save ? withCheckpoints(c.out, studyJobs(c.config), say) : studyJobs(c.config);
  const req: StudyRequest = { dir: c.out, kind, config: c.config, jobs, force, mnistDir: c.mnistDir, yes, ...(c.name !== undefined ? { name: c.name } : {}) };
  const e = c.config.epochs === null ? "each model's recipe epochs" : `${c.config.epochs} epoch${c.config.epochs === 1 ? '' : 's'}`;
  say(`study ${resolve(c.out)}: ${plural(c.config.models.length, 'model')} x ${c.config.rounds === null ? "each recipe's rounds" : plural(c.config.rounds, 'round')} = ${plural(req.jobs.length, 'run')}, ${e}, seed ${c.config.seed}, ${d.queue !== undefined ? 'trained by queue workers' : `${c.config.workers} worker${c.config.workers === 1 ? '' : 's'}`}; ${backendReason()}`);
  for (const n of notes) say(n);
  const r = await stage(req, d);
  if (d.shard !== undefined && !r.stopped) return shardDone(r, d);
  await finish(r, { baseline: c.config.baseline }, c.config.epochs !== null ? ['', 'published figures come from the reports\' own protocols (their epochs and rounds), not from this study\'s'] : []);
  if (save) say(bestCheckpointLine(r.dir, r.records.filter((x) => c.config.models.includes(x.model))));
  if (r.stopped) {
    stoppedMessage(r);
    throw new Stopped(130);
  }
}

export async function studyCommand(flags: StudyFlags): Promise<void> {
  const c = studyConfigFrom(flags);
  await runPlainStudy('study', c, flags.force === true, [], flags.yes === true, { ...(flags.queue !== undefined ? { queue: flags.queue } : {}), ...(flags.shard !== undefined ? { shard: flags.shard } : {}) }, flags.save === true);
}

// the headline study: the one a report descriptor marks as `start` (src/models/)
export async function startCommand(flags: { workers?: number; out?: string; mnistDir?: string; force?: boolean }): Promise<void> {
  const report = startReport();
  const h = report.start;
  const c = studyConfigFrom({
    models: report.models().map((m) => m.id),
    rounds: h.rounds,
    epochs: h.epochs,
    seed: h.seed,
    baseline: h.baseline,
    out: flags.out ?? h.out,
    name: h.name,
    ...(flags.workers !== undefined ? { workers: flags.workers } : {}),
    ...(flags.mnistDir !== undefined ? { mnistDir: flags.mnistDir } : {}),
  });
  await runPlainStudy('study', c, flags.force === true, h.lines, true);
}

export interface ReproduceFlags {
  rounds?: number;
  epochs?: number;
  seed?: number;
  workers?: number;
  out?: string;
  trainPairs?: number;
  testPairs?: number;
  mnistDir?: string;
  force?: boolean;
  queue?: string;
  shard?: string;
  yes?: boolean;
}

export async function reproduceCommand(which: string, flags: ReproduceFlags): Promise<void> {
  const reports = reportIds(which);
  const shard = checkDistribute(flags, 'reproduce');
  const plans = reports.map((report) =>
    reproducePlan(report, {
      rounds: flags.rounds, epochs: flags.epochs, seed: flags.seed ?? 1, workers: flags.workers ?? defaultWorkers(),
      trainPairs: flags.trainPairs, testPairs: flags.testPairs,
    }),
  );
  // one layout: studies/reproduce/<report> for one report or all; --out is the directory of one report, the parent for all
  const base = flags.out ?? 'studies/reproduce';
  const pages: string[] = [];
  let yes = flags.yes === true;
  if (plans.length > 1) {
    // every report's plan first: the whole job is asked for once
    const all = plans.flatMap((p) => {
      const dir = resolve(base, p.report);
      const jobs = shard === null ? studyJobs(p.config) : shardJobs(studyJobs(p.config), shard);
      const resumed = checkStudyDir(dir, 'reproduce', p.config, flags.force === true).existing !== null;
      return resumed ? unfinishedJobs(jobs, readFinishedRuns(dir, shard === null ? undefined : shardRunsFile(shard)).records) : jobs;
    });
    const e = estimatePlan(all, plans[0]!.config.workers, () => loadMnist(flags.mnistDir !== undefined ? { dir: flags.mnistDir } : {}));
    say(planText(e, plans[0]!.config.workers, `all ${plans.length} reports`));
    checkConfirmed(e, { yes, interactive: process.stdin.isTTY === true && process.stdout.isTTY === true });
    yes = true;
  }
  for (const p of plans) {
    const dir = which === 'all' || flags.out === undefined ? resolve(base, p.report) : resolve(base);
    const jobs = studyJobs(p.config);
    checkStudyDir(dir, 'reproduce', p.config, flags.force === true);
    say(`reproduce ${p.report} into ${dir}: ${jobs.length} runs, ${p.config.workers} worker${p.config.workers === 1 ? '' : 's'}; ${backendReason()}`);
    say('the report\'s protocol:');
    for (const l of p.protocol) say(`  - ${l}`);
    const shortNote = p.changes.length > 0 ? `protocol ${p.shortened ? 'SHORTENED' : 'CHANGED'}: ${p.changes.join(', ')}; the comparison with the published figures is indicative only` : null;
    if (shortNote !== null) say(shortNote);
    const r = await stage({ dir, kind: 'reproduce', config: p.config, jobs, force: flags.force === true, mnistDir: flags.mnistDir, name: `reproduce-${p.report}`, yes }, flags);
    if (flags.shard !== undefined && !r.stopped) {
      shardDone(r, flags);
      continue;
    }
    const page = await finish(r, { baseline: p.config.baseline }, shortNote !== null ? ['', shortNote] : ['', 'full protocol: the report\'s epochs and rounds']);
    if (r.stopped) {
      stoppedMessage(r);
      throw new Stopped(130);
    }
    pages.push(`${p.report}: ${page}`);
    say('');
  }
  if (plans.length > 1) {
    say('study pages:');
    for (const l of pages) say(`  ${l}`);
  }
}

export interface GridFlags extends Omit<GridOptions, 'seed' | 'workers' | 'axes'> {
  [axisFlag: string]: unknown; // --hidden, --lrs, --lambdas...: the report's grid axes
  seed?: number;
  workers?: number;
  out?: string;
  mnistDir?: string;
  force?: boolean;
  queue?: string;
  shard?: string;
  yes?: boolean;
}

export async function gridCommand(flags: GridFlags): Promise<void> {
  const { out, mnistDir, force, seed, workers, yes, queue, shard, report, models, k, rounds, epochs, batchSize, trainPairs, testPairs } = flags;
  if (shard !== undefined) throw new PairbenchError('bad_argument', 'grid: --shard is not supported (the final rounds depend on every search run); spread a grid with --queue', { field: '--shard' });
  const d: DistributeFlags = queue !== undefined ? { queue } : {};
  const space = gridReport(report).grid;
  const axes = Object.fromEntries(space.axes.map((a) => [a.flag, flags[a.flag] as number[] | undefined]));
  const config = gridConfig({ report, models, k, rounds, epochs, batchSize, trainPairs, testPairs, axes, seed: seed ?? 1, workers: workers ?? defaultWorkers() });
  const dir = resolve(out ?? 'studies/grid');
  const search = searchJobs(config);
  checkStudyDir(dir, 'grid', config, force === true);
  const g = gridSettings(config);
  const pct = Math.round(g.validationFraction * 100);
  say(`grid search (${config.report}'s protocol) into ${dir}: ${plural(config.models.length, 'model')}, ${plural(search.length, 'search run')} (${g.k} seed${g.k === 1 ? '' : 's'} per combination, ${100 - pct}/${pct} split of the training pairs, selection on the ${pct}% only), then ${plural(config.rounds ?? 0, 'final round')} per model on all training pairs`);
  const base = { dir, kind: 'grid' as const, config, force: force === true, mnistDir, name: 'grid' };
  // the final rounds counted in the plan with each model's largest value of every axis (the winners are not known yet)
  const laterJobs = finalJobs(config, config.models.map((model) => ({ model, best: costliestCombo(model, g), complete: true, scores: [] })));
  const s1 = await stage({ ...base, jobs: search, laterJobs, yes: yes === true }, d);
  if (s1.stopped) {
    await finish(s1, { filter: (x: StudyRecord) => x.grid?.stage === 'final' });
    stoppedMessage(s1);
    throw new Stopped(130);
  }
  const winners = gridWinners(config, s1.records);
  const gridJson = writeGridFiles(s1.dir, config, winners);
  say('');
  say(gridText(winners));
  say(`grid results: ${gridJson} (and grid.md)`);
  say('');
  const finals = finalJobs(config, winners);
  say(`final rounds: ${plural(finals.length, 'run')} (${winners.map((w) => `${w.model.slice(config.report!.length + 1)}: ${w.best === null ? 'no winner' : comboText(w.best, w.model)}`).join('; ')})`);
  const s2 = await stage({ ...base, force: false, jobs: finals, yes: true }, d);
  await finish(s2, { baseline: config.baseline, models: winnerDescriptions(winners), filter: (r: StudyRecord) => r.grid?.stage === 'final' }, ['', 'final rounds with each model\'s grid winner, trained on all training pairs; the search runs are in runs.jsonl (grid.stage = "search")']);
  if (s2.stopped) {
    stoppedMessage(s2);
    throw new Stopped(130);
  }
}

// re-render summary.* and index.html from a study directory
export async function reportCommand(dir: string): Promise<void> {
  const meta = readMeta(dir);
  const rf = readRunsFile(dir);
  if (rf.tornLastLine) say(`note: ${resolve(dir, 'runs.jsonl')} ends in an incomplete line (a killed run); it is skipped`);
  if (rf.rejected.length > 0) say(`note: skipped ${rejectedText(rf.rejected)} of ${resolve(dir, 'runs.jsonl')}; resuming the study moves them to runs.rejected.jsonl and trains those runs again`);
  const isGrid = meta.kind === 'grid';
  const winners = isGrid ? gridWinners(meta.config, rf.runs as StudyRecord[]) : null;
  if (winners !== null) say(gridText(winners));
  const r: StageResult = { dir: resolve(dir), meta, records: rf.runs as StudyRecord[], stopped: false, trainedNow: 0, skipped: 0 };
  await finish(r, winners !== null ? { filter: (x: StudyRecord) => x.grid?.stage === 'final', models: winnerDescriptions(winners) } : {});
}
