// speed changes that must not change a bit: Rng.fillUniform draws what uniform() draws, and an
// evaluation's scoped buffers go back to the pool without changing what the next chunk computes
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setBackend } from '../../src/backend/select.js';
import { Linear, ReLU, Sequential } from '../../src/nn/layers.js';
import { uniformInit } from '../../src/nn/init.js';
import { noGrad } from '../../src/tensor/autograd.js';
import { allocIndex, allocOut, pooledBufferBytes, withBufferScope } from '../../src/tensor/pool.js';
import { Rng } from '../../src/tensor/random.js';
import { mul } from '../../src/tensor/ops/elementwise.js';
import { Tensor } from '../../src/tensor/tensor.js';

test('fillUniform gives uniform() value for value and leaves the generator where uniform() would', () => {
  for (const [seed, n, bound] of [[1, 0, 0.5], [2, 1, 1], [3, 7, 0.01], [123456, 1001, 1 / Math.sqrt(392)]] as const) {
    const a = new Rng(seed).split('init');
    const b = new Rng(seed).split('init');
    const bulk = new Float32Array(n);
    a.fillUniform(bulk, -bound, bound);
    const one = new Float32Array(n);
    for (let i = 0; i < n; i++) one[i] = b.uniform(-bound, bound);
    assert.deepEqual(bulk, one, `seed ${seed}, n ${n}`);
    assert.equal(a.nextU32(), b.nextU32(), 'the streams continue alike');
    assert.equal(a.random(), b.random());
  }
  const f64 = new Float64Array(5);
  new Rng(9).fillUniform(f64, 2, 3);
  const r = new Rng(9);
  assert.deepEqual([...f64], Array.from({ length: 5 }, () => r.uniform(2, 3)), 'float64 keeps the full double');
  const w = uniformInit([3, 4], 0.25, new Rng(5));
  const r2 = new Rng(5);
  assert.deepEqual(w.data, Float32Array.from({ length: 12 }, () => r2.uniform(-0.25, 0.25)));
});

test('withBufferScope hands back every buffer given out inside it, nested scopes included, even on a throw', () => {
  assert.equal(pooledBufferBytes(), 0);
  const inner: Float32Array[] = [];
  const outer = withBufferScope(() => {
    const a = allocOut(1000, 'float32') as Float32Array;
    withBufferScope(() => { inner.push(allocOut(2000, 'float32') as Float32Array); });
    assert.equal(pooledBufferBytes(), 8000, 'the inner scope released its buffer on return');
    allocIndex(300);
    return a;
  });
  assert.equal(pooledBufferBytes(), 4000 + 8000 + 1200);
  assert.equal(allocOut(1000, 'float32'), outer, 'recycled');
  assert.equal(allocOut(2000, 'float32'), inner[0]);
  allocIndex(300);
  assert.equal(pooledBufferBytes(), 0);
  assert.throws(() => withBufferScope(() => { allocOut(700, 'float32'); throw new Error('boom'); }), /boom/);
  assert.equal(pooledBufferBytes(), 2800, 'released on a throw too');
  allocOut(700, 'float32');
  assert.equal(allocOut(64, 'float32').length, 64, 'outside a scope nothing is tracked');
  assert.equal(pooledBufferBytes(), 0);
});

test('forwards in scopes give the same bits as forwards without (recycled buffers are fully overwritten)', () => {
  for (const be of ['reference', 'native'] as const) {
    try { setBackend(be); } catch { continue; } // native: only where the addon is built
    const net = new Sequential(new Linear(20, 33, new Rng(1)), new ReLU(), new Linear(33, 5, new Rng(2)));
    const rng = new Rng(3);
    const xs = Array.from({ length: 4 }, () => new Tensor(Float32Array.from({ length: 7 * 20 }, () => rng.normal()), [7, 20]));
    const plain = xs.map((x) => Float32Array.from(noGrad(() => net.forward(x)).data));
    for (let round = 0; round < 2; round++) {
      xs.forEach((x, i) => {
        const y = withBufferScope(() => Float32Array.from(noGrad(() => net.forward(x)).data));
        assert.deepEqual(y, plain[i], `${be}: chunk ${i}, round ${round}`);
      });
    }
  }
});

test('zeroGrad recycles the gradients backward made, never one read through .data or set by the caller', async () => {
  const { SGD } = await import('../../src/optim/index.js');
  const { sum } = await import('../../src/tensor/ops/shape.js');
  setBackend('reference');
  const w = Tensor.from(Array.from({ length: 5000 }, (_, i) => i / 5000));
  w.requiresGrad = true;
  const opt = new SGD([w], { lr: 0.1 });
  const step = (): Float32Array => { opt.zeroGrad(); sum(mul(w, w)).backward(); opt.step(); return w.grad!.buf as Float32Array; };
  const g1 = step();
  const before = pooledBufferBytes();
  opt.zeroGrad();
  assert.equal(pooledBufferBytes(), before + 20000, 'the gradient went back to the pool');
  assert.equal(allocOut(5000, 'float32'), g1);
  step();
  const read = w.grad!.data; // a caller holds it now
  opt.zeroGrad();
  assert.equal(pooledBufferBytes(), before, 'a gradient read through .data stays the caller\'s');
  assert.equal(read.length, 5000);
  const mine = new Float32Array(5000);
  w.grad = new Tensor(mine, [5000]);
  opt.zeroGrad();
  assert.equal(pooledBufferBytes(), before, 'a gradient the caller set is never recycled');
});
