// every op fixture computed by PyTorch: forward output, gradients, batch-norm state, on every backend
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setBackend } from '../../src/backend/select.js';
import { backendsUnderTest } from '../helpers/components.js';
import * as F from '../../src/tensor/ops/index.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { anyFixtures, closeReport, fixturesDir, listFixtures, skipAbsentKind, readFixture, toInt32, toTensor, type FixtureTensor } from '../helpers/fixtures.js';

interface OpFixture {
  name: string; op: string; attrs: Record<string, unknown>;
  inputs: Record<string, FixtureTensor>; output: FixtureTensor; upstream: FixtureTensor | number;
  grads: Record<string, FixtureTensor>; state_after?: Record<string, FixtureTensor>;
}

// runs the op on tensors named as in the fixture; returns the output
function runOp(f: OpFixture, t: Record<string, Tensor>, ints: Record<string, Int32Array>): Tensor {
  const a = f.attrs;
  switch (f.op) {
    case 'linear': return F.linear(t['x']!, t['w']!, t['b']!);
    case 'conv2d': return F.conv2d(t['x']!, t['w']!, t['b'] ?? null, { stride: a['stride'] as number, padding: a['padding'] as number });
    case 'max_pool2d': return F.maxPool2d(t['x']!, a['kernel'] as number, a['stride'] as number);
    case 'avg_pool2d': return F.avgPool2d(t['x']!, a['kernel'] as number, a['stride'] as number);
    case 'batch_norm1d':
    case 'batch_norm2d':
      return F.batchNorm(t['x']!, t['gamma']!, t['beta']!, t['running_mean']!, t['running_var']!,
        { training: a['training'] as boolean, momentum: (a['momentum'] as number | undefined) ?? 0.1, eps: a['eps'] as number });
    case 'relu': return F.relu(t['x']!);
    case 'sigmoid': return F.sigmoid(t['x']!);
    case 'tanh': return F.tanh(t['x']!);
    case 'softmax': return F.softmax(t['x']!, a['dim'] as number);
    case 'log_softmax': return F.logSoftmax(t['x']!, a['dim'] as number);
    case 'cross_entropy': return F.crossEntropy(t['logits']!, ints['target']!, { labelSmoothing: (a['label_smoothing'] as number | undefined) ?? 0 });
    case 'binary_cross_entropy_with_logits': return F.binaryCrossEntropyWithLogits(t['logits']!, t['target']!);
    case 'binary_cross_entropy': return F.binaryCrossEntropy(t['input']!, t['target']!);
    case 'mse_loss': return F.mse(t['input']!, t['target']!);
    case 'concat': return F.concat([t['a']!, t['b']!], a['dim'] as number);
    case 'flatten': return F.flatten(t['x']!, a['start_dim'] as number);
    default: throw new Error(`no mapping for fixture op '${f.op}'`);
  }
}

const ops = listFixtures('ops');

for (const be of backendsUnderTest()) {
  describe(`op fixtures on the ${be.name} backend`, { skip: be.skip }, () => {
    test('the fixture directory has cases', () => assert.ok(anyFixtures(), `no fixture case at all in ${fixturesDir()}`));
    test('the fixture directory has op cases', { skip: skipAbsentKind('ops') }, () => assert.ok(ops.length > 0, 'no op fixtures found'));
    for (const { name, path } of ops) {
      test(name, () => {
        setBackend(be.name);
        const f = readFixture<OpFixture>(path);
        const t: Record<string, Tensor> = {};
        const ints: Record<string, Int32Array> = {};
        for (const [k, v] of Object.entries(f.inputs)) {
          if (v.dtype === 'int64') ints[k] = toInt32(v);
          else {
            t[k] = toTensor(v);
            if (k in f.grads) t[k]!.requiresGrad = true;
          }
        }
        const out = runOp(f, t, ints);
        const errs: string[] = [];
        const push = (e: string | null): void => { if (e !== null) errs.push(e); };
        push(closeReport('output', out.data, f.output.data, 1e-5, 1e-4));
        const up = typeof f.upstream === 'number' ? Tensor.full(out.shape, f.upstream) : toTensor(f.upstream);
        out.backward(new Tensor(up.data, out.shape));
        for (const [k, g] of Object.entries(f.grads)) {
          const got = t[k]!.grad;
          if (got === null) { errs.push(`grad ${k}: missing`); continue; }
          push(closeReport(`grad ${k}`, got.data, g.data, 1e-4, 1e-4));
        }
        for (const [k, s] of Object.entries(f.state_after ?? {})) push(closeReport(`state ${k}`, t[k]!.data, s.data, 1e-5, 1e-4));
        assert.deepEqual(errs, [], errs.join('\n'));
      });
    }
  });
}
