// checkpoints: train, save, load, identical outputs; bad files give one clear error and no network
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeCheckpoint, loadCheckpoint, runCheckpointMeta, saveCheckpoint, stateTensors, CHECKPOINT_FORMAT } from '../../src/artifacts/checkpoint.js';
import { predictRaw } from '../../src/artifacts/inference.js';
import { decodeSafetensors, encodeSafetensors } from '../../src/artifacts/safetensors.js';
import { loadMnist } from '../../src/data/mnist.js';
import { samplePairs, standardise } from '../../src/data/pairs.js';
import { getModel } from '../../src/models/registry.js';
import type { PairNetwork } from '../../src/models/types.js';
import { Rng } from '../../src/tensor/random.js';
import { noGrad } from '../../src/tensor/autograd.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { evaluate, trainRun } from '../../src/train/run.js';
import type { RunRecord } from '../../src/train/types.js';
import { throwsOneLine } from '../helpers/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'pairbench-ckpt-'));
const ds = loadMnist();

function trainAndSave(id: string, file: string): { net: PairNetwork; record: RunRecord } {
  let net: PairNetwork | null = null;
  const record = trainRun({ model: id, seed: 11, round: 2, epochs: 1, trainPairs: 200, testPairs: 200, data: ds, onFinished: (n, r) => {
    net = n;
    saveCheckpoint(file, n, runCheckpointMeta(r, getModel(id)));
  } });
  return { net: net!, record };
}

function outputs(net: PairNetwork, raw: Float32Array, mean: number, std: number): number[][] {
  const set = standardise({ input: raw, target: new Float32Array(raw.length / 392), classes: new Int32Array(raw.length / 196), indices: new Int32Array(raw.length / 196), n: raw.length / 392 },
    { mean, std, pixels: 0, source: 'test' });
  net.eval();
  const o = noGrad(() => net.forwardPair(new Tensor(set.input, [set.n, 2, 14, 14])));
  return [o.main, ...(o.digits ?? [])].filter((t): t is Tensor => t !== null).map((t) => Array.from(t.data));
}

const pairs = samplePairs(64, new Rng(3), ds.test, 'test');

for (const id of ['pillonel2020/model4', 'lenet-transfer/cnn']) {
  test(`${id}: train, save, load: identical outputs, parameters, batch-norm buffers and metadata`, () => {
    const file = join(dir, `${id.replace('/', '_')}.safetensors`);
    const { net, record } = trainAndSave(id, file);
    const ck = loadCheckpoint(file);
    assert.equal(ck.spec.id, id);
    assert.equal(ck.network.training, false);
    const s = record.standardisation!;
    assert.deepEqual(ck.meta.standardisation, s);
    assert.equal(ck.meta.seed, 11);
    assert.equal(ck.meta.round, 2);
    assert.equal(ck.meta.epochs, 1);
    assert.equal(ck.meta.testAccuracy, record.testAccuracy);
    assert.deepEqual(ck.meta.recipe, getModel(id).recipe);
    assert.match(ck.meta.pairbenchVersion, /^\d+\.\d+\.\d+/);
    // every tensor, parameters and buffers, bit for bit
    const a = stateTensors(net);
    const b = stateTensors(ck.network);
    assert.deepEqual(b.map((t) => t.name), a.map((t) => t.name));
    for (let i = 0; i < a.length; i++) assert.deepEqual(Array.from(b[i]!.data), Array.from(a[i]!.data), a[i]!.name);
    if (id === 'pillonel2020/model4') {
      const rm = b.find((t) => t.name.endsWith('bn1.runningMean'))!;
      assert.ok(rm.data.some((v) => v !== 0), 'training moved the running mean, and it was saved');
    }
    assert.deepEqual(outputs(ck.network, pairs.input, s.mean, s.std), outputs(net, pairs.input, s.mean, s.std));
    // predictions from raw pixels agree with the network's own outputs
    const p = predictRaw(ck, pairs.input);
    assert.equal(p.length, 64);
    for (const x of p) assert.ok(x.probability >= 0 && x.probability <= 1);
  });
}

test('predictRaw over several evaluation chunks: each pair as on its own, and the same predictions as evaluate', () => {
  const file = join(dir, 'chunks.safetensors');
  trainAndSave('pillonel2020/model4', file);
  const ck = loadCheckpoint(file);
  const many = samplePairs(450, new Rng(5), ds.test, 'test');
  const all = predictRaw(ck, many.input);
  assert.equal(all.length, 450);
  for (const i of [0, 1, 199, 200, 201, 399, 400, 449]) {
    const [one] = predictRaw(ck, many.input.subarray(i * 392, (i + 1) * 392));
    assert.equal(all[i]!.lessOrEqual, one!.lessOrEqual, `pair ${i}`);
    assert.ok(Math.abs(all[i]!.probability - one!.probability) < 1e-6, `pair ${i}: ${all[i]!.probability} alone ${one!.probability}`);
  }
  const s = ck.meta.standardisation;
  const e = evaluate(ck.network, standardise(many, { mean: s.mean, std: s.std, pixels: 0, source: 'test' }), ck.meta.recipe.compareInCode);
  assert.equal(all.filter((p, i) => (p.lessOrEqual ? 1 : 0) === many.target[i]).length, Math.round(e.accuracy * 450));
  assert.equal(all.filter((p) => p.lessOrEqual).length, e.predictedOnes);
  assert.equal(ck.network.training, false, 'still in eval mode');
});

test('bad checkpoints: truncated, wrong shape, unknown model id, another safetensors file: one-line errors', () => {
  const file = join(dir, 'good.safetensors');
  trainAndSave('lenet-transfer/baseline', file);
  const bytes = readFileSync(file);
  throwsOneLine(() => decodeCheckpoint(bytes.subarray(0, bytes.length - 100), 'cut.safetensors'), 'bad_checkpoint', /cut\.safetensors: .*truncated/);
  const st = decodeSafetensors(bytes, 'good');
  const tensors = [...st.tensors.values()];
  // a wrong shape: the first layer's weight as [128, 392] instead of [256, 392]
  const w = tensors[0]!;
  const wrong = tensors.map((t) => (t === w ? { name: t.name, shape: [128, 392], data: t.data.subarray(0, 128 * 392) } : t));
  throwsOneLine(() => decodeCheckpoint(encodeSafetensors(wrong, st.metadata), 'shape.safetensors'), 'shape_mismatch',
    new RegExp(`shape\\.safetensors: tensor '${w.name.replace(/\./g, '\\.')}' has shape \\[128, 392\\], lenet-transfer/baseline expects \\[256, 392\\]`));
  throwsOneLine(() => decodeCheckpoint(encodeSafetensors(tensors.slice(1), st.metadata), 'missing.safetensors'), 'bad_checkpoint', /needs 1 tensor the checkpoint lacks/);
  throwsOneLine(() => decodeCheckpoint(encodeSafetensors(tensors, { ...st.metadata, model: 'lenet-transfer/cnnn' }), 'id.safetensors'), 'unknown_model', /id\.safetensors: checkpoint of an unknown model id 'lenet-transfer\/cnnn'.*nearest: lenet-transfer\/cnn/);
  throwsOneLine(() => decodeCheckpoint(encodeSafetensors(tensors, { format: 'pt' }), 'hf.safetensors'), 'bad_checkpoint', /a safetensors file but not a pairbench checkpoint/);
  const md = { ...st.metadata, format: CHECKPOINT_FORMAT };
  delete (md as Record<string, string>)['seed'];
  throwsOneLine(() => decodeCheckpoint(encodeSafetensors(tensors, md), 'noseed.safetensors'), 'bad_checkpoint', /metadata has no 'seed'/);
  writeFileSync(join(dir, 'text.safetensors'), 'hello');
  throwsOneLine(() => loadCheckpoint(join(dir, 'text.safetensors')), 'bad_checkpoint', /too short/);
  throwsOneLine(() => loadCheckpoint(join(dir, 'none.safetensors')), 'io_error', /cannot read checkpoint .*none\.safetensors: no such file/);
});

test('a variant (hyperparameters set) is saved with them and rebuilt from them', () => {
  const spec = getModel('carparelli2019/shallow-sharing-aux').variant({ H: 37, lambda: 0.25, lr: 0.002 });
  const file = join(dir, 'variant.safetensors');
  let net: PairNetwork | null = null;
  const record = trainRun({ model: spec, seed: 4, epochs: 1, trainPairs: 200, testPairs: 200, data: ds, onFinished: (n, r) => {
    net = n;
    saveCheckpoint(file, n, runCheckpointMeta(r, spec));
  } });
  const ck = loadCheckpoint(file);
  assert.deepEqual(ck.meta.variantOf, { id: 'carparelli2019/shallow-sharing-aux', set: { H: 37, lambda: 0.25, lr: 0.002 } });
  assert.equal(ck.meta.hyperparameters['H'], 37);
  assert.deepEqual(ck.meta.recipe, spec.recipe);
  assert.equal(ck.spec.params, spec.params);
  const fc = stateTensors(ck.network).find((t) => t.name.endsWith('fc1.weight'))!;
  assert.deepEqual(fc.shape, [37, 196]);
  const s = record.standardisation!;
  assert.deepEqual(outputs(ck.network, pairs.input, s.mean, s.std), outputs(net!, pairs.input, s.mean, s.std));
  // a set the model does not accept: the checkpoint is refused, naming the key
  const st = decodeSafetensors(readFileSync(file), 'v');
  const bad = { ...st.metadata, variant_of: JSON.stringify({ id: 'carparelli2019/shallow-sharing-aux', set: { width: 3 } }) };
  throwsOneLine(() => decodeCheckpoint(encodeSafetensors([...st.tensors.values()], bad), 'badset.safetensors'), 'bad_checkpoint', /badset\.safetensors: .*no hyperparameter 'width'/);
});
