// stochastic weight averaging against PyTorch's swa_utils: AveragedModel's running average and update_bn
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BatchNorm1d, BatchNorm2d, Flatten, Sequential } from '../../src/nn/layers.js';
import { ParameterAverage, updateBatchNorm } from '../../src/optim/swa.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { closeReport, listFixtures, readFixture, skipAbsentKind, toTensor, type FixtureTensor } from '../helpers/fixtures.js';

const fixture = <T>(name: string): T => {
  const c = listFixtures('swa').find((f) => f.name === name);
  assert.ok(c !== undefined, `no swa/${name} fixture`);
  return readFixture<T>(c.path);
};

test('ParameterAverage matches AveragedModel.update_parameters over 5 snapshots', { skip: skipAbsentKind('swa') }, () => {
  const f = fixture<{ snapshots: FixtureTensor; average: FixtureTensor }>('averaged_model');
  const [k, n] = f.snapshots.shape as [number, number];
  const p = Tensor.zeros([n]);
  const avg = new ParameterAverage([p]);
  for (let i = 0; i < k; i++) {
    p.data.set(f.snapshots.data.slice(i * n, (i + 1) * n));
    avg.update();
  }
  assert.equal(avg.count, k);
  avg.apply();
  assert.equal(closeReport('average', p.data, f.average.data, 0, 0), null);
});

test('updateBatchNorm matches update_bn over uneven batches (equal weight per batch), restoring momentum and mode', { skip: skipAbsentKind('swa') }, () => {
  const f = fixture<{ weights: Record<string, FixtureTensor>; batches: FixtureTensor[]; running: Record<string, FixtureTensor> }>('update_bn');
  const bn2 = new BatchNorm2d(2);
  const bn1 = new BatchNorm1d(18);
  const net = new Sequential(bn2, new Flatten(), bn1);
  bn2.weight.data.set(f.weights['bn2d.weight']!.data);
  bn2.bias.data.set(f.weights['bn2d.bias']!.data);
  bn1.weight.data.set(f.weights['bn1d.weight']!.data);
  bn1.bias.data.set(f.weights['bn1d.bias']!.data);
  bn2.runningMean.value.data.fill(3);
  bn1.runningVar.value.data.fill(7);
  net.eval();
  const n = updateBatchNorm(net, f.batches, (b) => net.forward(toTensor(b)));
  assert.equal(n, 3);
  assert.equal(closeReport('bn2d.mean', bn2.runningMean.value.data, f.running['bn2d.mean']!.data, 1e-5, 1e-5), null);
  assert.equal(closeReport('bn2d.var', bn2.runningVar.value.data, f.running['bn2d.var']!.data, 1e-5, 1e-5), null);
  assert.equal(closeReport('bn1d.mean', bn1.runningMean.value.data, f.running['bn1d.mean']!.data, 1e-5, 1e-5), null);
  assert.equal(closeReport('bn1d.var', bn1.runningVar.value.data, f.running['bn1d.var']!.data, 1e-5, 1e-5), null);
  assert.equal(bn2.momentum, 0.1);
  assert.equal(net.training, false);
});

test('ParameterAverage.apply before any update is refused', () => {
  assert.throws(() => new ParameterAverage([Tensor.zeros([2])]).apply(), /no snapshot was averaged/);
});
