// ONNX export of every zoo model id, run by onnxruntime-node on real MNIST test pairs: logits and
// digits within 1e-4 of pairbench's, pred identical to pairbench's own prediction rule
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Checkpoint } from '../../src/artifacts/checkpoint.js';
import { exportOnnx } from '../../src/artifacts/onnx/export.js';
import { loadMnist } from '../../src/data/mnist.js';
import { samplePairs, standardise } from '../../src/data/pairs.js';
import { PairNet, WholeNet } from '../../src/models/blocks.js';
import { Ensemble } from '../../src/models/ensemble.js';
import { OrderPairNet } from '../../src/models/pairbench.js';
import { allModels } from '../../src/models/registry.js';
import type { ModelSpec, PairNetwork } from '../../src/models/types.js';
import { Rng } from '../../src/tensor/random.js';
import { noGrad } from '../../src/tensor/autograd.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { predictPairs, trainRun } from '../../src/train/run.js';
import { skipUnless } from '../helpers/components.js';

type Ort = typeof import('onnxruntime-node');
let ort: Ort | null = null;
let why = '';
try {
  ort = await import('onnxruntime-node');
} catch (e) {
  why = `cannot load onnxruntime-node (${(e as Error).message.split('\n')[0]})`;
}
const skip = skipUnless('onnxruntime', ort !== null, why);

const N = 96;
const ds = loadMnist();
const raw = samplePairs(N, new Rng(2024), ds.test, 'test'); // raw pooled pixels 0-255, as the graph takes them
const STATS = { mean: 33.31842, std: 78.56749 };
const standardised = standardise(raw, { ...STATS, pixels: 0, source: 'test' }).input;

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

// an untrained network made less trivial: batch-norm statistics and affine terms away from their
// initial values, the main output's bias moved so that both predictions occur
function prepare(spec: ModelSpec): PairNetwork {
  const net = spec.build({ init: new Rng(7), dropout: new Rng(8) });
  if (net instanceof Ensemble) return net;
  const r = new Rng(9);
  for (const [name, t] of [...net.namedParameters(), ...net.namedBuffers()]) {
    const d = t.data;
    if (name.endsWith('runningVar')) for (let i = 0; i < d.length; i++) d[i] = r.uniform(0.5, 2);
    else if (name.endsWith('runningMean')) for (let i = 0; i < d.length; i++) d[i] = r.normal(0, 0.3);
    else if (/\.bn\w*\d\.(weight|bias)$/.test(name)) for (let i = 0; i < d.length; i++) d[i] += r.normal(0, 0.2);
  }
  net.eval();
  // the order head has no bias to centre: sharper digit beliefs make P(a <= b) differ from pair to pair
  if (net instanceof OrderPairNet && net.head === null) sharpenDigits(net);
  const head = net instanceof OrderPairNet ? net.head : net instanceof WholeNet ? net.net : (net as unknown as PairNet).head;
  if (head !== null) {
    const o = noGrad(() => net.forwardPair(new Tensor(standardised, [N, 2, 14, 14]))).main!;
    const c = o.shape[1]!;
    const params = head.namedParameters();
    const bias = params[params.length - 1]![1];
    assert.equal(bias.size, c, `${spec.id}: the head's last parameter is the output bias`);
    const rows = Array.from({ length: N }, (_, i) => (c === 1 ? o.data[i]! : o.data[2 * i + 1]! - o.data[2 * i]!));
    bias.data[c - 1]! -= median(rows) + 1e-3;
  }
  return net;
}

// the untrained trunk's features differ little from image to image: large random digit weights over
// the features' deviations from their mean make each image's most likely digit its own, so that
// P(a <= b) crosses 1/2
function sharpenDigits(net: OrderPairNet): void {
  const f = noGrad(() => net.trunk.forward(new Tensor(standardised, [2 * N, 1, 14, 14])));
  const k = f.shape[1]!;
  const mean = new Float64Array(k);
  for (let r = 0; r < 2 * N; r++) for (let j = 0; j < k; j++) mean[j]! += f.data[r * k + j]! / (2 * N);
  const r = new Rng(11);
  const w = net.digit.weight.data;
  const b = net.digit.bias!.data;
  for (let d = 0; d < 10; d++) {
    let wm = 0;
    for (let j = 0; j < k; j++) wm += (w[d * k + j] = r.normal(0, 30)) * mean[j]!;
    b[d] = -wm;
  }
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
}

async function check(net: PairNetwork, spec: ModelSpec): Promise<{ pred: number[] }> {
  const ck: Checkpoint = {
    network: net, spec, file: 'memory',
    meta: { model: spec.id, recipe: spec.recipe, hyperparameters: {}, seed: 1, round: 0, epochs: 1, batchSize: 100, standardisation: STATS, pairbenchVersion: 'test', testAccuracy: 0 },
  };
  const { bytes, outputs } = exportOnnx(ck);
  const session = await ort!.InferenceSession.create(bytes);
  assert.deepEqual(session.inputNames, ['pairs']);
  const res = await session.run({ pairs: new ort!.Tensor('float32', raw.input, [N, 2, 14, 14]) });
  const ours = noGrad(() => net.forwardPair(new Tensor(standardised, [N, 2, 14, 14])));
  const { pred, digits } = predictPairs(ours, spec.recipe.compareInCode);
  if (ours.main !== null) {
    assert.deepEqual(res['logits']!.dims, [N, ours.main.shape[1]]);
    assert.ok(maxDiff(res['logits']!.data as Float32Array, ours.main.data) < 1e-4, `${spec.id}: logits differ by ${maxDiff(res['logits']!.data as Float32Array, ours.main.data)}`);
  } else assert.ok(!outputs.includes('logits'));
  if (ours.digits !== null) {
    assert.deepEqual(res['digits']!.dims, [N, 2, 10]);
    const both = new Float32Array(N * 20);
    for (let i = 0; i < N; i++) {
      both.set(ours.digits[0].data.subarray(10 * i, 10 * i + 10), 20 * i);
      both.set(ours.digits[1].data.subarray(10 * i, 10 * i + 10), 20 * i + 10);
    }
    assert.ok(maxDiff(res['digits']!.data as Float32Array, both) < 1e-4, `${spec.id}: digits differ`);
    assert.ok(digits !== null);
  } else assert.ok(!outputs.includes('digits'));
  assert.equal(res['pred']!.type, 'int64');
  assert.deepEqual(res['pred']!.dims, [N]);
  const onnxPred = Array.from(res['pred']!.data as BigInt64Array, Number);
  assert.deepEqual(onnxPred, Array.from(pred), `${spec.id}: pred`);
  return { pred: onnxPred };
}

test('every zoo model id exports to ONNX and onnxruntime matches pairbench on real test pairs', { skip }, async () => {
  const ids: string[] = [];
  for (const zoo of allModels()) {
    // an ensemble has no ONNX form (refused in one line): its single network is exported instead
    const ensemble = zoo.hyper['ensemble'] !== undefined && zoo.hyper['ensemble'] !== 1;
    if (ensemble) assert.throws(() => exportOnnx({ network: prepare(zoo), spec: zoo, file: 'memory', meta: { model: zoo.id, recipe: zoo.recipe, hyperparameters: {}, seed: 1, round: 0, epochs: 1, batchSize: 100, standardisation: STATS, pairbenchVersion: 'test', testAccuracy: 0 } }), /the network Ensemble has no ONNX form/);
    const spec = ensemble ? zoo.variant({ ensemble: 1 }) : zoo;
    const { pred } = await check(prepare(spec), spec);
    // both answers occur wherever the output bias was centred (models with a pair output)
    if (!spec.recipe.compareInCode) assert.ok(pred.includes(0) && pred.includes(1), `${spec.id}: pred takes both values`);
    ids.push(spec.id);
  }
  assert.equal(ids.length, allModels().length);
  assert.ok(ids.length >= 47);
});

test('trained networks: the digit comparison and the one-logit sign rule export with pred identical', { skip }, async () => {
  for (const id of ['lenet-transfer/digit-prediction', 'pillonel2020/model4']) {
    let net: PairNetwork | null = null;
    trainRun({ model: id, seed: 5, epochs: 2, trainPairs: 300, testPairs: 100, data: ds, onFinished: (n) => { net = n; } });
    const spec = allModels().find((m) => m.id === id)!;
    net!.eval();
    const { pred } = await check(net!, spec);
    assert.ok(pred.includes(0) && pred.includes(1), `${id}: a trained network predicts both answers`);
  }
});
