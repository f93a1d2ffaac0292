// study planning without training: seeds, config validation, conflicts, the plan, runs.jsonl repair,
// the grid search's combinations and selection
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { throwsCode } from '../helpers/errors.js';
import { runSeed } from '../../src/study/seeds.js';
import { configDifferences, parseStudyFile, checkModelIds, checkBaseline } from '../../src/study/config.js';
import { studyJobs } from '../../src/study/plan.js';
import { repairRuns, checkStudyDir } from '../../src/study/runner.js';
import { combos, gridConfig, gridWinners, searchJobs, finalJobs } from '../../src/study/grid.js';
import { reproducePlan, reportIds } from '../../src/study/reproduce.js';
import { runKey, type StudyRecord } from '../../src/study/job.js';
import type { StudyConfig, StudyMeta } from '../../src/study/types.js';
import { tempDirUntilExit } from '../helpers/tmp.js';

const cfg = (o: Partial<StudyConfig> = {}): StudyConfig => ({ models: ['lenet-transfer/cnn', 'kropfhamer2022/feedforward'], rounds: 3, epochs: 2, seed: 1, workers: 2, batchSize: null, ...o });

test('run seeds: a function of (study seed, model, round) only; distinct across models and rounds', () => {
  assert.equal(runSeed(1, 'lenet-transfer/cnn', 0), runSeed(1, 'lenet-transfer/cnn', 0));
  const seen = new Set<number>();
  for (const s of [0, 1, 2]) for (const m of ['lenet-transfer/cnn', 'lenet-transfer/baseline']) for (let r = 0; r < 20; r++) seen.add(runSeed(s, m, r));
  assert.equal(seen.size, 120);
  for (const v of seen) assert.ok(Number.isInteger(v) && v >= 0 && v < 2 ** 32);
});

test('the plan: round-major, every model x round once, seeds recorded', () => {
  const jobs = studyJobs(cfg());
  assert.deepEqual(jobs.map((j) => `${j.model.split('/')[1]}:${j.round}`), ['cnn:0', 'feedforward:0', 'cnn:1', 'feedforward:1', 'cnn:2', 'feedforward:2']);
  for (const j of jobs) assert.equal(j.seed, runSeed(1, j.model, j.round));
  // rounds null: each model's recipe
  const r = studyJobs(cfg({ rounds: null, models: ['lenet-transfer/cnn'] }));
  assert.equal(r.length, 15);
});

test('config file: zod names unknown keys and bad values', () => {
  assert.deepEqual(parseStudyFile({ models: ['a'], rounds: 2 }, 'f'), { models: ['a'], rounds: 2 });
  throwsCode(() => parseStudyFile({ rounds: 0, colour: 'red' }, 'config x.json'), 'bad_config', /^config x\.json: .*rounds: .*>=1.*unknown key "colour"|unknown key "colour".*rounds/);
  throwsCode(() => parseStudyFile({ models: 'lenet-transfer/cnn' }, 'f'), 'bad_config', /models: .*expected array/i);
  throwsCode(() => parseStudyFile({ workers: 1.5 }, 'f'), 'bad_config', /workers: /);
  throwsCode(() => parseStudyFile([], 'f'), 'bad_config', /expected object/i);
  // a value that fits no alternative: the field inside, or what each alternative expects
  throwsCode(() => parseStudyFile({ rounds: 'x' }, 'f'), 'bad_config', /^f: rounds: expected number, or expected "recipe" \(got string\)$/);
  throwsCode(() => parseStudyFile({ models: [3] }, 'f'), 'bad_config', /^f: models\[0\]: expected string, or expected object \(got number\)$/);
  throwsCode(() => parseStudyFile({ models: [{ id: 'a', set: { lr: [1] } }] }, 'f'), 'bad_config', /^f: models\[0\]\.set\.lr: expected number, or expected boolean, or expected string \(got array\)$/);
  throwsCode(() => checkModelIds(['lenet-transfer/cnn', 'lenet-transfer/cnn']), 'bad_config', /listed twice/);
  throwsCode(() => checkModelIds(['lenet/cnn']), 'unknown_model', /nearest: /);
  throwsCode(() => checkBaseline('x', ['a']), 'bad_config', /baseline 'x' is not one of/);
});

test('conflicts: what changes the runs differs; workers and baseline do not', () => {
  const meta = { name: 's', kind: 'study', config: cfg(), runs: [], environment: {} } as unknown as StudyMeta;
  assert.deepEqual(configDifferences(meta, 'study', cfg({ workers: 7, baseline: 'kropfhamer2022/feedforward' })), []);
  assert.deepEqual(configDifferences(meta, 'study', cfg({ rounds: 4, seed: 2 })), ['seed 1 there, 2 here']);
  // a study grows (more rounds, more models); it does not shrink
  assert.deepEqual(configDifferences(meta, 'study', cfg({ rounds: 9, models: [...meta.config.models, 'pillonel2020/model1'] })), []);
  assert.deepEqual(configDifferences(meta, 'study', cfg({ rounds: 2 })), ['rounds 3 there, 2 here (rounds can be added, not removed)']);
  // the recipe's rounds (reproduce) against a number: growth when no model gets fewer
  const recipe = { ...meta, config: cfg({ rounds: null, models: ['lenet-transfer/cnn'] }) } as StudyMeta; // recipe: 15 rounds
  assert.deepEqual(configDifferences(recipe, 'study', cfg({ rounds: 20, models: ['lenet-transfer/cnn'] })), []);
  assert.deepEqual(configDifferences(recipe, 'study', cfg({ rounds: 5, models: ['lenet-transfer/cnn'] })), ['rounds recipe default there, 5 here (rounds can be added, not removed)']);
  assert.deepEqual(configDifferences(meta, 'study', cfg({ models: meta.config.models.slice(1) })), [`models ${meta.config.models[0]} there, not here (models can be added, not removed)`]);
  assert.deepEqual(configDifferences(meta, 'reproduce', cfg()), ['kind study there, reproduce here']);
  assert.deepEqual(configDifferences(meta, 'study', cfg({ epochs: null })), ['epochs 2 there, recipe default here']);
  assert.deepEqual(configDifferences(meta, 'study', cfg({ trainPairs: 100, testPairs: 200 })), ['trainPairs default 1000 there, 100 here', 'testPairs default 1000 there, 200 here']);
  const dir = tempDirUntilExit('plan');
  writeFileSync(join(dir, 'study.json'), JSON.stringify(meta));
  throwsCode(() => checkStudyDir(dir, 'study', cfg({ rounds: 1 }), false), 'study_conflict', /holds a different study \(rounds 3 there, 1 here/);
  assert.equal(checkStudyDir(dir, 'study', cfg({ rounds: 1 }), true).existing, null);
  assert.notEqual(checkStudyDir(dir, 'study', cfg({ rounds: 9 }), false).existing, null);
  assert.notEqual(checkStudyDir(dir, 'study', cfg(), false).existing, null);
});

test('runs.jsonl repair: a torn tail is truncated, a missing final newline added', () => {
  const dir = tempDirUntilExit('repair');
  const rec = (round: number): string => JSON.stringify({ model: 'm', round, seed: round, testAccuracy: 0.5, metrics: [] });
  const path = join(dir, 'runs.jsonl');
  writeFileSync(path, `${rec(0)}\n${rec(1)}\n{"model":"m","rou`);
  const logs: string[] = [];
  assert.equal(repairRuns(dir, (s) => logs.push(s)).length, 2);
  assert.equal(readFileSync(path, 'utf8'), `${rec(0)}\n${rec(1)}\n`);
  assert.match(logs[0]!, /dropped an incomplete last line/);
  writeFileSync(path, `${rec(0)}\n${rec(1)}`);
  assert.equal(repairRuns(dir, () => {}).length, 2);
  assert.equal(readFileSync(path, 'utf8'), `${rec(0)}\n${rec(1)}\n`);
});

test('grid: lambda only for aux models; same seeds for every combination; winner on validation only', () => {
  const c = gridConfig({ models: ['carparelli2019/mlp-sharing-aux', 'carparelli2019/mlp-sharing-noaux'], axes: { lambdas: [0.5, 1], lrs: [1e-3], hidden: [10, 20] }, k: 2, rounds: 3, seed: 4, workers: 1 });
  const g = c.grid!;
  assert.equal(combos('carparelli2019/mlp-sharing-aux', g).length, 4);
  assert.deepEqual(combos('carparelli2019/mlp-sharing-noaux', g).map((x) => x.lambda), [null, null]);
  const jobs = searchJobs(c);
  assert.equal(jobs.length, (4 + 2) * 2);
  const seedsOf = (m: string, round: number): Set<number> => new Set(jobs.filter((j) => j.model === m && j.round === round).map((j) => j.seed));
  assert.equal(seedsOf('carparelli2019/mlp-sharing-aux', 0).size, 1);
  assert.equal(new Set(jobs.map(runKey)).size, jobs.length);
  // validation decides, whatever the test accuracy says
  const recs = jobs.map((j) => ({
    model: j.model, round: j.round, seed: j.seed, grid: j.grid, metrics: [],
    validationAccuracy: j.grid!.hidden === 20 && j.grid!.lambda !== 0.5 ? 0.9 : 0.6,
    testAccuracy: j.grid!.hidden === 10 ? 0.99 : 0.5,
  })) as unknown as StudyRecord[];
  const w = gridWinners(c, recs);
  assert.deepEqual(w[0]!.best, { hidden: 20, lr: 1e-3, lambda: 1 });
  assert.deepEqual(w[1]!.best, { hidden: 20, lr: 1e-3, lambda: null });
  const finals = finalJobs(c, w);
  assert.equal(finals.length, 6);
  for (const f of finals) assert.equal(f.seed, runSeed(4, f.model, f.round));
  throwsCode(() => gridConfig({ models: ['lenet-transfer/cnn'], seed: 1, workers: 1 }), 'bad_config', /carparelli2019 models only/);
});

test('reproduce: the report\'s protocol; shortened when rounds or epochs are cut', () => {
  const full = reproducePlan('pillonel2020', { seed: 1, workers: 2 });
  assert.equal(full.shortened, false);
  assert.deepEqual(full.changes, []);
  assert.equal(studyJobs(full.config).length, 400);
  const short = reproducePlan('kropfhamer2022', { seed: 1, workers: 2, rounds: 2, epochs: 3 });
  assert.equal(short.shortened, true);
  assert.deepEqual(short.changes, ['2 rounds instead of 30', '3 epochs instead of 20-40']);
  assert.ok(short.protocol.some((l) => /best epoch/.test(l)));
  assert.deepEqual(reportIds('all').length, 5);
  throwsCode(() => reportIds('x'), 'bad_argument', /unknown report 'x'/);
});
