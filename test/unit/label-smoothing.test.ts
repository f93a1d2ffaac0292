// label smoothing of crossEntropy: the term it adds, and bad values (the PyTorch parity is in test/fixtures/ops)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crossEntropy } from '../../src/tensor/ops/losses.js';
import { Tensor } from '../../src/tensor/tensor.js';

test('label smoothing e: (1 - e) CE + e times the mean of -log p over the classes', () => {
  const logits = Tensor.from([2, 0, -1, 0.5, 0.5, 3], [2, 3]);
  const t = Int32Array.from([0, 2]);
  const lse = (a: number[]): number => Math.log(a.reduce((s, v) => s + Math.exp(v), 0));
  const rows = [[2, 0, -1], [0.5, 0.5, 3]];
  const ce = rows.reduce((s, r, i) => s + lse(r) - r[t[i]!]!, 0) / 2;
  const uni = rows.reduce((s, r) => s + r.reduce((q, v) => q + lse(r) - v, 0) / 3, 0) / 2;
  assert.ok(Math.abs(crossEntropy(logits, t, { labelSmoothing: 0.2 }).item() - (0.8 * ce + 0.2 * uni)) < 1e-5);
  assert.ok(Math.abs(crossEntropy(logits, t).item() - ce) < 1e-5);
});

test('label smoothing out of [0, 1] is a bad_argument naming the field', () => {
  assert.throws(() => crossEntropy(Tensor.zeros([2, 3]), Int32Array.from([0, 1]), { labelSmoothing: 1.5 }), /crossEntropy: labelSmoothing must be in \[0, 1\], got 1.5/);
});
