// hyperparameters as typed parameters of a model: variants build the right network and recipe,
// bad keys and values are named, a study's variants have their own names and seeds, plain ids are untouched
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { loadMnist } from '../../src/data/mnist.js';
import { PairbenchError } from '../../src/errors.js';
import { parseAssignments } from '../../src/models/hyper.js';
import { allModels, getModel } from '../../src/models/registry.js';
import type { Recipe } from '../../src/models/types.js';
import { resolveModelEntries } from '../../src/study/config.js';
import { executeJob } from '../../src/study/job.js';
import { specOf, studyJobs } from '../../src/study/plan.js';
import { reproducePlan } from '../../src/study/reproduce.js';
import { runSeed } from '../../src/study/seeds.js';
import type { StudyConfig } from '../../src/study/types.js';
import { Rng } from '../../src/tensor/random.js';
import { AdamW } from '../../src/optim/index.js';
import { makeOptimizer } from '../../src/train/run.js';

const throwsNaming = (f: () => unknown, re: RegExp): void => {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof PairbenchError, String(e));
    assert.match(e.message, re);
    assert.equal(e.message.includes('\n'), false, 'one line');
    return true;
  });
};

test('every model exposes the recipe terms and its own hyperparameters, with defaults', () => {
  for (const m of allModels()) {
    for (const k of ['optimizer', 'lr', 'weightDecay', 'batchSize', 'epochs']) assert.ok(k in m.hyper, `${m.id}: ${k}`);
    for (const p of m.hyperSpace) if (p.key !== 'momentum') assert.ok(p.key in m.hyper, `${m.id}: default of ${p.key}`);
  }
  assert.deepEqual(getModel('carparelli2019/conv2-sharing-aux').hyper, { optimizer: 'adam', lr: 0.001, weightDecay: 0, batchSize: 100, epochs: 25, H: 100, lambda: 0.5 });
  assert.equal('lambda' in getModel('carparelli2019/conv2-sharing-noaux').hyper, false, 'no lambda without the aux loss');
  assert.equal(getModel('lenet-transfer/cnn').hyper['dropout'], 0.3);
  assert.equal('dropout' in getModel('lenet-transfer/baseline').hyper, false);
  assert.equal(getModel('siebert2022/sn-mse-conv').hyper['oneHot'], false);
});

test('a variant builds the right network and recipe', () => {
  const c = getModel('carparelli2019/conv2-sharing-aux').variant({ H: 50, lambda: 0.25, lr: 0.01 });
  // 164,280 at H = 100; the head 1024 -> H -> 2 shrinks by 51,350 at H = 50
  assert.equal(c.params, 112930);
  assert.equal(c.build({ init: new Rng(0), dropout: new Rng(1) }).parameterCount(), 112930);
  assert.deepEqual(c.recipe.optimizer, { kind: 'adam', lr: 0.01 });
  assert.deepEqual(c.recipe.auxLoss, { weight: { kind: 'constant', value: 0.25 }, onSigmoid: false });
  assert.equal(c.id, 'carparelli2019/conv2-sharing-aux');
  assert.deepEqual(c.variantOf, { id: 'carparelli2019/conv2-sharing-aux', set: { H: 50, lambda: 0.25, lr: 0.01 } });
  assert.equal(c.published, undefined, 'the report\'s figure is not the variant\'s');

  const s = getModel('lenet-transfer/cnn').variant({ optimizer: 'sgd', momentum: 0.9, weightDecay: 1e-4, batchSize: 50, epochs: 7 }, 'cnn-sgd');
  assert.equal(s.id, 'cnn-sgd');
  assert.deepEqual(s.recipe.optimizer, { kind: 'sgd', lr: 0.001, momentum: 0.9, weightDecay: 1e-4 });
  assert.equal(s.recipe.batchSize, 50);
  assert.equal(s.recipe.epochs, 7);

  // dropout 0 drops the dropout layers (the parameter count does not change)
  const d = getModel('lenet-transfer/weight-sharing').variant({ dropout: 0 });
  const names = (m: typeof d): string[] => m.build({ init: new Rng(0), dropout: new Rng(1) }).namedParameters().map(([n]) => n);
  assert.deepEqual(names(d), names(getModel('lenet-transfer/weight-sharing')));
  assert.match(JSON.stringify(getModel('lenet-transfer/weight-sharing').build({ init: new Rng(0), dropout: new Rng(1) })), /drop/);
  assert.doesNotMatch(JSON.stringify(d.build({ init: new Rng(0), dropout: new Rng(1) })), /drop/);

  const sb = getModel('siebert2022/caux').variant({ oneHot: false, auxWeight: 1 });
  assert.equal(sb.params, getModel('siebert2022/caux-mse').params);
  assert.equal(sb.recipe.mainLoss, 'mse-sigmoid');
  assert.deepEqual(sb.recipe.auxLoss?.weight, { kind: 'constant', value: 1 });
});

test('an empty variant is the model itself', () => {
  for (const m of allModels()) {
    const v = m.variant({});
    assert.deepEqual(v.recipe, m.recipe, m.id);
    assert.equal(v.params, m.params, m.id);
    assert.deepEqual(v.hyper, m.hyper, m.id);
  }
});

test('unknown and ill-typed hyperparameters are named in one line', () => {
  const cnn = getModel('lenet-transfer/cnn');
  throwsNaming(() => cnn.variant({ H: 50 }), /lenet-transfer\/cnn has no hyperparameter 'H' \(its hyperparameters: optimizer, lr, .*dropout\)/);
  throwsNaming(() => cnn.variant({ lr: 'fast' }), /hyperparameter lr = "fast"/);
  throwsNaming(() => cnn.variant({ lr: -1 }), /hyperparameter lr = -1/);
  throwsNaming(() => cnn.variant({ batchSize: 2.5 }), /batchSize = 2.5/);
  throwsNaming(() => cnn.variant({ optimizer: 'rmsprop' }), /optimizer = "rmsprop"/);
  throwsNaming(() => cnn.variant({ momentum: 0.9 }), /momentum applies to optimizer sgd only/);
  throwsNaming(() => getModel('carparelli2019/mlp-sharing-noaux').variant({ lambda: 1 }), /no hyperparameter 'lambda'/);
  // the CLI's key=value form, typed by the model's space
  assert.deepEqual(parseAssignments(cnn.id, cnn.hyperSpace, ['lr=0.01', 'epochs=3', 'optimizer=sgd']), { lr: 0.01, epochs: 3, optimizer: 'sgd' });
  assert.deepEqual(parseAssignments('siebert2022/sn', getModel('siebert2022/sn').hyperSpace, ['oneHot=false']), { oneHot: false });
  throwsNaming(() => parseAssignments(cnn.id, cnn.hyperSpace, ['lr=abc']), /--set lr=abc: lr takes a number/);
  throwsNaming(() => parseAssignments(cnn.id, cnn.hyperSpace, ['nope=1']), /no hyperparameter 'nope'/);
  throwsNaming(() => parseAssignments(cnn.id, cnn.hyperSpace, ['lr']), /expected key=value/);
  throwsNaming(() => parseAssignments(cnn.id, cnn.hyperSpace, ['epochs=1.5']), /epochs/);
});

test('optimizer adamw: allowed, weightDecay decoupled; a switch that would change the decay\'s meaning asks for it', () => {
  const cnn = getModel('lenet-transfer/cnn');
  assert.deepEqual(parseAssignments(cnn.id, cnn.hyperSpace, ['optimizer=adamw', 'weightDecay=0.01']), { optimizer: 'adamw', weightDecay: 0.01 });
  const w = cnn.variant({ optimizer: 'adamw', weightDecay: 0.01 });
  assert.deepEqual(w.recipe.optimizer, { kind: 'adamw', lr: 0.001, weightDecay: 0.01 });
  assert.equal(w.hyper['optimizer'], 'adamw');
  const opt = makeOptimizer(w.recipe, w.build({ init: new Rng(0), dropout: new Rng(1) }).parameters());
  assert.ok(opt instanceof AdamW && (opt as AdamW).weightDecay === 0.01, 'trains with AdamW at the decay set');
  // the recipe has no decay: adamw without weightDecay decays by 0 (not PyTorch's default 1e-2)
  assert.deepEqual(cnn.variant({ optimizer: 'adamw' }).recipe.optimizer, { kind: 'adamw', lr: 0.001, weightDecay: 0 });
  throwsNaming(() => cnn.variant({ optimizer: 'adamw', momentum: 0.9 }), /momentum applies to optimizer sgd only \(this variant uses adamw\)/);
  // pairbench's AdamW recipe (decoupled 5e-4): keeps it across lr changes; to adam or sgd only with weightDecay set
  const pb = getModel('pairbench/digits');
  assert.deepEqual(pb.variant({ lr: 0.001 }).recipe.optimizer, { kind: 'adamw', lr: 0.001, weightDecay: 5e-4 });
  throwsNaming(() => pb.variant({ optimizer: 'adam' }), /pairbench\/digits: optimizer adam reads weightDecay as L2 on the gradient, the recipe's weightDecay 0.0005 is decoupled decay for adamw: set weightDecay too/);
  assert.deepEqual(pb.variant({ optimizer: 'adam', weightDecay: 0 }).recipe.optimizer, { kind: 'adam', lr: 0.004 });
  assert.deepEqual(pb.variant({ optimizer: 'sgd', weightDecay: 1e-4 }).recipe.optimizer, { kind: 'sgd', lr: 0.004, momentum: 0, weightDecay: 1e-4 });
  throwsNaming(() => parseAssignments(pb.id, pb.hyperSpace, ['optimizer=rmsprop']), /optimizer = "rmsprop"/);
});

test('a study config\'s variants: own names, own seeds, recorded, validated', () => {
  const { models, variants } = resolveModelEntries([
    'lenet-transfer/cnn',
    { id: 'lenet-transfer/cnn', as: 'cnn-lr1e-2', set: { lr: 0.01 } },
    { id: 'lenet-transfer/cnn', set: { lr: 0.1, epochs: 2 } },
  ]);
  assert.deepEqual(models, ['lenet-transfer/cnn', 'cnn-lr1e-2', 'lenet-transfer/cnn[lr=0.1,epochs=2]']);
  assert.deepEqual(variants['cnn-lr1e-2'], { id: 'lenet-transfer/cnn', set: { lr: 0.01 } });
  const config: StudyConfig = { models, variants, rounds: 2, epochs: null, seed: 1, workers: 1, batchSize: null };
  const jobs = studyJobs(config);
  const v = jobs.find((j) => j.model === 'cnn-lr1e-2' && j.round === 1)!;
  assert.equal(v.seed, runSeed(1, 'cnn-lr1e-2', 1));
  assert.deepEqual(v.variant, { id: 'lenet-transfer/cnn', set: { lr: 0.01 } });
  assert.equal(jobs.find((j) => j.model === 'lenet-transfer/cnn' && j.round === 1)!.seed, runSeed(1, 'lenet-transfer/cnn', 1));
  assert.equal(specOf(config, 'lenet-transfer/cnn[lr=0.1,epochs=2]').recipe.epochs, 2);
  assert.equal(specOf(config, 'cnn-lr1e-2').recipe.optimizer.lr, 0.01);

  const rec = executeJob({ ...v, epochs: 1, trainPairs: 100, testPairs: 100 }, loadMnist());
  assert.equal(rec.model, 'cnn-lr1e-2');
  assert.deepEqual(rec.variantOf, { id: 'lenet-transfer/cnn', set: { lr: 0.01 } });

  const bad = (entries: Parameters<typeof resolveModelEntries>[0], re: RegExp): void => {
    assert.throws(() => resolveModelEntries(entries), (e: unknown) => e instanceof PairbenchError && re.test(e.message));
  };
  bad([{ id: 'lenet-transfer/cnn', as: 'x', set: { H: 3 } }], /models\[0\] \(x\): .*no hyperparameter 'H'/);
  bad([{ id: 'lenet-transfer/cnn', as: 'x', set: { lr: 'a' } }], /models\[0\] \(x\): .*lr = "a"/);
  bad([{ id: 'lenet-transfer/cnn', as: 'lenet-transfer/baseline', set: { lr: 1 } }], /is a model id of the zoo/);
  bad([{ id: 'lenet-transfer/nope', set: {} }], /nearest/);
});

// digests of the plain ids' recipes and of the planned runs of `npm start` and of every
// `reproduce <report>`, taken on main before hyperparameters existed: plain ids must not move
test('plain ids keep their recipes and seeds (start, reproduce, resume of existing study dirs)', () => {
  const h = (x: unknown): string => createHash('sha256').update(JSON.stringify(x)).digest('hex').slice(0, 16);
  const pick = (r: Recipe): unknown[] => [r.optimizer, r.batchSize, r.epochs, r.rounds, r.mainLoss, r.auxLoss, r.sameLossWeight, r.phases, r.compareInCode, r.testSplit, r.bestEpoch];
  const recipes = allModels().filter((m) => m.report !== 'siebert2022' && m.report !== 'pairbench').map((m) => [m.id, m.params, pick(m.recipe)]);
  assert.equal(h(recipes), '77ed3344467d9f2a');
  const jobs = (c: StudyConfig): unknown[] => studyJobs(c).map((j) => [j.model, j.round, j.seed, j.epochs, j.batchSize]);
  const lenet = allModels().filter((m) => m.report === 'lenet-transfer').map((m) => m.id);
  assert.equal(h(jobs({ models: lenet, rounds: 10, epochs: 25, seed: 1, workers: 2, batchSize: null, baseline: 'lenet-transfer/baseline' })), 'a9c8c53cdc835260');
  const repro = ['kropfhamer2022', 'carparelli2019', 'siebert2022', 'pillonel2020', 'lenet-transfer'].map((r) => jobs(reproducePlan(r, { seed: 1, workers: 1 }).config));
  assert.equal(h(repro), '11ec1fe0ddc2d105');
});
