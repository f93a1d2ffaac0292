// an ensemble of pair networks of one model: each member keeps its own parameters and batch norm and is
// trained on its own loss (trainRun sums the members' losses: each member's gradient is its own loss's);
// its outputs are the members' averaged probabilities, as logits
import { Module } from '../nn/module.js';
import * as F from '../tensor/ops/index.js';
import { Tensor } from '../tensor/tensor.js';
import type { BuildContext, PairNetwork, PairOutputs } from './types.js';

// keeps a probability inside (0, 1) before its log
const PROB_MARGIN = 1e-7;

const clampProb = (p: Tensor): Tensor => F.add(F.scale(p, 1 - 2 * PROB_MARGIN), PROB_MARGIN);

function meanOf(ts: Tensor[]): Tensor {
  let s = ts[0]!;
  for (let i = 1; i < ts.length; i++) s = F.add(s, ts[i]!);
  return ts.length === 1 ? s : F.scale(s, 1 / ts.length);
}

// (N,C) logits of several predictors -> logits of their averaged probabilities: C >= 2 the log of the
// mean softmax; C = 1 the logit of the mean sigmoid
export function averageLogits(logits: Tensor[]): Tensor {
  if (logits.length === 1) return logits[0]!;
  if (logits[0]!.shape[1] === 1) {
    const p = clampProb(meanOf(logits.map((l) => F.sigmoid(l))));
    return F.sub(F.log(p), F.log(F.add(F.neg(p), 1)));
  }
  return F.log(clampProb(meanOf(logits.map((l) => F.softmax(l)))));
}

// the outputs of several forward passes (members, or augmented views) combined by averaging probabilities
export function averageOutputs(outs: PairOutputs[]): PairOutputs {
  if (outs.length === 1) return outs[0]!;
  const pick = <T>(f: (o: PairOutputs) => T | null): T[] | null => (f(outs[0]!) === null ? null : outs.map((o) => f(o)!));
  const main = pick((o) => o.main);
  const d0 = pick((o) => o.digits?.[0] ?? null);
  const d1 = pick((o) => o.digits?.[1] ?? null);
  const same = pick((o) => o.same);
  return {
    main: main === null ? null : averageLogits(main),
    digits: d0 === null || d1 === null ? null : [averageLogits(d0), averageLogits(d1)],
    same: same === null ? null : averageLogits(same),
  };
}

export class Ensemble extends Module implements PairNetwork {
  readonly forwardDigits: ((x: Tensor) => Tensor) | null;

  constructor(readonly members: PairNetwork[]) {
    super();
    this.forwardDigits = members.every((m) => m.forwardDigits !== null) ? (x) => averageLogits(members.map((m) => m.forwardDigits!(x))) : null;
  }

  forwardPair(x: Tensor): PairOutputs { return averageOutputs(this.members.map((m) => m.forwardPair(x))); }
  forward(x: Tensor): Tensor { return this.forwardPair(x).main!; }
  pairPhaseParameters(): Tensor[] { return this.members.flatMap((m) => m.pairPhaseParameters()); }
  digitPhaseParameters(): Tensor[] { return this.members.flatMap((m) => m.digitPhaseParameters()); }
}

// a build function for `k` members of `build` (k = 1: the network itself); the members draw their
// initialisation one after the other from the context's generators
export function ensembleOf(k: number, build: (ctx: BuildContext) => PairNetwork): (ctx: BuildContext) => PairNetwork {
  if (k === 1) return build;
  return (ctx) => new Ensemble(Array.from({ length: k }, () => build(ctx)));
}

// the networks trained separately: an ensemble's members, or the network itself
export function membersOf(net: PairNetwork): PairNetwork[] {
  return net instanceof Ensemble ? net.members : [net];
}
