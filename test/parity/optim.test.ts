// optimizer fixtures computed by PyTorch: the parameter after each of 5 steps with given gradients
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { availableBackends, setBackend } from '../../src/backend/select.js';
import { Adam, AdamW, SGD, type Optimizer } from '../../src/optim/index.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { closeReport, listFixtures, readFixture, toTensor, type FixtureTensor } from '../helpers/fixtures.js';

interface OptimFixture {
  optimizer: 'adam' | 'adamw' | 'sgd'; hyper: Record<string, unknown>;
  param: FixtureTensor; grads: FixtureTensor[]; params_after: FixtureTensor[];
}

const cases = listFixtures('optim');

for (const be of availableBackends()) {
  describe(`optimizer fixtures on the ${be.name} backend`, () => {
    test('the fixture directory has optimizer cases', () => assert.ok(cases.length > 0));
    for (const { name, path } of cases) {
      test(name, () => {
        setBackend(be.name);
        const f = readFixture<OptimFixture>(path);
        const p = toTensor(f.param);
        p.requiresGrad = true;
        const h = f.hyper;
        const adamHyper = { lr: h['lr'] as number, betas: h['betas'] as [number, number], eps: h['eps'] as number, weightDecay: h['weight_decay'] as number };
        const opt: Optimizer = f.optimizer === 'adamw' ? new AdamW([p], adamHyper) : f.optimizer === 'adam'
          ? new Adam([p], { lr: h['lr'] as number, betas: h['betas'] as [number, number], eps: h['eps'] as number, weightDecay: h['weight_decay'] as number })
          : new SGD([p], { lr: h['lr'] as number, momentum: (h['momentum'] as number | undefined) ?? 0, weightDecay: (h['weight_decay'] as number | undefined) ?? 0 });
        const errs: string[] = [];
        f.grads.forEach((g, i) => {
          p.grad = new Tensor(toTensor(g).data, p.shape);
          opt.step();
          const e = closeReport(`params after step ${i + 1}`, p.data, f.params_after[i]!.data, 1e-6, 1e-5);
          if (e !== null) errs.push(e);
        });
        assert.deepEqual(errs, [], errs.join('\n'));
      });
    }
  });
}
