// learning-rate schedules stepped once per optimizer step, with PyTorch's formulas:
// one-cycle (OneCycleLR, cosine annealing, momentum cycled inversely) and cosine (CosineAnnealingLR)
import { PairbenchError } from '../errors.js';
import type { Optimizer } from './optimizer.js';

export interface OneCycleOptions {
  maxLr: number;
  totalSteps: number;
  pctStart?: number; // 0.3: fraction of steps spent warming up
  divFactor?: number; // 25: initial lr = maxLr / divFactor
  finalDivFactor?: number; // 1e4: final lr = initial lr / finalDivFactor
  cycleMomentum?: boolean; // true: momentum (Adam's beta1) goes maxMomentum -> baseMomentum -> maxMomentum
  baseMomentum?: number; // 0.85
  maxMomentum?: number; // 0.95
}

export interface CosineOptions {
  baseLr: number;
  totalSteps: number; // T_max: the lr reaches minLr after this many steps
  minLr?: number; // eta_min, 0
}

export type ScheduleSpec = ({ kind: 'one-cycle' } & Omit<OneCycleOptions, 'maxLr' | 'totalSteps'>) | ({ kind: 'cosine' } & Omit<CosineOptions, 'baseLr' | 'totalSteps'>);

// the hyperparameters of optimizer step `step` (0-based)
export interface Scheduled { lr: number; momentum?: number }

export interface LrSchedule {
  readonly totalSteps: number;
  at(step: number): Scheduled;
}

function check(name: string, field: string, v: number, ok: boolean): void {
  if (!Number.isFinite(v) || !ok) throw new PairbenchError('bad_argument', `${name}: ${field} = ${v} is out of range`, { schedule: name, field, value: v });
}

const annealCos = (start: number, end: number, pct: number): number => end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1);

export function oneCycle(o: OneCycleOptions): LrSchedule {
  const pctStart = o.pctStart ?? 0.3;
  const div = o.divFactor ?? 25;
  const finalDiv = o.finalDivFactor ?? 1e4;
  const cycle = o.cycleMomentum ?? true;
  const baseM = o.baseMomentum ?? 0.85;
  const maxM = o.maxMomentum ?? 0.95;
  check('one-cycle', 'maxLr', o.maxLr, o.maxLr > 0);
  check('one-cycle', 'totalSteps', o.totalSteps, Number.isInteger(o.totalSteps) && o.totalSteps >= 1);
  check('one-cycle', 'pctStart', pctStart, pctStart > 0 && pctStart < 1);
  check('one-cycle', 'divFactor', div, div > 0);
  check('one-cycle', 'finalDivFactor', finalDiv, finalDiv > 0);
  const initial = o.maxLr / div;
  const min = initial / finalDiv;
  const warmEnd = pctStart * o.totalSteps - 1;
  const last = o.totalSteps - 1;
  return {
    totalSteps: o.totalSteps,
    at(step: number): Scheduled {
      // past the last step the final value holds (PyTorch raises instead)
      const s = Math.min(step, last);
      const warm = s <= warmEnd;
      const pct = warm ? s / warmEnd : (s - warmEnd) / (last - warmEnd);
      const lr = warm ? annealCos(initial, o.maxLr, pct) : annealCos(o.maxLr, min, pct);
      if (!cycle) return { lr };
      return { lr, momentum: warm ? annealCos(maxM, baseM, pct) : annealCos(baseM, maxM, pct) };
    },
  };
}

export function cosine(o: CosineOptions): LrSchedule {
  const min = o.minLr ?? 0;
  check('cosine', 'baseLr', o.baseLr, o.baseLr > 0);
  check('cosine', 'totalSteps', o.totalSteps, Number.isInteger(o.totalSteps) && o.totalSteps >= 1);
  check('cosine', 'minLr', min, min >= 0);
  return {
    totalSteps: o.totalSteps,
    at: (step: number): Scheduled => ({ lr: min + ((o.baseLr - min) * (1 + Math.cos((Math.PI * Math.min(step, o.totalSteps)) / o.totalSteps))) / 2 }),
  };
}

// a schedule from its spec: the optimizer's lr is the peak (one-cycle) or the starting lr (cosine)
export function makeSchedule(spec: ScheduleSpec, lr: number, totalSteps: number): LrSchedule {
  return spec.kind === 'one-cycle' ? oneCycle({ ...spec, maxLr: lr, totalSteps }) : cosine({ ...spec, baseLr: lr, totalSteps });
}

// drives an optimizer's lr (and momentum) like a PyTorch scheduler: the constructor sets step 0's
// values; call step() after each optimizer.step()
export class LrScheduler {
  private count = 0;
  constructor(readonly optimizer: Optimizer, readonly schedule: LrSchedule) {
    this.apply();
  }
  step(): void {
    this.count++;
    this.apply();
  }
  private apply(): void {
    const h = this.schedule.at(this.count);
    this.optimizer.lr = h.lr;
    if (h.momentum !== undefined) this.optimizer.momentumTerm = h.momentum;
  }
}
