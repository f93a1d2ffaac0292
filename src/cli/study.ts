// pairbench study | start | reproduce | grid | report: build the configuration, run the stages,
// print the summary table and the study page path
import { backendReason } from '../backend/select.js';
import { resolve } from 'node:path';
import { PairbenchError } from '../errors.js';
import { checkBaseline, checkModelIds, readStudyFile, type StudyFile } from '../study/config.js';
import { readMeta, readRunsFile } from '../study/files.js';
import { finalJobs, gridConfig, gridText, gridWinners, searchJobs, winnerDescriptions, writeGridFiles, comboText, type GridOptions } from '../study/grid.js';
import type { StudyRecord } from '../study/job.js';
import { studyJobs } from '../study/plan.js';
import { reportIds, reproducePlan } from '../study/reproduce.js';
import { checkStudyDir, defaultWorkers, finishStudy, runStage, type FinishOptions, type StageResult, type StudyRequest } from '../study/runner.js';
import { clock } from '../study/progress.js';
import type { StudyConfig, StudyKind } from '../study/types.js';
import { modelsOfReport } from '../models/registry.js';

import { Stopped } from './stopped.js';

const say = (s = ''): void => {
  process.stdout.write(s + '\n');
};

function shellQuote(a: string): string {
  return /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}

// printed last when a study was stopped: what is kept and the command that resumes it
function stoppedMessage(r: StageResult): void {
  const done = new Set(r.records.map((x) => `${x.model}|${x.round}|${x.seed}|${x.grid?.stage ?? ''}|${x.grid?.hidden ?? ''}|${x.grid?.lr ?? ''}|${x.grid?.lambda ?? ''}`)).size;
  say('');
  say(`stopped: ${done} finished run${done === 1 ? '' : 's'} kept in ${resolve(r.dir, 'runs.jsonl')}; the runs in flight were dropped.`);
  say(`resume with the same command: pairbench ${process.argv.slice(2).map(shellQuote).join(' ')}`);
}

async function stage(req: StudyRequest): Promise<StageResult> {
  const t0 = performance.now();
  const r = await runStage(req);
  if (r.trainedNow > 0) say(`${r.trainedNow} run${r.trainedNow === 1 ? '' : 's'} trained in ${clock((performance.now() - t0) / 1000)} (${req.config.workers} worker${req.config.workers === 1 ? '' : 's'})`);
  else if (!r.stopped) say(`${r.dir}: all ${req.jobs.length} planned runs were already finished`);
  return r;
}

async function finish(r: StageResult, o: FinishOptions, extra: string[] = []): Promise<string> {
  const f = await finishStudy(r.dir, r.meta, r.records, o);
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
}

// flags override the file, the file overrides the defaults
export function studyConfigFrom(flags: StudyFlags): { config: StudyConfig; out: string; name: string | undefined; mnistDir: string | undefined } {
  const file: StudyFile = flags.config !== undefined ? readStudyFile(flags.config) : {};
  const models = flags.models ?? file.models;
  if (models === undefined) {
    throw new PairbenchError('bad_config', 'no models: give --models id,id,... or a config file with "models" (pairbench models lists the ids)', { field: 'models' });
  }
  checkModelIds(models);
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
  };
  const name = flags.name ?? file.name;
  return { config, out: flags.out ?? file.out ?? `studies/${name ?? 'study'}`, name, mnistDir: flags.mnistDir ?? file.mnistDir };
}

async function runPlainStudy(kind: StudyKind, c: ReturnType<typeof studyConfigFrom>, force: boolean, notes: string[] = []): Promise<void> {
  checkStudyDir(c.out, kind, c.config, force); // conflicts and unusable directories before anything is printed
  const req: StudyRequest = { dir: c.out, kind, config: c.config, jobs: studyJobs(c.config), force, mnistDir: c.mnistDir, ...(c.name !== undefined ? { name: c.name } : {}) };
  const e = c.config.epochs === null ? "each model's recipe epochs" : `${c.config.epochs} epoch${c.config.epochs === 1 ? '' : 's'}`;
  say(`study ${resolve(c.out)}: ${c.config.models.length} model${c.config.models.length === 1 ? '' : 's'} x ${c.config.rounds ?? "each recipe's"} rounds = ${req.jobs.length} runs, ${e}, seed ${c.config.seed}, ${c.config.workers} worker${c.config.workers === 1 ? '' : 's'}; ${backendReason()}`);
  for (const n of notes) say(n);
  const r = await stage(req);
  await finish(r, { baseline: c.config.baseline }, c.config.epochs !== null ? ['', 'published figures come from the reports\' own protocols (their epochs and rounds), not from this study\'s'] : []);
  if (r.stopped) {
    stoppedMessage(r);
    throw new Stopped(130);
  }
}

export async function studyCommand(flags: StudyFlags): Promise<void> {
  const c = studyConfigFrom(flags);
  await runPlainStudy('study', c, flags.force === true);
}

export const HEADLINE = { rounds: 10, epochs: 25, out: 'studies/headline' };

export async function startCommand(flags: { workers?: number; out?: string; mnistDir?: string; force?: boolean }): Promise<void> {
  const models = modelsOfReport('lenet-transfer').map((m) => m.id);
  const c = studyConfigFrom({
    models,
    rounds: HEADLINE.rounds,
    epochs: HEADLINE.epochs,
    seed: 1,
    baseline: 'lenet-transfer/baseline',
    out: flags.out ?? HEADLINE.out,
    name: 'headline',
    ...(flags.workers !== undefined ? { workers: flags.workers } : {}),
    ...(flags.mnistDir !== undefined ? { mnistDir: flags.mnistDir } : {}),
  });
  await runPlainStudy('study', c, flags.force === true, [
    `the headline study: lenet-transfer's six models, ${HEADLINE.rounds} rounds of ${HEADLINE.epochs} epochs each. The report trained 100 epochs over 15 rounds;`,
    "this one is shortened to finish in minutes (pairbench reproduce lenet-transfer runs the report's full protocol).",
  ]);
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
}

export async function reproduceCommand(which: string, flags: ReproduceFlags): Promise<void> {
  const reports = reportIds(which);
  const plans = reports.map((report) =>
    reproducePlan(report, {
      rounds: flags.rounds, epochs: flags.epochs, seed: flags.seed ?? 1, workers: flags.workers ?? defaultWorkers(),
      trainPairs: flags.trainPairs, testPairs: flags.testPairs,
    }),
  );
  const base = flags.out ?? (which === 'all' ? 'studies/reproduce' : `studies/reproduce-${which}`);
  const pages: string[] = [];
  for (const p of plans) {
    const dir = which === 'all' ? resolve(base, p.report) : resolve(base);
    const jobs = studyJobs(p.config);
    checkStudyDir(dir, 'reproduce', p.config, flags.force === true);
    say(`reproduce ${p.report} into ${dir}: ${jobs.length} runs, ${p.config.workers} worker${p.config.workers === 1 ? '' : 's'}; ${backendReason()}`);
    say('the report\'s protocol:');
    for (const l of p.protocol) say(`  - ${l}`);
    const shortNote = p.changes.length > 0 ? `protocol ${p.shortened ? 'SHORTENED' : 'CHANGED'}: ${p.changes.join(', ')}; the comparison with the published figures is indicative only` : null;
    if (shortNote !== null) say(shortNote);
    const r = await stage({ dir, kind: 'reproduce', config: p.config, jobs, force: flags.force === true, mnistDir: flags.mnistDir, name: `reproduce-${p.report}` });
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

export interface GridFlags extends Omit<GridOptions, 'seed' | 'workers'> {
  seed?: number;
  workers?: number;
  out?: string;
  mnistDir?: string;
  force?: boolean;
}

export async function gridCommand(flags: GridFlags): Promise<void> {
  const { out, mnistDir, force, seed, workers, ...rest } = flags;
  const config = gridConfig({ ...rest, seed: seed ?? 1, workers: workers ?? defaultWorkers() });
  const dir = resolve(out ?? 'studies/grid');
  const search = searchJobs(config);
  checkStudyDir(dir, 'grid', config, force === true);
  const g = config.extra!['grid'] as { k: number };
  say(`grid search (carparelli2019's protocol) into ${dir}: ${config.models.length} model${config.models.length === 1 ? '' : 's'}, ${search.length} search runs (${g.k} seed${g.k === 1 ? '' : 's'} per combination, 70/30 split of the training pairs, selection on the 30% only), then ${config.rounds} final rounds per model on all training pairs`);
  const base = { dir, kind: 'grid' as const, config, force: force === true, mnistDir, name: 'grid' };
  const s1 = await stage({ ...base, jobs: search });
  if (s1.stopped) {
    await finish(s1, { filter: (x: StudyRecord) => x.grid?.stage === 'final' });
    stoppedMessage(s1);
    throw new Stopped(130);
  }
  const winners = gridWinners(config, s1.records);
  const gridJson = writeGridFiles(s1.dir, winners);
  say('');
  say(gridText(winners));
  say(`grid results: ${gridJson} (and grid.md)`);
  say('');
  const finals = finalJobs(config, winners);
  say(`final rounds: ${finals.length} runs (${winners.map((w) => `${w.model.slice('carparelli2019/'.length)}: ${comboText(w.best)}`).join('; ')})`);
  const s2 = await stage({ ...base, force: false, jobs: finals });
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
  const isGrid = meta.kind === 'grid';
  if (isGrid) {
    const winners = gridWinners(meta.config, rf.runs as StudyRecord[]);
    say(gridText(winners));
  }
  const r: StageResult = { dir: resolve(dir), meta, records: rf.runs as StudyRecord[], stopped: false, trainedNow: 0, skipped: 0 };
  await finish(r, isGrid ? { filter: (x: StudyRecord) => x.grid?.stage === 'final', models: winnerDescriptions(gridWinners(meta.config, r.records)) } : {});
}
