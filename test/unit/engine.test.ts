// the engine as a user meets it: error paths, modules, state dicts, a small CNN that learns, determinism
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { isPairbenchError, PairbenchError } from '../../src/errors.js';
import * as nn from '../../src/nn/index.js';
import { Adam } from '../../src/optim/index.js';
import * as F from '../../src/tensor/ops/index.js';
import { Rng } from '../../src/tensor/random.js';
import { noGrad } from '../../src/tensor/autograd.js';
import { pooledBufferBytes } from '../../src/tensor/pool.js';
import { Tensor } from '../../src/tensor/tensor.js';

function expectCode(fn: () => unknown, code: string, mentions: string[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof PairbenchError, `expected a PairbenchError, got ${String(e)}`);
    assert.equal(e.code, code);
    for (const m of mentions) assert.ok(e.message.includes(m), `message '${e.message}' should mention '${m}'`);
    return true;
  });
}

test('shape errors name the op and the shapes', () => {
  const a = Tensor.zeros([2, 3]);
  expectCode(() => F.add(a, Tensor.zeros([4])), 'shape_mismatch', ['add', '[2, 3]', '[4]']);
  expectCode(() => F.matmul(a, Tensor.zeros([2, 3])), 'shape_mismatch', ['matmul', '[2, 3]']);
  expectCode(() => F.linear(a, Tensor.zeros([4, 5]), null), 'shape_mismatch', ['linear', '[4, 5]']);
  expectCode(() => F.conv2d(Tensor.zeros([1, 2, 5, 5]), Tensor.zeros([3, 1, 3, 3]), null), 'shape_mismatch', ['conv2d', '[1, 2, 5, 5]', '[3, 1, 3, 3]']);
  expectCode(() => F.conv2d(Tensor.zeros([1, 1, 2, 2]), Tensor.zeros([3, 1, 3, 3]), null), 'shape_mismatch', ['conv2d', 'does not fit']);
  expectCode(() => F.maxPool2d(Tensor.zeros([1, 1, 1, 1]), 2), 'shape_mismatch', ['maxPool2d']);
  expectCode(() => F.reshape(a, [4, 2]), 'shape_mismatch', ['reshape', '[4, 2]']);
  expectCode(() => F.concat([a, Tensor.zeros([3, 3])], 1), 'shape_mismatch', ['concat', '[2, 3]', '[3, 3]']);
  expectCode(() => F.slice(a, 1, 2, 5), 'shape_mismatch', ['slice', '2:5']);
  expectCode(() => F.crossEntropy(a, Int32Array.from([0, 7])), 'shape_mismatch', ['crossEntropy', 'target[1] = 7']);
  expectCode(() => F.crossEntropy(a, Int32Array.from([0])), 'shape_mismatch', ['crossEntropy', '1 entries']);
  expectCode(() => F.binaryCrossEntropyWithLogits(a, Tensor.zeros([5])), 'shape_mismatch', ['binaryCrossEntropyWithLogits']);
  expectCode(() => F.batchNorm(a, Tensor.zeros([2]), Tensor.zeros([3]), Tensor.zeros([3]), Tensor.zeros([3]), { training: true, momentum: 0.1, eps: 1e-5 }), 'shape_mismatch', ['batchNorm', 'weight']);
  expectCode(() => F.softmax(a, 0), 'shape_mismatch', ['softmax']);
  expectCode(() => new Tensor(new Float32Array(5), [2, 3]), 'shape_mismatch', ['Tensor', '5']);
  expectCode(() => Tensor.zeros([2, 3]).item(), 'shape_mismatch', ['item']);
  expectCode(() => new nn.BatchNorm2d(3).forward(Tensor.zeros([2, 3])), 'shape_mismatch', ['BatchNorm2d']);
});

test('bad values are bad_argument errors naming the op and field, with typed details', () => {
  const x = Tensor.zeros([1, 1, 4, 4]);
  const w = Tensor.zeros([1, 1, 3, 3]);
  expectCode(() => F.dropout(x, 1, new Rng(1), true), 'bad_argument', ['dropout', 'p']);
  expectCode(() => F.conv2d(x, w, null, { stride: 0 }), 'bad_argument', ['conv2d', 'stride']);
  expectCode(() => F.conv2d(x, w, null, { padding: -1 }), 'bad_argument', ['conv2d', 'padding']);
  expectCode(() => F.maxPool2d(x, 2, 0), 'bad_argument', ['maxPool2d', 'stride']);
  expectCode(() => new Rng(Number.NaN), 'bad_argument', ['Rng', 'seed']);
  expectCode(() => new Rng(1).int(0), 'bad_argument', ['Rng.int']);
  try {
    F.conv2d(x, w, null, { stride: 0 });
  } catch (e) {
    assert.ok(isPairbenchError(e, 'bad_argument'));
    assert.deepEqual(e.details, { op: 'conv2d', field: 'stride', value: 0 });
  }
  assert.ok(!isPairbenchError(new PairbenchError('no_grad', 'x', { shape: [] }), 'bad_argument'));
});

test('backward errors: no grad, non-scalar without a gradient', () => {
  expectCode(() => F.sum(Tensor.zeros([3])).backward(), 'no_grad', ['backward']);
  const x = Tensor.zeros([3]);
  x.requiresGrad = true;
  expectCode(() => F.relu(x).backward(), 'shape_mismatch', ['backward', 'scalar']);
  expectCode(() => new Adam([x], { lr: -1 }), 'bad_argument', ['Adam', 'lr']);
  expectCode(() => new nn.Dropout(1.5, new Rng(1)), 'bad_argument', ['Dropout', 'p']);
  expectCode(() => new nn.Linear(0, 3, new Rng(1)), 'bad_argument', ['Linear', 'inFeatures']);
});

test('a forced unavailable backend is a clear error', () => {
  const script = `import('${new URL('../../src/backend/select.js', import.meta.url).href}').then(m => { try { m.getBackend(); console.log('no error'); } catch (e) { console.log(e.code + ': ' + e.message); } })`;
  const bogus = spawnSync(process.execPath, ['-e', script], { env: { ...process.env, PAIRBENCH_BACKEND: 'gpu' }, encoding: 'utf8' });
  assert.match(bogus.stdout, /^bad_config: PAIRBENCH_BACKEND/);
  const ref = spawnSync(process.execPath, ['-e', script], { env: { ...process.env, PAIRBENCH_BACKEND: 'reference' }, encoding: 'utf8' });
  assert.match(ref.stdout, /no error/);
});

test('gradients accumulate until zeroed, noGrad records nothing', () => {
  const w = Tensor.from([1, 2, 3]);
  w.requiresGrad = true;
  F.sum(F.mul(w, 2)).backward();
  F.sum(F.mul(w, 2)).backward();
  assert.deepEqual(w.grad!.toArray(), [4, 4, 4]);
  const y = noGrad(() => F.mul(w, 2));
  assert.equal(y.requiresGrad, false);
  // a tensor used twice gets both contributions
  w.grad = null;
  F.sum(F.mul(w, w)).backward();
  assert.deepEqual(w.grad!.toArray(), [2, 4, 6]);
});

class SmallCnn extends nn.Module {
  features: nn.Sequential;
  head: nn.Sequential;
  constructor(rng: Rng) {
    super();
    this.features = new nn.Sequential(new nn.Conv2d(1, 4, 3, rng), new nn.BatchNorm2d(4), new nn.ReLU(), new nn.MaxPool2d(2), new nn.Flatten());
    this.head = new nn.Sequential(new nn.Linear(36, 16, rng), new nn.ReLU(), new nn.Dropout(0.1, rng.split('dropout')), new nn.Linear(16, 2, rng));
  }
  forward(x: Tensor): Tensor { return this.head.forward(this.features.forward(x)); }
}

// synthetic task: is the bright blob in the top or the bottom half of an 8x8 image
function synthetic(n: number, rng: Rng): { x: Tensor; y: Int32Array } {
  const x = Tensor.zeros([n, 1, 8, 8]);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = rng.int(2);
    for (let p = 0; p < 64; p++) x.data[i * 64 + p] = rng.normal(0, 0.5);
    const r0 = y[i] === 0 ? rng.int(3) : 4 + rng.int(3);
    const c0 = rng.int(6);
    for (let dr = 0; dr < 2; dr++) for (let dc = 0; dc < 2; dc++) x.data[i * 64 + (r0 + dr) * 8 + c0 + dc] = x.data[i * 64 + (r0 + dr) * 8 + c0 + dc]! + 2;
  }
  return { x, y };
}

function trainSmallCnn(seed: number): { losses: number[]; acc: number; params: Float32Array } {
  const rng = new Rng(seed);
  const model = new SmallCnn(rng.split('init'));
  const data = synthetic(256, rng.split('data'));
  const opt = new Adam(model.parameters(), { lr: 1e-2 });
  const losses: number[] = [];
  for (let epoch = 0; epoch < 4; epoch++) {
    let total = 0;
    for (let b = 0; b < 256; b += 32) {
      const xb = new Tensor(data.x.data.slice(b * 64, (b + 32) * 64), [32, 1, 8, 8]);
      const loss = F.crossEntropy(model.forward(xb), data.y.slice(b, b + 32));
      opt.zeroGrad();
      loss.backward();
      opt.step();
      total += loss.item();
    }
    losses.push(total / 8);
  }
  model.eval();
  const test = synthetic(200, new Rng(seed + 1000));
  const logits = noGrad(() => model.forward(test.x));
  let correct = 0;
  for (let i = 0; i < 200; i++) if ((logits.data[2 * i + 1]! > logits.data[2 * i]! ? 1 : 0) === test.y[i]) correct++;
  const params = Float32Array.from(model.parameters().flatMap((p) => Array.from(p.data)));
  return { losses, acc: correct / 200, params };
}

test('a small CNN learns a synthetic task and the same seed gives the same bits', () => {
  const a = trainSmallCnn(5);
  assert.ok(a.losses[3]! < a.losses[0]! * 0.7, `loss should fall: ${a.losses.join(', ')}`);
  assert.ok(a.acc > 0.8, `test accuracy ${a.acc} should be well above chance`);
  const b = trainSmallCnn(5);
  assert.deepEqual(b.losses, a.losses);
  assert.deepEqual(b.params, a.params);
  const c = trainSmallCnn(6);
  assert.notDeepEqual(c.params, a.params);
});

test('state dicts round-trip and name parameters in layer order', () => {
  const m = new SmallCnn(new Rng(1));
  const names = m.namedParameters().map(([n]) => n);
  assert.deepEqual(names, ['features.layers.0.weight', 'features.layers.0.bias', 'features.layers.1.weight', 'features.layers.1.bias',
    'head.layers.0.weight', 'head.layers.0.bias', 'head.layers.3.weight', 'head.layers.3.bias']);
  assert.equal(m.parameterCount(), 4 * 9 + 4 + 4 + 4 + 36 * 16 + 16 + 16 * 2 + 2);
  const sd = m.stateDict();
  assert.ok('features.layers.1.runningMean' in sd);
  const m2 = new SmallCnn(new Rng(2));
  m2.loadStateDict(sd);
  assert.deepEqual(m2.stateDict(), sd);
  const bad = { ...sd, 'head.layers.3.bias': { shape: [3], data: [0, 0, 0] } };
  expectCode(() => m2.loadStateDict(bad), 'shape_mismatch', ['head.layers.3.bias', '[3]', '[2]']);
});

test('Rng: same seed same stream, split streams independent of the parent', () => {
  const a = new Rng(123);
  const b = new Rng(123);
  assert.deepEqual([a.nextU32(), a.nextU32()], [b.nextU32(), b.nextU32()]);
  const p = new Rng(9);
  const s1 = p.split('round-1').random();
  p.random();
  const s2 = new Rng(9).split('round-1').random();
  assert.equal(s1, s2);
  assert.notEqual(new Rng(9).split('round-2').random(), s1);
  const bulk = new Uint32Array(1000);
  const one = new Rng(77);
  new Rng(77).fillU32(bulk);
  assert.deepEqual(Array.from(bulk), Array.from({ length: 1000 }, () => one.nextU32()));
  const perm = new Rng(1).permutation(100);
  assert.deepEqual([...perm].sort((x, y) => x - y), Array.from({ length: 100 }, (_, i) => i));
  let mean = 0;
  const r = new Rng(4);
  for (let i = 0; i < 10000; i++) mean += r.random() / 10000;
  assert.ok(Math.abs(mean - 0.5) < 0.02);
});

// buffers of a consumed graph are recycled (allocations page-fault and dominate small-CNN training otherwise)
test('after backward: intermediates are recycled, outputs and read tensors stay, a second backward is refused', () => {
  const rng = new Rng(11);
  const w = new Tensor(new Float32Array(8 * 9).map(() => rng.normal(0, 0.3)), [8, 1, 3, 3], true);
  const lin = new Tensor(new Float32Array(2 * 8 * 6 * 6).map(() => rng.normal(0, 0.1)), [2, 8 * 6 * 6], true);
  const x = new Tensor(new Float32Array(64 * 14 * 14).map(() => rng.normal()), [64, 1, 14, 14]);
  const step = (readEarly: boolean): { conv: Tensor; pinned: Tensor; logits: Tensor; before: number[]; loss: Tensor } => {
    const conv = F.conv2d(x, w, null); // (64,8,12,12): large, recycled
    const pinned = F.relu(conv);
    if (readEarly) void pinned.data; // read before backward: never recycled
    const pooled = F.maxPool2d(pinned, 2);
    const logits = F.linear(F.flatten(pooled), lin, null); // the model's output: kept
    const before = logits.toArray();
    const loss = F.crossEntropy(logits, new Int32Array(64).map((_, i) => i % 2));
    loss.backward();
    return { conv, pinned, logits, before, loss };
  };
  const a = step(true);
  expectCode(() => a.conv.data, 'bad_argument', ['recycled', '[64, 8, 12, 12]']);
  expectCode(() => F.relu(a.conv), 'bad_argument', ['recycled']);
  assert.equal(a.pinned.data.length, 64 * 8 * 12 * 12);
  assert.deepEqual(a.logits.toArray(), a.before);
  assert.ok(Number.isFinite(a.loss.item()));
  expectCode(() => a.loss.backward(), 'graph_consumed', ['backward', 'again']);
  // the next steps run on recycled buffers and give the same gradients as a fresh start
  const g1 = Array.from(w.grad!.data);
  w.grad = null;
  lin.grad = null;
  const b = step(false);
  assert.deepEqual(Array.from(w.grad!.data), g1);
  assert.deepEqual(b.logits.toArray(), b.before);
  expectCode(() => b.pinned.data, 'bad_argument', ['recycled']);
  // the pool holds what one step frees (the conv output, its ReLU, their gradients and smaller buffers:
  // measured 4.75 conv outputs) and the next step takes it back: it does not grow from step to step
  const convBytes = 64 * 8 * 12 * 12 * 4;
  const held = pooledBufferBytes();
  assert.ok(held >= convBytes && held <= 6 * convBytes, `${held} bytes pooled after a step, expected 1 to 6 conv outputs (${convBytes} bytes each)`);
  for (let i = 0; i < 3; i++) step(false);
  assert.ok(pooledBufferBytes() <= held + 4096, `the pool grew from ${held} to ${pooledBufferBytes()} bytes over 3 more steps`);
  // another model's steps: the first one's buffer sizes are dropped after a few idle passes
  const v = new Tensor(new Float32Array(100).fill(0.5), [100], true);
  for (let i = 0; i < 4; i++) F.sum(F.mul(v, v)).backward();
  assert.ok(pooledBufferBytes() < 64 * 8 * 12 * 12 * 4, `${pooledBufferBytes()} bytes still pooled`);
});

test('a reshaped parameter is never recycled with the graph', () => {
  const w = new Tensor(new Float32Array(64 * 128).fill(0.01), [64 * 128], true);
  const x = new Tensor(new Float32Array(10 * 128).fill(1), [10, 128]);
  const loss = F.sum(F.relu(F.linear(x, F.reshape(w, [64, 128]), null)));
  loss.backward();
  assert.equal(w.data.length, 64 * 128);
  assert.equal(w.data[5], Math.fround(0.01));
  assert.equal(w.grad!.data.length, 64 * 128);
});

test('a BatchNorm2d followed by a ReLU runs fused, in training and evaluation: the same values and gradients, bit for bit', () => {
  const rng = new Rng(32);
  const x = Tensor.from(Array.from({ length: 6 * 3 * 5 * 5 }, () => rng.uniform(-1, 1)), [6, 3, 5, 5]);
  for (const training of [true, false]) {
    const fused = new nn.Sequential(new nn.BatchNorm2d(3), new nn.ReLU());
    const bn = new nn.BatchNorm2d(3);
    fused.train(training);
    bn.train(training);
    const xf = x.detach(); xf.requiresGrad = true;
    const xp = x.detach(); xp.requiresGrad = true;
    const yf = fused.forward(xf);
    const yp = F.relu(bn.forward(xp));
    assert.equal(yf.node?.op, 'batchNorm', 'one batch norm node, no relu node');
    assert.deepEqual(Array.from(yf.data), Array.from(yp.data));
    assert.ok(Array.from(yf.data).some((v) => v === 0), 'the relu clipped some values');
    // weights that do not vanish where the relu clipped (d sum(y^2)/dy would be 0 there anyway)
    const w = Tensor.from(Array.from({ length: x.size }, (_, i) => 1 + (i % 7) / 7), x.shape);
    F.sum(F.mul(yf, w)).backward();
    F.sum(F.mul(yp, w)).backward();
    assert.deepEqual(Array.from(xf.grad!.data), Array.from(xp.grad!.data), `dx (${training ? 'train' : 'eval'} mode)`);
    assert.deepEqual(fused.parameters().flatMap((p) => Array.from(p.grad!.data)), bn.parameters().flatMap((p) => Array.from(p.grad!.data)));
  }
});

test('a Linear followed by a ReLU runs fused: one tape node, the same values and gradients, bit for bit', () => {
  const rng = new Rng(31);
  const build = (): nn.Sequential => new nn.Sequential(new nn.Linear(20, 16, new Rng(5)), new nn.ReLU(), new nn.Linear(16, 3, new Rng(6)));
  const x = Tensor.from(Array.from({ length: 8 * 20 }, () => rng.uniform(-1, 1)), [8, 20]);
  const fused = build();
  const yFused = fused.forward(x);
  const hidden = yFused.node!.inputs[0]!;
  assert.equal(hidden.node?.op, 'linear', 'the hidden layer is one linear node, no relu node');
  const h = Array.from(hidden.data);
  assert.ok(h.some((v) => v === 0) && h.every((v) => v >= 0), 'the hidden activations went through the relu');
  const plain = build();
  const l1 = plain.layers[0] as nn.Linear, l2 = plain.layers[2] as nn.Linear;
  const yPlain = l2.forward(F.relu(l1.forward(x)));
  assert.equal(yPlain.node?.inputs[0]?.node?.op, 'relu');
  assert.deepEqual(Array.from(yFused.data), Array.from(yPlain.data));
  F.sum(F.square(yFused)).backward();
  F.sum(F.square(yPlain)).backward();
  const grads = (m: nn.Module): number[] => m.parameters().flatMap((p) => Array.from(p.grad!.data));
  assert.deepEqual(grads(fused), grads(plain));
});
