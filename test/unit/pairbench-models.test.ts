// pairbench's own models: the order-comparison head, the recipes' training features wired into a run
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getModel, modelsOfReport } from '../../src/models/registry.js';
import { BINARY_DEFAULTS, OrderPairNet } from '../../src/models/pairbench.js';
import * as F from '../../src/tensor/ops/index.js';
import { Rng } from '../../src/tensor/random.js';
import { noGrad } from '../../src/tensor/autograd.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { trainRun } from '../../src/train/run.js';

test('the pairbench group: binary uses no digit labels, digits does', () => {
  const ids = modelsOfReport('pairbench').map((m) => m.id);
  assert.deepEqual(ids, ['pairbench/binary', 'pairbench/digits']);
  assert.equal(getModel('pairbench/binary').recipe.auxLoss, null);
  assert.notEqual(getModel('pairbench/digits').recipe.auxLoss, null);
  assert.equal('auxWeight' in getModel('pairbench/binary').hyper, false, 'binary has no digit-loss weight to set');
});

test('the order head: softmax(main) is P(a <= b) = sum over i <= j of p_a(i) p_b(j)', () => {
  const net = new OrderPairNet({ init: new Rng(3), dropout: new Rng(4) }, 'order', 8, 0);
  net.eval();
  const r = new Rng(5);
  const x = new Float32Array(4 * 392).map(() => r.normal());
  noGrad(() => {
    const o = net.forwardPair(new Tensor(x, [4, 2, 14, 14]));
    const prob = F.softmax(o.main!).data;
    const pa = F.softmax(o.digits![0]).data;
    const pb = F.softmax(o.digits![1]).data;
    for (let n = 0; n < 4; n++) {
      let p = 0;
      for (let i = 0; i < 10; i++) for (let j = i; j < 10; j++) p += pa[n * 10 + i]! * pb[n * 10 + j]!;
      assert.ok(Math.abs(prob[2 * n + 1]! - p) < 1e-5, `pair ${n}: ${prob[2 * n + 1]} vs ${p}`);
      // each digit's logits come from its own image: the swapped pair gives the swapped logits
    }
    const swapped = new Float32Array(x.length);
    for (let n = 0; n < 4; n++) {
      swapped.set(x.subarray(n * 392 + 196, n * 392 + 392), n * 392);
      swapped.set(x.subarray(n * 392, n * 392 + 196), n * 392 + 196);
    }
    const s = net.forwardPair(new Tensor(swapped, [4, 2, 14, 14]));
    for (let k = 0; k < 40; k++) assert.ok(Math.abs(s.digits![0].data[k]! - o.digits![1].data[k]!) < 1e-5);
  });
});

test('a pairbench recipe trains with augmentation, AdamW + one-cycle and label smoothing, reproducibly', () => {
  const m = getModel('pairbench/digits');
  const small = { model: m, seed: 7, epochs: 2, trainPairs: 130, testPairs: 50 };
  const a = trainRun(small);
  const b = trainRun(small);
  assert.deepEqual(a.metrics.map((x) => x.trainLoss), b.metrics.map((x) => x.trainLoss));
  assert.equal(a.testAccuracy, b.testAccuracy);
  const plain = trainRun({ ...small, model: m.variant({ augment: false }) });
  assert.notDeepEqual(plain.metrics.map((x) => x.trainLoss), a.metrics.map((x) => x.trainLoss), 'the augmentation changes training');
  assert.deepEqual(Object.keys(a.metrics[0]!.lossTerms), ['main', 'aux1', 'aux2']);
  assert.ok(BINARY_DEFAULTS['augment'] === true && BINARY_DEFAULTS['schedule'] === 'one-cycle' && (BINARY_DEFAULTS['labelSmoothing'] as number) > 0);
});

test('the ablation study config: variants of the two models ({id, as, set}); "rounds": "recipe" plans 10 rounds of the two models and 3 of each variant', async () => {
  const { studyConfigFrom } = await import('../../src/cli/study.js');
  const { studyJobs } = await import('../../src/study/plan.js');
  const { repoRoot } = await import('../helpers/fixtures.js');
  const { join } = await import('node:path');
  const c = studyConfigFrom({ config: join(repoRoot(), 'examples', 'studies', 'pairbench-ablation.json'), workers: 1 });
  assert.equal(c.config.rounds, null);
  const variants = Object.entries(c.config.variants ?? {});
  assert.ok(variants.length >= 5, 'one variant per ingredient');
  for (const [name, v] of variants) {
    assert.match(v.id, /^pairbench\/(binary|digits)$/, name);
    assert.ok(name.startsWith(`${v.id}-`), `${name} is named after its model`);
    assert.ok(Object.keys(v.set).some((k) => k !== 'rounds'), `${name} changes an ingredient`);
  }
  assert.deepEqual(c.config.models.filter((m) => c.config.variants?.[m] === undefined), ['pairbench/binary', 'pairbench/digits']);
  const jobs = studyJobs(c.config);
  const count = (id: string): number => jobs.filter((j) => j.model === id).length;
  assert.equal(count('pairbench/binary'), 10);
  assert.equal(count('pairbench/digits'), 10);
  for (const [name] of variants) assert.equal(count(name), 3, name);
  assert.equal(jobs.length, 20 + 3 * variants.length);
  // round-major: every model's first round comes before the two models' second
  assert.equal(jobs[variants.length + 1]!.round, 0);
});

test('pairbench reproduce pairbench: the two models beside every report\'s best model, 10 rounds each at its own recipe', async () => {
  const { reproducePlan } = await import('../../src/study/reproduce.js');
  const { studyJobs } = await import('../../src/study/plan.js');
  const { REPORT_BESTS } = await import('../../src/models/pairbench.js');
  const { REPORTS } = await import('../../src/models/registry.js');
  const p = reproducePlan('pairbench', { seed: 1, workers: 1 });
  assert.deepEqual(p.config.models, ['pairbench/binary', 'pairbench/digits', ...REPORT_BESTS]);
  assert.deepEqual(REPORT_BESTS.map((id) => id.split('/')[0]), REPORTS.filter((r) => r !== 'pairbench'), 'one model of every report');
  assert.equal(p.config.rounds, 10);
  assert.equal(p.config.epochs, null, 'each model at its recipe\'s epochs');
  assert.equal(p.config.baseline, 'pairbench/binary');
  assert.deepEqual(p.changes, []);
  assert.equal(studyJobs(p.config).length, 70);
  assert.ok(p.protocol.some((l) => l.includes('lenet-transfer/digit-prediction')));
  const short = reproducePlan('pairbench', { seed: 1, workers: 1, rounds: 2 });
  assert.equal(short.shortened, true);
  assert.equal(studyJobs(short.config).length, 14);
});

test('elastic distortion as a pairbench hyperparameter: in the training augmentation only, not in the test-time views', () => {
  const plain = getModel('pairbench/digits').variant({ elastic: 0 });
  assert.equal(plain.recipe.augment?.elastic, undefined, 'alpha 0: no elastic field in the recipe');
  const el = getModel('pairbench/digits').variant({ elastic: 6, elasticSigma: 1.5 });
  assert.deepEqual(el.recipe.augment?.elastic, { alpha: 6, sigma: 1.5 });
  assert.equal(el.recipe.tta?.augment?.elastic, undefined);
  const small = { seed: 7, epochs: 1, trainPairs: 140, testPairs: 20 };
  const a = trainRun({ ...small, model: plain.variant({ ensemble: 1, tta: 1 }) });
  const b = trainRun({ ...small, model: el.variant({ ensemble: 1, tta: 1 }) });
  assert.notEqual(a.metrics[0]!.trainLoss, b.metrics[0]!.trainLoss, 'the elastic field changes the training images');
});
