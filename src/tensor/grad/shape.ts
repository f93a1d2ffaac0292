// gradient rules of reductions and shape ops (sum, mean, reshape, concat, slice)
import type { Buf } from '../../backend/backend.js';
import { allocLike, allocOut, backend, type GradRule } from '../tensor.js';

// sum over dim of x viewed as (outer, dim, inner): dx[o,d,i] = dy[o,i] * factor
export function sumGrad(outer: number, dim: number, inner: number, factor: number): GradRule {
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

// reshape/flatten keep the data order: the gradient is dy itself (handed over once)
export const viewGrad: GradRule = (dy) => [dy];

// concat along a dim viewed as (outer, widths[i] * inner) blocks
export function concatGrad(outer: number, rowLens: readonly number[]): GradRule {
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

// slice: dx is zero outside the kept block
export function sliceGrad(outer: number, fullRow: number, start: number, len: number): GradRule {
  return (dy) => {
    const dx = allocLike(outer * fullRow, dy);
    backend().copyBlock(dx, start, fullRow, dy, 0, len, outer, len);
    return [dx];
  };
}
