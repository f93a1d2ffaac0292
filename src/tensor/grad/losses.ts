// gradient rules of the losses (mean reduction; the upstream gradient is a scalar)
import type { Buf } from '../../backend/backend.js';
import { allocOut, backend, type GradRule } from '../tensor.js';

export function nllGrad(target: Int32Array, rows: number, cols: number): GradRule {
  return (dy) => {
    const dx = allocOut(rows * cols, dy);
    backend().nllLossBackward(dx, dy[0]!, target, rows, cols);
    return [dx];
  };
}

// inputs (x, t): the target gets no gradient
export function bceWithLogitsGrad(x: Buf, t: Buf): GradRule {
  return (dy) => {
    const dx = allocOut(x.length, dy);
    backend().bceWithLogitsLossBackward(dx, dy[0]!, x, t, x.length);
    return [dx, null];
  };
}

export function bceGrad(p: Buf, t: Buf): GradRule {
  return (dy) => {
    const dx = allocOut(p.length, dy);
    backend().bceLossBackward(dx, dy[0]!, p, t, p.length);
    return [dx, null];
  };
}
