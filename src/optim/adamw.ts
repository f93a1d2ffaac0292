// AdamW (Loshchilov & Hutter) with PyTorch's update rule: the parameter shrinks by lr * weightDecay,
// then takes the plain Adam step (the decay never enters the moment estimates)
import { Adam, type AdamOptions } from './optimizer.js';

export class AdamW extends Adam {
  // PyTorch's default weight_decay for AdamW is 1e-2
  constructor(params: ConstructorParameters<typeof Adam>[0], opts: AdamOptions = {}) {
    super(params, { ...opts, weightDecay: opts.weightDecay ?? 1e-2 });
  }
  // the decay happens inside the adam kernel, before the update, rounded as PyTorch's param.mul_(1 - lr * weight_decay)
  override step(): void {
    this.stepWith(0, this.weightDecay);
  }
}
