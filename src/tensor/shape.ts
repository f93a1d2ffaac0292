// shape arithmetic: broadcasting, strides
import { shapeMismatch } from '../errors.js';

export function contiguousStrides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

// numpy/PyTorch broadcasting: align right, a dim of 1 stretches
export function broadcastShapes(op: string, a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) throw shapeMismatch(op, `shapes do not broadcast at dim ${i}`, { a, b });
    out[i] = da === 1 ? db : da;
  }
  return out;
}

// strides of `shape` read as `outShape` (0 on broadcast dims)
export function broadcastStrides(shape: readonly number[], outShape: readonly number[]): number[] {
  const own = contiguousStrides(shape);
  const n = outShape.length;
  const s = new Array<number>(n).fill(0);
  for (let i = 0; i < shape.length; i++) {
    const j = n - shape.length + i;
    s[j] = shape[i] === 1 && outShape[j] !== 1 ? 0 : own[i]!;
  }
  return s;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

// a negative dim counts from the end
export function normDim(op: string, dim: number, ndim: number, shape: readonly number[]): number {
  const d = dim < 0 ? dim + ndim : dim;
  if (!Number.isInteger(d) || d < 0 || d >= ndim) throw shapeMismatch(op, `dim ${dim} is out of range for a ${ndim}-d tensor`, { x: shape });
  return d;
}
