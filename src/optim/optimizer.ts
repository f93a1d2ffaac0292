// optimizers with PyTorch's update rules; weightDecay is L2 added to the gradient (AdamW decouples it: adamw.ts)
import type { Buf } from '../backend/backend.js';
import { PairbenchError } from '../errors.js';
import { recycleGrad } from '../tensor/autograd.js';
import { allocLike } from '../tensor/pool.js';
import { backend, Tensor } from '../tensor/tensor.js';

function checkHyper(opt: string, field: string, v: number, ok: boolean): void {
  if (!Number.isFinite(v) || !ok) throw new PairbenchError('bad_argument', `${opt}: ${field} = ${v} is out of range`, { optimizer: opt, field, value: v });
}

export abstract class Optimizer {
  readonly params: Tensor[];
  // the learning rate of the next step (a schedule sets it between steps)
  abstract lr: number;
  // the momentum-like coefficient a one-cycle schedule cycles: SGD's momentum, Adam's beta1
  abstract momentumTerm: number;
  constructor(params: Iterable<Tensor>) {
    this.params = [...params];
  }
  abstract step(): void;
  // sets every gradient to null: the next backward starts afresh (gradients otherwise add up). A
  // gradient backward made and nobody read through .data goes back to the buffer pool (the next backward's gradients)
  zeroGrad(): void {
    for (const p of this.params) {
      if (p.grad !== null) recycleGrad(p.grad);
      p.grad = null;
    }
  }
}

export interface SgdOptions { lr: number; momentum?: number; weightDecay?: number }

export class SGD extends Optimizer {
  lr: number;
  momentum: number;
  readonly weightDecay: number;
  private readonly bufs = new Map<Tensor, Buf>();
  constructor(params: Iterable<Tensor>, opts: SgdOptions) {
    super(params);
    this.lr = opts.lr;
    this.momentum = opts.momentum ?? 0;
    this.weightDecay = opts.weightDecay ?? 0;
    checkHyper('SGD', 'lr', this.lr, this.lr >= 0);
    checkHyper('SGD', 'momentum', this.momentum, this.momentum >= 0);
    checkHyper('SGD', 'weightDecay', this.weightDecay, this.weightDecay >= 0);
  }
  get momentumTerm(): number { return this.momentum; }
  set momentumTerm(m: number) { this.momentum = m; }
  step(): void {
    const be = backend();
    for (const p of this.params) {
      if (p.grad === null) continue;
      let buf: Buf | null = null;
      let first = false;
      if (this.momentum > 0) {
        buf = this.bufs.get(p) ?? null;
        if (buf === null) {
          buf = allocLike(p.size, p.data);
          this.bufs.set(p, buf);
          first = true;
        }
      }
      be.sgdStep(p.data, p.grad.buf, buf, this.lr, this.momentum, this.weightDecay, first);
    }
  }
}

export interface AdamOptions { lr?: number; betas?: [number, number]; eps?: number; weightDecay?: number }

export class Adam extends Optimizer {
  lr: number;
  betas: [number, number];
  readonly eps: number;
  readonly weightDecay: number;
  private readonly state = new Map<Tensor, { m: Buf; v: Buf; step: number }>();
  constructor(params: Iterable<Tensor>, opts: AdamOptions = {}) {
    super(params);
    this.lr = opts.lr ?? 1e-3;
    this.betas = opts.betas ?? [0.9, 0.999];
    this.eps = opts.eps ?? 1e-8;
    this.weightDecay = opts.weightDecay ?? 0;
    checkHyper('Adam', 'lr', this.lr, this.lr >= 0);
    checkHyper('Adam', 'betas[0]', this.betas[0], this.betas[0] >= 0 && this.betas[0] < 1);
    checkHyper('Adam', 'betas[1]', this.betas[1], this.betas[1] >= 0 && this.betas[1] < 1);
    checkHyper('Adam', 'eps', this.eps, this.eps >= 0);
    checkHyper('Adam', 'weightDecay', this.weightDecay, this.weightDecay >= 0);
  }
  get momentumTerm(): number { return this.betas[0]; }
  set momentumTerm(m: number) { this.betas = [m, this.betas[1]]; }
  step(): void {
    this.stepWith(this.weightDecay, 0);
  }
  // one Adam step with L2 weight decay `l2` added to the gradient, after AdamW's decoupled decay (param *= 1 - lr * decoupled)
  protected stepWith(l2: number, decoupled: number): void {
    const be = backend();
    for (const p of this.params) {
      if (p.grad === null) continue;
      let s = this.state.get(p);
      if (s === undefined) {
        s = { m: allocLike(p.size, p.data), v: allocLike(p.size, p.data), step: 0 };
        this.state.set(p, s);
      }
      s.step += 1;
      be.adamStep(p.data, p.grad.buf, s.m, s.v, this.lr, this.betas[0], this.betas[1], this.eps, l2, decoupled, s.step);
    }
  }
}
