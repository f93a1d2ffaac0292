// reductions and shape ops with their gradient rules: sum, mean, reshape, flatten, concat, slice
import type { Buf } from '../../backend/backend.js';
import { shapeMismatch } from '../../errors.js';
import { record, type GradRule } from '../autograd.js';
import { allocLike, allocOut } from '../pool.js';
import { normDim } from '../shape.js';
import { backend, sizeOf, Tensor } from '../tensor.js';

export type ShapeOp = 'sum' | 'mean' | 'reshape' | 'concat' | 'slice';

function reduceSum(op: 'sum' | 'mean', x: Tensor, dim: number | undefined, keepDim: boolean, factorOf: (n: number) => number): Tensor {
  if (dim === undefined) {
    const out = new Tensor(allocOut(1, x.buf), []);
    backend().sumAxis(out.buf, x.buf, 1, x.size, 1);
    const f = factorOf(x.size);
    if (f !== 1) out.buf[0] = out.buf[0]! * f;
    return record(out, op, [x], sumGrad(1, x.size, 1, f));
  }
  const d = normDim(op, dim, x.ndim, x.shape);
  const outer = sizeOf(x.shape.slice(0, d));
  const n = x.shape[d]!;
  const inner = sizeOf(x.shape.slice(d + 1));
  const shape = keepDim ? x.shape.map((s, i) => (i === d ? 1 : s)) : x.shape.filter((_, i) => i !== d);
  const out = new Tensor(allocOut(outer * inner, x.buf), shape);
  const be = backend();
  be.sumAxis(out.buf, x.buf, outer, n, inner);
  const f = factorOf(n);
  if (f !== 1) be.unary('scale', out.buf, out.buf, f);
  return record(out, op, [x], sumGrad(outer, n, inner, f));
}

// sum over dim of x viewed as (outer, dim, inner): dx[o,d,i] = dy[o,i] * factor
function sumGrad(outer: number, dim: number, inner: number, factor: number): GradRule {
  return (dy) => {
    const dx = allocOut(outer * dim * inner, dy);
    const be = backend();
    // broadcast dy (outer, 1, inner) over dim with a 0 stride
    be.binary('mul', dx, dy, factorBuf(dy, factor), [outer, dim, inner], [inner, 0, 1], [0, 0, 0]);
    return [dx];
  };
}

function factorBuf(like: Buf, v: number): Buf {
  const b = allocOut(1, like);
  b[0] = v;
  return b;
}

export const sum = (x: Tensor, dim?: number, keepDim = false): Tensor => reduceSum('sum', x, dim, keepDim, () => 1);
export const mean = (x: Tensor, dim?: number, keepDim = false): Tensor => reduceSum('mean', x, dim, keepDim, (n) => 1 / n);

// a view with a new shape (same data order); one dim may be -1
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const s = [...shape];
  const free = s.indexOf(-1);
  if (free >= 0) {
    const known = sizeOf(s.filter((_, i) => i !== free));
    s[free] = known === 0 ? 0 : x.size / known;
  }
  if (sizeOf(s) !== x.size || s.some((v) => !Number.isInteger(v) || v < 0)) {
    throw shapeMismatch('reshape', `cannot view ${x.size} elements as [${shape.join(', ')}]`, { x: x.shape });
  }
  const out = Tensor.viewOf(x, s);
  return record(out, 'reshape', [x], viewGrad);
}

// reshape/flatten keep the data order: the gradient is dy itself (handed over once)
const viewGrad: GradRule = (dy) => [dy];

export function flatten(x: Tensor, startDim = 1): Tensor {
  const d = normDim('flatten', startDim, x.ndim, x.shape);
  return reshape(x, [...x.shape.slice(0, d), sizeOf(x.shape.slice(d))]);
}

export function concat(xs: readonly Tensor[], dim = 1): Tensor {
  if (xs.length === 0) throw shapeMismatch('concat', 'needs at least one tensor', {});
  const first = xs[0]!;
  const d = normDim('concat', dim, first.ndim, first.shape);
  for (const t of xs) {
    const ok = t.ndim === first.ndim && t.shape.every((s, i) => i === d || s === first.shape[i]);
    if (!ok) throw shapeMismatch('concat', `shapes differ outside dim ${d}`, Object.fromEntries(xs.map((x, i) => [`x${i}`, x.shape])));
  }
  const outer = sizeOf(first.shape.slice(0, d));
  const inner = sizeOf(first.shape.slice(d + 1));
  const rowLens = xs.map((t) => t.shape[d]! * inner);
  const total = rowLens.reduce((s, w) => s + w, 0);
  const shape = first.shape.map((s, i) => (i === d ? total / inner : s));
  const out = new Tensor(allocOut(outer * total, first.buf), shape);
  const be = backend();
  let off = 0;
  xs.forEach((t, i) => {
    be.copyBlock(out.buf, off, total, t.buf, 0, rowLens[i]!, outer, rowLens[i]!);
    off += rowLens[i]!;
  });
  return record(out, 'concat', xs, concatGrad(outer, rowLens));
}

// concat along a dim viewed as (outer, widths[i] * inner) blocks
function concatGrad(outer: number, rowLens: readonly number[]): GradRule {
  return (dy, needs) => {
    const be = backend();
    const total = rowLens.reduce((s, w) => s + w, 0);
    let off = 0;
    return rowLens.map((w, i) => {
      const start = off;
      off += w;
      if (!needs[i]) return null;
      const dx = allocOut(outer * w, dy);
      be.copyBlock(dx, 0, w, dy, start, total, outer, w);
      return dx;
    });
  };
}

// x[..., start:end, ...] along dim
export function slice(x: Tensor, dim: number, start: number, end: number): Tensor {
  const d = normDim('slice', dim, x.ndim, x.shape);
  const n = x.shape[d]!;
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > n || start > end) {
    throw shapeMismatch('slice', `range ${start}:${end} is outside dim ${d} of size ${n}`, { x: x.shape });
  }
  const outer = sizeOf(x.shape.slice(0, d));
  const inner = sizeOf(x.shape.slice(d + 1));
  const shape = x.shape.map((s, i) => (i === d ? end - start : s));
  const len = (end - start) * inner;
  const out = new Tensor(allocOut(outer * len, x.buf), shape);
  backend().copyBlock(out.buf, 0, len, x.buf, start * inner, n * inner, outer, len);
  return record(out, 'slice', [x], sliceGrad(outer, n * inner, start * inner, len));
}

// slice: dx is zero outside the kept block
function sliceGrad(outer: number, fullRow: number, start: number, len: number): GradRule {
  return (dy) => {
    const dx = allocLike(outer * fullRow, dy);
    backend().copyBlock(dx, start, fullRow, dy, 0, len, outer, len);
    return [dx];
  };
}
