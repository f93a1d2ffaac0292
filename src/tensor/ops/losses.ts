// losses with PyTorch semantics and mean reduction, each with its gradient rule (the upstream gradient is a scalar)
import type { Buf } from '../../backend/backend.js';
import { PairbenchError, shapeMismatch } from '../../errors.js';
import { record, type GradRule } from '../autograd.js';
import { allocOut } from '../pool.js';
import { sameShape } from '../shape.js';
import { backend, Tensor } from '../tensor.js';
import { add, scale, square, sub } from './elementwise.js';
import { logSoftmax } from './layers.js';
import { mean } from './shape.js';

export type LossOp = 'nll' | 'bceWithLogits' | 'bce';

function checkTarget(op: string, x: Tensor, target: Int32Array): void {
  if (x.ndim !== 2) throw shapeMismatch(op, 'needs (rows, classes) input', { input: x.shape });
  const [rows, cols] = x.shape as [number, number];
  if (target.length !== rows) throw shapeMismatch(op, `target has ${target.length} entries for ${rows} rows`, { input: x.shape, target: [target.length] });
  for (let i = 0; i < rows; i++) {
    const c = target[i]!;
    if (!(c >= 0 && c < cols)) throw shapeMismatch(op, `target[${i}] = ${c} is not a class in 0..${cols - 1}`, { input: x.shape });
  }
}

// logp: (rows, classes), target: class per row
export function nll(logp: Tensor, target: Int32Array): Tensor {
  checkTarget('nll', logp, target);
  const [rows, cols] = logp.shape as [number, number];
  const out = new Tensor(allocOut(1, logp.buf), []);
  backend().nllLoss(out.buf, logp.buf, target, rows, cols);
  return record(out, 'nll', [logp], nllGrad(target, rows, cols));
}

function nllGrad(target: Int32Array, rows: number, cols: number): GradRule {
  return (dy) => {
    const dx = allocOut(rows * cols, dy);
    backend().nllLossBackward(dx, dy[0]!, target, rows, cols);
    return [dx];
  };
}

export interface CrossEntropyOptions {
  // PyTorch's label_smoothing: the target is (1 - e) one-hot + e uniform over the classes
  labelSmoothing?: number;
}

// logits: (rows, classes), target: class per row
export function crossEntropy(logits: Tensor, target: Int32Array, opts: CrossEntropyOptions = {}): Tensor {
  checkTarget('crossEntropy', logits, target);
  const e = opts.labelSmoothing ?? 0;
  if (!(e >= 0 && e <= 1)) throw new PairbenchError('bad_argument', `crossEntropy: labelSmoothing must be in [0, 1], got ${e}`, { field: 'labelSmoothing', value: e });
  const logp = logSoftmax(logits, -1);
  if (e === 0) return nll(logp, target);
  // (1 - e) * nll + e * mean over rows and classes of -log p
  const uniform = scale(mean(logp), -e);
  return add(scale(nll(logp, target), 1 - e), uniform);
}

function checkSame(op: string, x: Tensor, t: Tensor): void {
  if (x.size !== t.size) throw shapeMismatch(op, 'input and target must have the same number of elements', { input: x.shape, target: t.shape });
}

export function binaryCrossEntropyWithLogits(x: Tensor, t: Tensor): Tensor {
  checkSame('binaryCrossEntropyWithLogits', x, t);
  const out = new Tensor(allocOut(1, x.buf), []);
  backend().bceWithLogitsLoss(out.buf, x.buf, t.buf, x.size);
  return record(out, 'bceWithLogits', [x, t], bceWithLogitsGrad(x.buf, t.buf));
}

// inputs (x, t): the target gets no gradient
function bceWithLogitsGrad(x: Buf, t: Buf): GradRule {
  return (dy) => {
    const dx = allocOut(x.length, dy);
    backend().bceWithLogitsLossBackward(dx, dy[0]!, x, t, x.length);
    return [dx, null];
  };
}

// p: probabilities; each log is clamped at -100 (PyTorch)
export function binaryCrossEntropy(p: Tensor, t: Tensor): Tensor {
  checkSame('binaryCrossEntropy', p, t);
  const out = new Tensor(allocOut(1, p.buf), []);
  backend().bceLoss(out.buf, p.buf, t.buf, p.size);
  return record(out, 'bce', [p, t], bceGrad(p.buf, t.buf));
}

function bceGrad(p: Buf, t: Buf): GradRule {
  return (dy) => {
    const dx = allocOut(p.length, dy);
    backend().bceLossBackward(dx, dy[0]!, p, t, p.length);
    return [dx, null];
  };
}

// composed of recorded ops: no rule of its own
export function mse(x: Tensor, t: Tensor): Tensor {
  checkSame('mse', x, t);
  // same number of elements: the target is read in x's shape (never broadcast, e.g. (N,1) against (1,N))
  return mean(square(sub(x, sameShape(t.shape, x.shape) ? t : Tensor.viewOf(t, x.shape))));
}
