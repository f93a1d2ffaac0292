// learning-rate schedules against PyTorch's OneCycleLR and CosineAnnealingLR: the lr (and momentum)
// an optimizer holds at each step when driven by LrScheduler
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Adam, cosine, LrScheduler, oneCycle, SGD, type LrSchedule, type Optimizer } from '../../src/optim/index.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { listFixtures, readFixture } from '../helpers/fixtures.js';

interface ScheduleFixture {
  schedule: 'one-cycle' | 'cosine'; optimizer?: 'adam' | 'sgd'; total_steps: number;
  hyper: Record<string, number>; lr: number[]; momentum?: number[];
}

function scheduleOf(f: ScheduleFixture): LrSchedule {
  const h = f.hyper;
  if (f.schedule === 'cosine') return cosine({ baseLr: h['base_lr']!, totalSteps: f.total_steps, minLr: h['eta_min']! });
  return oneCycle({
    maxLr: h['max_lr']!, totalSteps: f.total_steps,
    ...(h['pct_start'] !== undefined ? { pctStart: h['pct_start'] } : {}),
    ...(h['div_factor'] !== undefined ? { divFactor: h['div_factor'] } : {}),
    ...(h['final_div_factor'] !== undefined ? { finalDivFactor: h['final_div_factor'] } : {}),
  });
}

// schedules are computed in double precision on both sides: compared as doubles (rtol 1e-12)
function closeDoubles(what: string, got: number[], want: number[]): string | null {
  if (got.length !== want.length) return `${what}: ${got.length} values, expected ${want.length}`;
  const bad = got.map((g, i) => [i, g, want[i]!] as const).filter(([, g, w]) => !(Math.abs(g - w) <= 1e-15 + 1e-12 * Math.abs(w)));
  return bad.length === 0 ? null : `${what}: ${bad.length} values differ; first [${bad[0]![0]}] got ${bad[0]![1]} expected ${bad[0]![2]}`;
}

const cases = listFixtures('schedules');

describe('schedule fixtures', () => {
  test('the fixture directory has schedule cases', () => assert.ok(cases.length >= 3));
  for (const { name, path } of cases) {
    test(name, () => {
      const f = readFixture<ScheduleFixture>(path);
      const p = Tensor.zeros([2]);
      p.requiresGrad = true;
      const opt: Optimizer = f.optimizer === 'sgd' ? new SGD([p], { lr: 1e-3, momentum: 0.9 }) : new Adam([p], { lr: 1e-3 });
      const sched = new LrScheduler(opt, scheduleOf(f));
      const lrs: number[] = [];
      const moms: number[] = [];
      for (let i = 0; i < f.total_steps; i++) {
        lrs.push(opt.lr);
        moms.push(opt.momentumTerm);
        sched.step();
      }
      const errs = [closeDoubles('lr', lrs, f.lr), f.momentum === undefined ? null : closeDoubles('momentum', moms, f.momentum)];
      assert.deepEqual(errs.filter((e) => e !== null), []);
    });
  }
});

test('a schedule rejects a bad total step count or lr with a message naming the field', () => {
  assert.throws(() => oneCycle({ maxLr: 0.01, totalSteps: 0 }), /one-cycle: totalSteps = 0/);
  // a one-step cycle (a tiny run): PyTorch 1.13's OneCycleLR(max_lr=0.01, total_steps=1) sets lr 4e-08, beta1 0.95
  const one = oneCycle({ maxLr: 0.01, totalSteps: 1 }).at(0);
  assert.ok(Math.abs(one.lr - 4e-8) < 1e-15 && one.momentum === 0.95, JSON.stringify(one));
  assert.throws(() => cosine({ baseLr: -1, totalSteps: 10 }), /cosine: baseLr = -1/);
  assert.throws(() => oneCycle({ maxLr: 0.01, totalSteps: 10, pctStart: 1 }), /pctStart/);
});
