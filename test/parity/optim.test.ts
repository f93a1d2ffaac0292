// optimizer fixtures computed by PyTorch: the parameter after each of 5 steps with given gradients
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setBackend } from '../../src/backend/select.js';
import { backendsUnderTest } from '../helpers/components.js';
import { Adam, AdamW, SGD, type Optimizer } from '../../src/optim/index.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { anyFixtures, closeReport, fixturesDir, listFixtures, skipAbsentKind, readFixture, toTensor, type FixtureTensor } from '../helpers/fixtures.js';

interface OptimFixture {
  optimizer: 'adam' | 'adamw' | 'sgd'; hyper: Record<string, unknown>;
  param: FixtureTensor; grads: FixtureTensor[]; params_after: FixtureTensor[];
}

const cases = listFixtures('optim');

for (const be of backendsUnderTest()) {
  describe(`optimizer fixtures on the ${be.name} backend`, { skip: be.skip }, () => {
    test('the fixture directory has cases', () => assert.ok(anyFixtures(), `no fixture case at all in ${fixturesDir()}`));
    test('the fixture directory has optimizer cases', { skip: skipAbsentKind('optim') }, () => assert.ok(cases.length > 0));
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
