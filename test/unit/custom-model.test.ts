// the README's custom-model example builds, counts its parameters and trains
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runExample, wide } from '../../examples/custom-model.js';

test('the README example: a user-defined siamese model trains with a zoo recipe', () => {
  // conv 1->64 k3 (640) + 64->64 k3 (36,928) + 256->128 (32,896) + head 256->64->2 (16,578) + digits 128->10 (1,290)
  assert.equal(wide.params, 640 + 36928 + 32896 + 16448 + 130 + 1290);
  const r = runExample(1);
  assert.equal(r.model, 'mine/wide-siamese-aux');
  assert.deepEqual(Object.keys(r.metrics[0]!.lossTerms), ['main', 'aux1', 'aux2']);
  assert.ok(r.digitAccuracy !== undefined && r.digitAccuracy > 0.3, `digit accuracy ${r.digitAccuracy}`);
});
