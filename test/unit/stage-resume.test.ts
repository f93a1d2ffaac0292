// runStage's bookkeeping without training: an executor that hands back made-up records at once.
// The plan line counts what is really left (a resumed shard's own file included), and an executor
// that trains elsewhere (--queue) does not make this process read MNIST.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fakeRun } from '../helpers/fake-study.js';
import { tempDirUntilExit } from '../helpers/tmp.js';
import { studyJobs } from '../../src/study/plan.js';
import { makeProgress } from '../../src/study/progress.js';
import { runStage, type RunExecutor, type StudyRequest } from '../../src/study/runner.js';
import { shardJobs, shardRunsFile } from '../../src/study/shard.js';
import type { RunJob } from '../../src/study/job.js';
import type { StudyConfig } from '../../src/study/types.js';

const config: StudyConfig = { models: ['kropfhamer2022/feedforward', 'lenet-transfer/baseline'], rounds: 3, epochs: 1, seed: 1, workers: 1, batchSize: null, trainPairs: 100, testPairs: 100 };

// finishes every job it is given (or the first `limit`), and records which it was given
function instantExecutor(given: RunJob[][], limit = Infinity): RunExecutor {
  return (jobs, _workers, _mnist, cb) => {
    given.push([...jobs]);
    for (const job of jobs.slice(0, limit)) cb.onDone(job, { ...fakeRun(job.model, job.round, 0.8, 1), seed: job.seed }, 0);
    return { done: Promise.resolve({ stopped: false }), stop: async () => {} };
  };
}

// executor undefined: trained here, in worker threads
function request(dir: string, executor: RunExecutor | undefined, log: string[], o: Partial<StudyRequest> = {}): StudyRequest {
  return { dir, kind: 'study', config, jobs: studyJobs(config), force: false, ...(executor !== undefined ? { executor } : {}), log: (s) => log.push(s), progress: makeProgress({ quiet: true }), interactive: false, ...o };
}

test('a resumed shard: the plan line and the resume line count the runs still to train', async () => {
  const dir = tempDirUntilExit('stage-shard');
  const shard = { index: 1, count: 2 };
  const mine = shardJobs(studyJobs(config), shard);
  const only = (j: RunJob): boolean => mine.some((m) => m.model === j.model && m.round === j.round);
  const shardOpts = { only, runsFile: shardRunsFile(shard) };
  const given: RunJob[][] = [];
  let log: string[] = [];
  const first = await runStage(request(dir, instantExecutor(given, 1), log, shardOpts));
  assert.equal(first.trainedNow, 1);
  assert.match(log.join('\n'), /^plan: 3 runs to train/m);
  assert.equal(readFileSync(join(dir, shardRunsFile(shard)), 'utf8').trim().split('\n').length, 1);

  log = [];
  const second = await runStage(request(dir, instantExecutor(given), log, shardOpts));
  assert.match(log.join('\n'), /^plan: 2 runs to train/m, log.join('\n'));
  assert.match(log.join('\n'), /resuming .*: 1 of 3 runs already finished, 2 to go/);
  assert.equal(given[1]!.length, 2);
  assert.equal(second.trainedNow, 2);
  assert.equal(second.skipped, 1);
  assert.equal(second.records.length, 3);

  log = [];
  const third = await runStage(request(dir, instantExecutor(given), log, shardOpts));
  assert.equal(third.trainedNow, 0);
  assert.equal(third.skipped, 3);
  assert.doesNotMatch(log.join('\n'), /plan:/);
});

test('a shard file without study.json: refused like runs.jsonl without study.json; --force keeps it aside', async () => {
  const dir = tempDirUntilExit('stage-orphan');
  const runsFile = shardRunsFile({ index: 1, count: 2 });
  writeFileSync(join(dir, runsFile), JSON.stringify({ ...fakeRun(config.models[0]!, 0, 0.8, 1), seed: studyJobs(config)[0]!.seed }) + '\n');
  const given: RunJob[][] = [];
  await assert.rejects(runStage(request(dir, instantExecutor(given), [], { runsFile })), /holds a runs\.shard-1-of-2\.jsonl but no study\.json: .*--force/);
  const log: string[] = [];
  const r = await runStage(request(dir, instantExecutor(given), log, { runsFile, force: true }));
  assert.equal(r.trainedNow, 6, 'the old file\'s run is not counted');
  assert.match(log.join('\n'), /the previous study's runs were moved to .*runs\.shard-1-of-2\.jsonl\.replaced-/);
});

test('a damaged runs.jsonl: the plan counts the runs to retrain, the line is moved aside after the plan', async () => {
  const dir = tempDirUntilExit('stage-damaged');
  const given: RunJob[][] = [];
  await runStage(request(dir, instantExecutor(given), []));
  const path = join(dir, 'runs.jsonl');
  const lines = readFileSync(path, 'utf8').trim().split('\n');
  writeFileSync(path, [lines[0], '{"broken', ...lines.slice(2)].join('\n') + '\n{"model":"kropf');
  const log: string[] = [];
  const r = await runStage(request(dir, instantExecutor(given), log));
  assert.match(log[0]!, /^plan: 1 run to train/);
  assert.match(log.join('\n'), /moved 1 unreadable line .* to runs\.rejected\.jsonl/);
  assert.match(log.join('\n'), /dropped an incomplete last line/);
  assert.equal(r.trainedNow, 1);
  assert.equal(readFileSync(path, 'utf8').trim().split('\n').length, 6);
});

test('runs trained elsewhere (--queue): this process does not read MNIST', async () => {
  const dir = tempDirUntilExit('stage-queue');
  const empty = tempDirUntilExit('stage-no-mnist');
  const given: RunJob[][] = [];
  const r = await runStage(request(dir, instantExecutor(given), [], { mnistDir: empty }));
  assert.equal(r.trainedNow, 6);
  assert.equal(r.meta.config.mnistDir, empty);
  // trained here, the same directory is an error naming the missing file
  await assert.rejects(runStage(request(tempDirUntilExit('stage-local'), undefined, [], { mnistDir: empty })), /train-images-idx3-ubyte/);
});
