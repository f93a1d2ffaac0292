// errors outside the engine's ops that used to bypass PairbenchError
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isPairbenchError } from '../../src/errors.js';
import { getModel } from '../../src/models/registry.js';
import { Rng } from '../../src/tensor/random.js';
import { Tensor } from '../../src/tensor/tensor.js';

test('forward() of a digits-only network is a bad_argument error that points at forwardPair', () => {
  const net = getModel('lenet-transfer/digit-prediction').build({ init: new Rng(1), dropout: new Rng(2) });
  assert.throws(() => net.forward(Tensor.zeros([2, 2, 14, 14])), (e: unknown) => isPairbenchError(e, 'bad_argument') && /forwardPair/.test(e.message));
});
