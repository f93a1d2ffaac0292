// the grid search's selection rules and config checks, its validation split, and the reproduce plans'
// protocol lines and changes
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadMnist } from '../../src/data/mnist.js';
import type { MnistDataset } from '../../src/data/types.js';
import { generatePairSets } from '../../src/data/pairs.js';
import { throwsCode } from '../helpers/errors.js';
import { gridConfig, gridWinners, searchJobs, type Combo } from '../../src/study/grid.js';
import { executeJob, type StudyRecord } from '../../src/study/job.js';
import { reproducePlan } from '../../src/study/reproduce.js';
import { Rng } from '../../src/tensor/random.js';

const AUX = 'carparelli2019/mlp-sharing-aux';
const NOAUX = 'carparelli2019/mlp-sharing-noaux';

// search records with a validation accuracy per combination (k seeds each); absent combos get no record
function records(models: string[], score: (model: string, c: Combo) => number | undefined): { config: ReturnType<typeof gridConfig>; recs: StudyRecord[] } {
  const config = gridConfig({ models, axes: { lambdas: [0.5, 1], lrs: [1e-3, 1e-2], hidden: [10, 20] }, k: 2, rounds: 1, seed: 4, workers: 1 });
  const recs = searchJobs(config).flatMap((j) => {
    const v = score(j.model, j.grid as unknown as Combo);
    return v === undefined ? [] : [{ model: j.model, round: j.round, seed: j.seed, grid: j.grid, metrics: [], validationAccuracy: v, testAccuracy: 0.5 }];
  }) as unknown as StudyRecord[];
  return { config, recs };
}

test('grid: a tie goes to the first combination in list order (H, then lr, then lambda)', () => {
  // (H 10, lr 1e-2, lambda 1) and (H 20, lr 1e-3, lambda 0.5) tie at 0.8; the first listed is H 10
  const { config, recs } = records([AUX, NOAUX], (_m, c) => ((c.hidden === 10 && c.lr === 1e-2 && c.lambda !== 0.5) || (c.hidden === 20 && c.lr === 1e-3 && c.lambda !== 1) ? 0.8 : 0.7));
  const [aux, noaux] = gridWinners(config, recs);
  assert.deepEqual(aux!.best, { hidden: 10, lr: 1e-2, lambda: 1 });
  assert.deepEqual(noaux!.best, { hidden: 10, lr: 1e-2, lambda: null });
});

test('grid: a combination with no records is reported with n = 0 and never wins, even listed first', () => {
  const { config, recs } = records([NOAUX], (_m, c) => (c.hidden === 10 && c.lr === 1e-3 ? undefined : c.hidden === 20 && c.lr === 1e-2 ? 0.75 : 0.6));
  const [w] = gridWinners(config, recs);
  assert.deepEqual(w!.best, { hidden: 20, lr: 1e-2, lambda: null });
  const empty = w!.scores.find((s) => s.hidden === 10 && s.lr === 1e-3)!;
  assert.equal(empty.n, 0);
  assert.ok(Number.isNaN(empty.validation));
  const full = w!.scores.find((s) => s.hidden === 20 && s.lr === 1e-2)!;
  assert.equal(full.n, 2);
  assert.equal(full.validation, 0.75);
  assert.equal(full.sd, 0);
});

test('grid config: bad learning rates, duplicate models, other reports are refused by code', () => {
  const base = { seed: 1, workers: 1 };
  throwsCode(() => gridConfig({ ...base, models: [NOAUX], axes: { lrs: [1e-3, 10] } }), 'bad_argument', /learning rate 10 is out of range/);
  throwsCode(() => gridConfig({ ...base, models: [NOAUX], axes: { lrs: [Number.NaN] } }), 'bad_argument', /learning rate NaN is out of range/);
  throwsCode(() => gridConfig({ ...base, models: [NOAUX], axes: { lrs: [0] } }), 'bad_argument', /learning rate 0 is out of range/);
  throwsCode(() => gridConfig({ ...base, models: [NOAUX], axes: { lrs: [-0.1] } }), 'bad_argument', /learning rate -0\.1 is out of range/);
  throwsCode(() => gridConfig({ ...base, models: [NOAUX, AUX, NOAUX] }), 'bad_config', /listed twice/);
  throwsCode(() => gridConfig({ ...base, models: ['pillonel2020/model1'] }), 'bad_config', /carparelli2019 models only/);
  throwsCode(() => gridConfig({ ...base, models: ['carparelli2019/mlp-sharing-auxx'] }), 'unknown_model', /nearest/);
});

test('grid search job: validation is taken from the training pairs, never from the test pairs or other images', () => {
  delete process.env['PAIRBENCH_MNIST_DIR'];
  const ds = loadMnist();
  const job = { ...searchJobs(gridConfig({ models: [NOAUX], axes: { lrs: [1e-2], hidden: [50] }, k: 1, seed: 9, workers: 1 }))[0]!, epochs: 4, trainPairs: 100, testPairs: 100 };
  const base = executeJob(job, ds);
  const used = new Set(generatePairSets(100, new Rng(job.seed).split('data'), ds).train.indices);
  // every label of a training image outside the drawn pairs changed (the images stay: the standardisation
  // statistics are over all of them), every test image and label moved
  const labels = ds.train.labels.map((l, k) => (used.has(k) ? l : (l + 1 + (k % 9)) % 10));
  const other: MnistDataset = {
    dir: ds.dir,
    train: { images: ds.train.images, labels, n: ds.train.n },
    test: { images: ds.test.images.slice().reverse(), labels: ds.test.labels.slice().reverse(), n: ds.test.n },
  };
  const changed = executeJob(job, other);
  const val = (r: StudyRecord): (number | undefined)[] => r.metrics.map((m) => m.validationAccuracy);
  assert.ok(val(base).every((v) => typeof v === 'number'), 'a validation accuracy every epoch');
  assert.deepEqual(val(changed), val(base), 'validation accuracy depends on the drawn training pairs only');
  assert.deepEqual(changed.metrics.map((m) => m.trainLoss), base.metrics.map((m) => m.trainLoss));
  // 30% of 100 pairs: accuracies are multiples of 1/30
  for (const v of val(base)) assert.ok(Math.abs(v! * 30 - Math.round(v! * 30)) < 1e-9, `validation accuracy ${v} over 30 pairs`);
  // the validation set is not the test set: the two accuracies differ in some epoch
  assert.notDeepEqual(val(base), base.metrics.map((m) => m.testAccuracy));
});

test('reproduce: changed pair counts are listed and shorten the protocol; 1000 is no change', () => {
  const p = reproducePlan('pillonel2020', { seed: 1, workers: 2, trainPairs: 500, testPairs: 200 });
  assert.deepEqual(p.changes, ['500 training pairs instead of 1000', '200 test pairs instead of 1000']);
  assert.equal(p.shortened, true);
  assert.equal(p.config.trainPairs, 500);
  assert.equal(p.config.testPairs, 200);
  const same = reproducePlan('pillonel2020', { seed: 1, workers: 2, trainPairs: 1000, testPairs: 1000 });
  assert.deepEqual(same.changes, []);
  assert.equal(same.shortened, false);
  // more rounds than the report: a change, not a shortening
  const more = reproducePlan('pillonel2020', { seed: 1, workers: 2, rounds: 200 });
  assert.deepEqual(more.changes, ['200 rounds instead of 100']);
  assert.equal(more.shortened, false);
});

test('reproduce: carparelli2019 names its fixed hyperparameters; a curves-only report says so', () => {
  const carp = reproducePlan('carparelli2019', { seed: 1, workers: 1 });
  assert.ok(carp.protocol.some((l) => /^hyperparameters: the report's best configuration for every model \(H 100, lr 0\.001, lambda 0\.5\).*pairbench grid/.test(l)), carp.protocol.join('\n'));
  const sieb = reproducePlan('siebert2022', { seed: 1, workers: 1 });
  assert.ok(sieb.protocol.includes('the report published curves only: no figures to compare in the table'), sieb.protocol.join('\n'));
  for (const r of ['carparelli2019', 'pillonel2020', 'kropfhamer2022', 'lenet-transfer']) {
    assert.ok(!reproducePlan(r, { seed: 1, workers: 1 }).protocol.some((l) => /curves only/.test(l)), r);
  }
  assert.ok(!sieb.protocol.some((l) => /^hyperparameters/.test(l)));
});
