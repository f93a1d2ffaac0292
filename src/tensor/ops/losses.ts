// losses with PyTorch semantics and mean reduction
import { PairbenchError, shapeMismatch } from '../../errors.js';
import { bceGrad, bceWithLogitsGrad, nllGrad } from '../grad/losses.js';
import { allocOut, backend, record, Tensor } from '../tensor.js';
import { add, scale, square, sub } from './elementwise.js';
import { logSoftmax } from './layers.js';
import { mean } from './shape.js';
import { sameShape } from '../shape.js';

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

// p: probabilities; each log is clamped at -100 (PyTorch)
export function binaryCrossEntropy(p: Tensor, t: Tensor): Tensor {
  checkSame('binaryCrossEntropy', p, t);
  const out = new Tensor(allocOut(1, p.buf), []);
  backend().bceLoss(out.buf, p.buf, t.buf, p.size);
  return record(out, 'bce', [p, t], bceGrad(p.buf, t.buf));
}

export function mse(x: Tensor, t: Tensor): Tensor {
  checkSame('mse', x, t);
  // same number of elements: the target is read in x's shape (never broadcast, e.g. (N,1) against (1,N))
  return mean(square(sub(x, sameShape(t.shape, x.shape) ? t : Tensor.viewOf(t, x.shape))));
}
