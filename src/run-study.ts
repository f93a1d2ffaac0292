// runStudy(options): a study from code, as `pairbench study` runs it (same directory layout, resume,
// lock, seeds), without terminal output unless asked; optionally trained by queue workers.
import { resolve } from 'node:path';
import { checkBaseline, checkModelIds, parseStudyFile, resolveModelEntries, type ModelEntry } from './study/config.js';
import type { StudyRecord } from './study/job.js';
import { releaseStudyLock } from './study/lock.js';
import { studyJobs } from './study/plan.js';
import { makeProgress } from './study/progress.js';
import { defaultWorkers, runStage } from './study/runner.js';
import type { StudyConfig, StudySummary } from './study/types.js';

export interface RunStudyOptions {
  models: ModelEntry[]; // zoo ids, or variants: { id, as, set: { lr: 0.01 } }
  out: string; // the study directory; a second call with the same options resumes it
  rounds?: number; // default 10
  epochs?: number; // default: each model's recipe
  seed?: number; // default 1
  workers?: number; // default: one per core
  batchSize?: number;
  trainPairs?: number;
  testPairs?: number;
  baseline?: string;
  name?: string;
  mnistDir?: string;
  force?: boolean; // replace a different study in `out`
  queue?: string; // redis://...: the runs are trained by `pairbench worker` processes
  verbose?: boolean; // progress lines on stdout, as the CLI prints them (default: silent)
}

export interface StudyResult {
  dir: string;
  config: StudyConfig;
  records: StudyRecord[]; // every finished run, as in runs.jsonl
  summary: StudySummary;
  page: string; // index.html
  stopped: boolean; // SIGINT/SIGTERM stopped it before every run finished
}

export async function runStudy(o: RunStudyOptions): Promise<StudyResult> {
  const { models, out, force, queue, verbose, ...rest } = o;
  const f = parseStudyFile({ models, out, ...rest }, 'runStudy'); // the config file's rules, field by field
  const { models: names, variants } = resolveModelEntries(f.models!);
  checkModelIds(names, variants);
  checkBaseline(f.baseline, names);
  const config: StudyConfig = {
    models: names,
    ...(Object.keys(variants).length > 0 ? { variants } : {}),
    rounds: f.rounds === 'recipe' ? null : (f.rounds ?? 10),
    epochs: f.epochs ?? null,
    seed: f.seed ?? 1,
    workers: f.workers ?? defaultWorkers(),
    batchSize: f.batchSize ?? null,
    ...(f.baseline !== undefined ? { baseline: f.baseline } : {}),
    ...(f.trainPairs !== undefined ? { trainPairs: f.trainPairs } : {}),
    ...(f.testPairs !== undefined ? { testPairs: f.testPairs } : {}),
  };
  const dir = resolve(out);
  const say = verbose === true ? (s: string): void => void process.stdout.write(s + '\n') : (): void => {};
  // bullmq loads only for a queue study
  const executor = queue === undefined ? undefined : (await import('./study/queue/coordinator.js')).queueExecutor({ url: queue, dir, kind: 'study', config, log: say });
  try {
    const r = await runStage({
      dir,
      kind: 'study',
      config,
      jobs: studyJobs(config),
      force: force === true,
      mnistDir: f.mnistDir,
      ...(f.name !== undefined ? { name: f.name } : {}),
      progress: makeProgress(verbose === true ? { tty: false } : { quiet: true }),
      log: say,
      ...(executor !== undefined ? { executor } : {}),
    });
    const { finishStudy } = await import('./report/finish.js'); // echarts and stdlib load only here
    const fin = finishStudy(r.dir, r.meta, r.records, { baseline: config.baseline });
    return { dir: r.dir, config, records: r.records, summary: fin.summary, page: fin.page, stopped: r.stopped };
  } finally {
    await releaseStudyLock(dir);
  }
}
