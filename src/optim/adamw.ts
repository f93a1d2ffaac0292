// AdamW (Loshchilov & Hutter) with PyTorch's update rule: the parameter shrinks by lr * weightDecay,
// then takes the plain Adam step (the decay never enters the moment estimates)
import { Adam, type AdamOptions } from './optimizer.js';

export class AdamW extends Adam {
  // PyTorch's default weight_decay for AdamW is 1e-2
  constructor(params: ConstructorParameters<typeof Adam>[0], opts: AdamOptions = {}) {
    super(params, { ...opts, weightDecay: opts.weightDecay ?? 1e-2 });
  }
  override step(): void {
    const shrink = 1 - this.lr * this.weightDecay;
    if (shrink !== 1) {
      for (const p of this.params) {
        if (p.grad === null) continue;
        const d = p.data;
        for (let i = 0; i < d.length; i++) d[i] = d[i]! * shrink;
      }
    }
    this.stepWith(0);
  }
}
