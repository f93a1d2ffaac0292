// finite-difference gradient checks of every op, in float64 on the reference backend
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { setBackend } from '../../src/backend/select.js';
import * as F from '../../src/tensor/ops/index.js';
import { Rng } from '../../src/tensor/random.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { Dropout } from '../../src/nn/layers.js';

before(() => { setBackend('reference'); });

function rand(shape: number[], rng: Rng, lo = -1, hi = 1): Tensor {
  const t = Tensor.zeros(shape, 'float64');
  for (let i = 0; i < t.size; i++) t.data[i] = rng.uniform(lo, hi);
  t.requiresGrad = true;
  return t;
}

// compares autograd with central differences of sum(f(inputs) * w) for a fixed random w
function check(name: string, f: (...xs: Tensor[]) => Tensor, inputs: Tensor[], tol = 1e-6): void {
  const rng = new Rng(7);
  const y0 = f(...inputs);
  const w = Tensor.zeros([...y0.shape], 'float64');
  for (let i = 0; i < w.size; i++) w.data[i] = rng.uniform(-1, 1);
  const loss = (): number => {
    const y = f(...inputs);
    let s = 0;
    for (let i = 0; i < y.size; i++) s += y.data[i]! * w.data[i]!;
    return s;
  };
  for (const x of inputs) x.grad = null;
  F.sum(F.mul(f(...inputs), w)).backward();
  const h = 1e-6;
  inputs.forEach((x, k) => {
    if (!x.requiresGrad) return;
    const g = x.grad;
    assert.ok(g !== null, `${name}: input ${k} got no gradient`);
    for (let i = 0; i < x.size; i++) {
      const old = x.data[i]!;
      x.data[i] = old + h; const up = loss();
      x.data[i] = old - h; const down = loss();
      x.data[i] = old;
      const num = (up - down) / (2 * h);
      const diff = Math.abs(num - g.data[i]!);
      assert.ok(diff <= tol * Math.max(1, Math.abs(num)), `${name}: input ${k} [${i}] autograd ${g.data[i]} vs numeric ${num} (diff ${diff.toExponential(2)})`);
    }
  });
}

const away = (t: Tensor): Tensor => { for (let i = 0; i < t.size; i++) if (Math.abs(t.data[i]!) < 0.05) t.data[i] = 0.3; return t; };

test('add/sub/mul/div with broadcasting', () => {
  const r = new Rng(101);  // one generator per test: inputs do not depend on which tests run
  check('add', (a, b) => F.add(a!, b!), [rand([3, 4], r), rand([4], r)]);
  check('sub', (a, b) => F.sub(a!, b!), [rand([2, 1, 3], r), rand([4, 1], r)]);
  check('mul', (a, b) => F.mul(a!, b!), [rand([3, 4], r), rand([3, 1], r)]);
  check('div', (a, b) => F.div(a!, b!), [rand([3, 4], r), rand([1, 4], r, 0.5, 2)]);
});

test('unary activations', () => {
  const r = new Rng(102);
  check('relu', (x) => F.relu(x!), [away(rand([5, 6], r))]);
  check('leakyRelu', (x) => F.leakyRelu(x!, 0.1), [away(rand([5, 6], r))]);
  check('sigmoid', (x) => F.sigmoid(x!), [rand([5, 6], r)]);
  check('tanh', (x) => F.tanh(x!), [rand([5, 6], r)]);
  check('exp', (x) => F.exp(x!), [rand([4], r)]);
  check('log', (x) => F.log(x!), [rand([4], r, 0.5, 2)]);
  check('sqrt', (x) => F.sqrt(x!), [rand([4], r, 0.5, 2)]);
  check('square/neg/scale', (x) => F.scale(F.neg(F.square(x!)), 0.7), [rand([4], r)]);
});

test('sum and mean, all and along a dim', () => {
  const r = new Rng(103);
  check('sum all', (x) => F.sum(x!), [rand([3, 4], r)]);
  check('sum dim', (x) => F.sum(x!, 1), [rand([2, 3, 4], r)]);
  check('mean dim keep', (x) => F.mean(x!, -1, true), [rand([2, 3, 4], r)]);
  check('mean all', (x) => F.mean(x!), [rand([2, 5], r)]);
});

test('matmul and linear', () => {
  const r = new Rng(104);
  check('matmul', (a, b) => F.matmul(a!, b!), [rand([3, 5], r), rand([5, 2], r)]);
  check('linear', (x, w, b) => F.linear(x!, w!, b!), [rand([4, 6], r), rand([3, 6], r), rand([3], r)]);
  check('linear no bias', (x, w) => F.linear(x!, w!, null), [rand([2, 6], r), rand([3, 6], r)]);
  check('linear with fused relu', (x, w, b) => F.linear(x!, w!, b!, { relu: true }), [rand([5, 6], r), rand([4, 6], r), rand([4], r)]);
});

test('conv2d with stride and padding', () => {
  const r = new Rng(105);
  check('conv2d', (x, w, b) => F.conv2d(x!, w!, b!), [rand([2, 2, 6, 5], r), rand([3, 2, 3, 3], r), rand([3], r)]);
  check('conv2d stride 2 pad 1', (x, w, b) => F.conv2d(x!, w!, b!, { stride: 2, padding: 1 }), [rand([1, 2, 7, 7], r), rand([2, 2, 3, 3], r), rand([2], r)]);
  check('conv2d no bias 1x1 image', (x, w) => F.conv2d(x!, w!, null), [rand([2, 3, 1, 1], r), rand([2, 3, 1, 1], r)]);
});

test('max and avg pooling', () => {
  const r = new Rng(106);
  // distinct values so the max is unique (finite differences are undefined at ties)
  const x = rand([2, 2, 5, 5], r);
  for (let i = 0; i < x.size; i++) x.data[i] = (i * 7919) % 97 / 10;
  check('maxPool2d', (t) => F.maxPool2d(t!, 2), [x]);
  check('maxPool2d k3 s1', (t) => F.maxPool2d(t!, 3, 1), [x]);
  check('avgPool2d', (t) => F.avgPool2d(t!, 2), [rand([2, 3, 5, 4], r)]);
});

test('batch norm, train and eval', () => {
  const r = new Rng(107);
  const rm = Tensor.zeros([3], 'float64');
  const rv = Tensor.full([3], 1, 'float64');
  check('batchNorm2d train', (x, g, b) => F.batchNorm(x!, g!, b!, rm, rv, { training: true, momentum: 0.1, eps: 1e-5 }),
    [rand([4, 3, 2, 2], r), rand([3], r), rand([3], r)], 1e-5);
  check('batchNorm1d train', (x, g, b) => F.batchNorm(x!, g!, b!, Tensor.zeros([3], 'float64'), Tensor.full([3], 1, 'float64'), { training: true, momentum: 0.1, eps: 1e-5 }),
    [rand([5, 3], r), rand([3], r), rand([3], r)], 1e-5);
  check('batchNorm eval', (x, g, b) => F.batchNorm(x!, g!, b!, Tensor.from([0.1, -0.2, 0.3], [3], 'float64'), Tensor.from([0.5, 1.5, 2], [3], 'float64'), { training: false, momentum: 0.1, eps: 1e-5 }),
    [rand([4, 3, 2, 2], r), rand([3], r), rand([3], r)]);
});

test('softmax and logSoftmax', () => {
  const r = new Rng(108);
  check('softmax', (x) => F.softmax(x!), [rand([3, 5], r)]);
  check('logSoftmax', (x) => F.logSoftmax(x!), [rand([3, 5], r)]);
});

test('reshape, flatten, concat, slice', () => {
  const r = new Rng(109);
  check('reshape', (x) => F.reshape(x!, [4, -1]), [rand([2, 2, 3], r)]);
  check('flatten', (x) => F.flatten(x!), [rand([2, 2, 3], r)]);
  check('concat dim1', (a, b) => F.concat([a!, b!], 1), [rand([2, 3, 2], r), rand([2, 1, 2], r)]);
  check('concat dim0', (a, b) => F.concat([a!, b!], 0), [rand([2, 3], r), rand([1, 3], r)]);
  check('slice', (x) => F.slice(x!, 1, 1, 3), [rand([2, 4, 3], r)]);
});

test('losses', () => {
  const r = new Rng(110);
  const target = Int32Array.from([0, 2, 1]);
  check('crossEntropy', (x) => F.crossEntropy(x!, target), [rand([3, 4], r)]);
  check('nll', (x) => F.nll(F.logSoftmax(x!), target), [rand([3, 4], r)]);
  const t = Tensor.from([1, 0, 1, 0, 1], [5], 'float64');
  check('bceWithLogits', (x) => F.binaryCrossEntropyWithLogits(x!, t), [rand([5], r, -3, 3)]);
  check('bce', (p) => F.binaryCrossEntropy(p!, t), [rand([5], r, 0.1, 0.9)]);
  check('mse', (x) => F.mse(x!, Tensor.from([0.5, -1, 2, 0, 1], [5], 'float64')), [rand([5], r)]);
});

test('dropout: gradient equals the mask', () => {
  const r = new Rng(120);
  const x = rand([4, 6], r);
  const y = F.dropout(x, 0.5, new Rng(3), true);
  F.sum(y).backward();
  for (let i = 0; i < x.size; i++) {
    const kept = y.data[i] !== 0;
    assert.equal(x.grad!.data[i], kept ? 2 : 0);
    if (kept) assert.ok(Math.abs(y.data[i]! - 2 * x.data[i]!) < 1e-12);
  }
});

test('dropout: drop rate within binomial bounds, kept elements scaled by 1/(1-p)', () => {
  const n = 20000;
  for (const [p, seed] of [[0.1, 5], [0.3, 6], [0.5, 7], [0.8, 8]] as const) {
    const x = Tensor.full([n], 1.5, 'float64');
    const y = F.dropout(x, p, new Rng(seed), true);
    let dropped = 0;
    for (let i = 0; i < n; i++) {
      if (y.data[i] === 0) dropped++;
      else assert.ok(Math.abs(y.data[i]! - 1.5 / (1 - p)) < 1e-12, `p=${p}: kept element ${i} is ${y.data[i]}, expected 1.5 / (1 - p)`);
    }
    // 5 standard deviations of Binomial(n, p): a wrong rate fails, an unlucky draw (p ~ 6e-7) does not
    const sd = Math.sqrt(n * p * (1 - p));
    assert.ok(Math.abs(dropped - n * p) <= 5 * sd, `p=${p}: ${dropped} of ${n} dropped, expected ${n * p} +- ${Math.round(5 * sd)}`);
  }
});

test('dropout: identity in eval mode and at p = 0, through the op and the layer', () => {
  const r = new Rng(121);
  const x = rand([50, 40], r);
  for (const [p, training] of [[0.5, false], [0, true], [0, false]] as const) {
    const y = F.dropout(x, p, new Rng(9), training);
    assert.deepEqual(Array.from(y.data), Array.from(x.data), `p=${p} training=${training}`);
  }
  const layer = new Dropout(0.5, new Rng(10));
  layer.eval();
  assert.deepEqual(Array.from(layer.forward(x).data), Array.from(x.data), 'Dropout layer in eval mode');
  layer.train();
  assert.ok(Array.from(layer.forward(x).data).some((v) => v === 0), 'Dropout layer in train mode drops');
});
