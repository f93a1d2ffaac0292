// the dropout kernel draws the Rng's own stream: on every backend its mask is what Rng.fillU32
// gives on the same state (dropped below p * 2^32, kept scaled by 1/(1-p)) and it hands back the
// state the Rng reaches after those draws; F.dropout continues the layer's generator from there
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Backend } from '../../src/backend/backend.js';
import { loadNative } from '../../src/backend/native/index.js';
import { referenceBackend } from '../../src/backend/reference/index.js';
import { getBackend, setBackend } from '../../src/backend/select.js';
import { dropout } from '../../src/tensor/ops/index.js';
import { Rng } from '../../src/tensor/random.js';
import { Tensor } from '../../src/tensor/tensor.js';

const native = loadNative();
const backends: Backend[] = [referenceBackend, ...(native.ok ? [native.backend] : [])];

function expected(seed: number, n: number, p: number): { mask: Float32Array; state: readonly number[] } {
  const rng = new Rng(seed);
  const bits = new Uint32Array(n);
  rng.fillU32(bits);
  const keep = Math.fround(1 / (1 - p));
  return { mask: Float32Array.from(bits, (b) => (b < p * 4294967296 ? 0 : keep)), state: rng.state().s };
}

for (const b of backends) {
  test(`${b.name}: dropout masks are the Rng stream's, and the state advances past them`, () => {
    for (const [n, p] of [[1, 0.5], [4608, 0.3], [1001, 0.9]] as const) {
      const want = expected(77 + n, n, p);
      const x = Float32Array.from({ length: n }, (_, i) => (i % 13) - 6.5);
      const out = new Float32Array(n), mask = new Float32Array(n);
      const state = Int32Array.from(new Rng(77 + n).state().s);
      b.dropout(out, mask, x, state, p);
      assert.deepEqual(mask, want.mask, `n=${n} p=${p}: mask`);
      assert.deepEqual(out, Float32Array.from(x, (v, i) => v * want.mask[i]!), `n=${n} p=${p}: out`);
      assert.deepEqual([...state].map((v) => v >>> 0), [...want.state], `n=${n} p=${p}: state`);
      if (n > 1) assert.ok(mask.some((v) => v === 0) && mask.some((v) => v > 1), `n=${n}: some dropped, some kept`);
    }
  });
}

test('F.dropout: two calls continue one stream (the second mask is the next draws)', () => {
  const before = getBackend().name;
  try {
    for (const b of backends) {
      setBackend(b.name as 'reference' | 'native');
      const rng = new Rng(9);
      const x = new Tensor(new Float32Array(600).fill(1), [600]);
      const y1 = dropout(x, 0.4, rng, true), y2 = dropout(x, 0.4, rng, true);
      const want = expected(9, 1200, 0.4).mask;
      assert.deepEqual(Float32Array.from([...y1.data, ...y2.data]), want, `${b.name}: masks of two calls`);
    }
  } finally {
    setBackend(before as 'reference' | 'native');
  }
});
