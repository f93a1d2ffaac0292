// every kernel of the backend contract: the reference backend on hand-checkable cases and against
// independent naive float64 formulas, then every other available backend against the reference
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { referenceBackend as ref } from '../../src/backend/reference/index.js';
import { assertClose, f64, nan64 } from './helpers.js';

describe('reference: elementwise', () => {
  test('fill overwrites every element', () => {
    const out = nan64(5);
    ref.fill(out, 2.5);
    assertClose(out, [2.5, 2.5, 2.5, 2.5, 2.5], 'fill');
  });

  test('binary add with a broadcast row (0-stride)', () => {
    const a = f64([1, 2, 3, 4, 5, 6]);
    const b = f64([10, 20, 30]);
    const out = nan64(6);
    ref.binary('add', out, a, b, [2, 3], [3, 1], [0, 1]);
    assertClose(out, [11, 22, 33, 14, 25, 36], 'add');
  });

  test('unary relu and its gradient (0 at 0)', () => {
    const x = f64([-1, 0, 2]);
    const y = nan64(3);
    ref.unary('relu', y, x, 0);
    assertClose(y, [0, 0, 2], 'relu');
    const dx = nan64(3);
    ref.unaryBackward('relu', dx, x, y, f64([1, 1, 1]), 0);
    assertClose(dx, [0, 0, 1], 'relu grad');
  });
});

describe('reference: gemm', () => {
  test('2x2 by hand', () => {
    const out = nan64(4);
    ref.gemm(out, f64([1, 2, 3, 4]), f64([5, 6, 7, 8]), 2, 2, 2, false, false, 0);
    assert.deepEqual(Array.from(out), [19, 22, 43, 50]);
  });
});
