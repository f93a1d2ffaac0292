// finite-difference gradient checks of every op, in float64 on the reference backend
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { setBackend } from '../../src/backend/select.js';
import * as F from '../../src/tensor/ops/index.js';
import { Rng } from '../../src/tensor/random.js';
import { Tensor } from '../../src/tensor/tensor.js';

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

const r = new Rng(42);
const away = (t: Tensor): Tensor => { for (let i = 0; i < t.size; i++) if (Math.abs(t.data[i]!) < 0.05) t.data[i] = 0.3; return t; };

test('add/sub/mul/div with broadcasting', () => {
  check('add', (a, b) => F.add(a!, b!), [rand([3, 4], r), rand([4], r)]);
  check('sub', (a, b) => F.sub(a!, b!), [rand([2, 1, 3], r), rand([4, 1], r)]);
  check('mul', (a, b) => F.mul(a!, b!), [rand([3, 4], r), rand([3, 1], r)]);
  check('div', (a, b) => F.div(a!, b!), [rand([3, 4], r), rand([1, 4], r, 0.5, 2)]);
});

test('unary activations', () => {
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
  check('sum all', (x) => F.sum(x!), [rand([3, 4], r)]);
  check('sum dim', (x) => F.sum(x!, 1), [rand([2, 3, 4], r)]);
  check('mean dim keep', (x) => F.mean(x!, -1, true), [rand([2, 3, 4], r)]);
  check('mean all', (x) => F.mean(x!), [rand([2, 5], r)]);
});

test('matmul and linear', () => {
  check('matmul', (a, b) => F.matmul(a!, b!), [rand([3, 5], r), rand([5, 2], r)]);
  check('linear', (x, w, b) => F.linear(x!, w!, b!), [rand([4, 6], r), rand([3, 6], r), rand([3], r)]);
  check('linear no bias', (x, w) => F.linear(x!, w!, null), [rand([2, 6], r), rand([3, 6], r)]);
});

test('conv2d with stride and padding', () => {
  check('conv2d', (x, w, b) => F.conv2d(x!, w!, b!), [rand([2, 2, 6, 5], r), rand([3, 2, 3, 3], r), rand([3], r)]);
  check('conv2d stride 2 pad 1', (x, w, b) => F.conv2d(x!, w!, b!, { stride: 2, padding: 1 }), [rand([1, 2, 7, 7], r), rand([2, 2, 3, 3], r), rand([2], r)]);
  check('conv2d no bias 1x1 image', (x, w) => F.conv2d(x!, w!, null), [rand([2, 3, 1, 1], r), rand([2, 3, 1, 1], r)]);
});

test('max and avg pooling', () => {
  // distinct values so the max is unique (finite differences are undefined at ties)
  const x = rand([2, 2, 5, 5], r);
  for (let i = 0; i < x.size; i++) x.data[i] = (i * 7919) % 97 / 10;
  check('maxPool2d', (t) => F.maxPool2d(t!, 2), [x]);
  check('maxPool2d k3 s1', (t) => F.maxPool2d(t!, 3, 1), [x]);
  check('avgPool2d', (t) => F.avgPool2d(t!, 2), [rand([2, 3, 5, 4], r)]);
});

test('batch norm, train and eval', () => {
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
  check('softmax', (x) => F.softmax(x!), [rand([3, 5], r)]);
  check('logSoftmax', (x) => F.logSoftmax(x!), [rand([3, 5], r)]);
});

test('reshape, flatten, concat, slice', () => {
  check('reshape', (x) => F.reshape(x!, [4, -1]), [rand([2, 2, 3], r)]);
  check('flatten', (x) => F.flatten(x!), [rand([2, 2, 3], r)]);
  check('concat dim1', (a, b) => F.concat([a!, b!], 1), [rand([2, 3, 2], r), rand([2, 1, 2], r)]);
  check('concat dim0', (a, b) => F.concat([a!, b!], 0), [rand([2, 3], r), rand([1, 3], r)]);
  check('slice', (x) => F.slice(x!, 1, 1, 3), [rand([2, 4, 3], r)]);
});

test('losses', () => {
  const target = Int32Array.from([0, 2, 1]);
  check('crossEntropy', (x) => F.crossEntropy(x!, target), [rand([3, 4], r)]);
  check('nll', (x) => F.nll(F.logSoftmax(x!), target), [rand([3, 4], r)]);
  const t = Tensor.from([1, 0, 1, 0, 1], [5], 'float64');
  check('bceWithLogits', (x) => F.binaryCrossEntropyWithLogits(x!, t), [rand([5], r, -3, 3)]);
  check('bce', (p) => F.binaryCrossEntropy(p!, t), [rand([5], r, 0.1, 0.9)]);
  check('mse', (x) => F.mse(x!, Tensor.from([0.5, -1, 2, 0, 1], [5], 'float64')), [rand([5], r)]);
});

test('dropout: gradient equals the mask', () => {
  const x = rand([4, 6], r);
  const y = F.dropout(x, 0.5, new Rng(3), true);
  F.sum(y).backward();
  for (let i = 0; i < x.size; i++) {
    const kept = y.data[i] !== 0;
    assert.equal(x.grad!.data[i], kept ? 2 : 0);
    if (kept) assert.ok(Math.abs(y.data[i]! - 2 * x.data[i]!) < 1e-12);
  }
});
