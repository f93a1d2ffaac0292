// pairbench's own models: the order-comparison head, the recipes' training features wired into a run
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getModel, modelsOfReport } from '../../src/models/registry.js';
import { ABLATIONS, BINARY, OrderPairNet } from '../../src/models/pairbench.js';
import * as F from '../../src/tensor/ops/index.js';
import { Rng } from '../../src/tensor/random.js';
import { noGrad } from '../../src/tensor/autograd.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { trainRun } from '../../src/train/run.js';

test('the pairbench group: binary uses no digit labels, digits does; one ablation id per dropped ingredient', () => {
  const ids = modelsOfReport('pairbench').map((m) => m.id);
  assert.deepEqual(ids.slice(0, 2), ['pairbench/binary', 'pairbench/digits']);
  assert.equal(ids.length, 2 + ABLATIONS.length);
  assert.equal(getModel('pairbench/binary').recipe.auxLoss, null);
  assert.notEqual(getModel('pairbench/digits').recipe.auxLoss, null);
  for (const a of ABLATIONS) if (a.of === 'binary') assert.equal(getModel(`pairbench/${a.id}`).recipe.auxLoss, null, a.id);
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
  const small = { model: m, seed: 7, epochs: 2, trainPairs: 60, testPairs: 50 };
  const a = trainRun(small);
  const b = trainRun(small);
  assert.deepEqual(a.metrics.map((x) => x.trainLoss), b.metrics.map((x) => x.trainLoss));
  assert.equal(a.testAccuracy, b.testAccuracy);
  const plain = trainRun({ ...small, model: getModel('pairbench/digits-no-augment') });
  assert.notDeepEqual(plain.metrics.map((x) => x.trainLoss), a.metrics.map((x) => x.trainLoss), 'the augmentation changes training');
  assert.deepEqual(Object.keys(a.metrics[0]!.lossTerms), ['main', 'aux1', 'aux2']);
  assert.ok(BINARY.augment && BINARY.oneCycle && BINARY.labelSmoothing > 0);
});

test('the ablation study config: "rounds": "recipe" plans 10 rounds of the two models and 3 of each variant', async () => {
  const { studyConfigFrom } = await import('../../src/cli/study.js');
  const { studyJobs } = await import('../../src/study/plan.js');
  const { repoRoot } = await import('../helpers/fixtures.js');
  const { join } = await import('node:path');
  const c = studyConfigFrom({ config: join(repoRoot(), 'examples', 'studies', 'pairbench-ablation.json'), workers: 1 });
  assert.equal(c.config.rounds, null);
  const jobs = studyJobs(c.config);
  const count = (id: string): number => jobs.filter((j) => j.model === id).length;
  assert.equal(count('pairbench/binary'), 10);
  assert.equal(count('pairbench/digits'), 10);
  assert.equal(count('pairbench/binary-no-augment'), 3);
  assert.equal(jobs.length, 20 + 3 * ABLATIONS.length);
  // round-major: every model's first rounds come before the two models' later ones
  assert.equal(jobs[ABLATIONS.length + 1]!.round, 0);
});
