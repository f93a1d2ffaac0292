// a run record says where its time went: setup, training and evaluation, which add up to its total
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadMnist } from '../../src/data/mnist.js';
import { trainRun } from '../../src/train/run.js';

test('timing: setup, training and evaluation seconds, within the whole run', () => {
  const r = trainRun({ model: 'carparelli2019/mlp-sharing-aux', seed: 3, epochs: 2, trainPairs: 100, testPairs: 100, data: loadMnist() });
  const t = r.timing!;
  for (const k of ['setupSeconds', 'trainSeconds', 'evalSeconds'] as const) assert.ok(t[k] > 0 && Number.isFinite(t[k]), `${k} = ${t[k]}`);
  const sum = t.setupSeconds + t.trainSeconds + t.evalSeconds;
  assert.ok(sum <= r.trainSeconds + 1e-9, `parts ${sum} exceed the whole ${r.trainSeconds}`);
  assert.ok(sum >= 0.9 * r.trainSeconds, `parts ${sum} miss much of the whole ${r.trainSeconds}`);
  const epochSum = r.metrics.reduce((s, m) => s + m.seconds, 0);
  assert.ok(Math.abs(epochSum - (t.trainSeconds + t.evalSeconds)) <= 0.05 * epochSum + 0.01, `epochs ${epochSum} vs train + eval ${t.trainSeconds + t.evalSeconds}`);
});
