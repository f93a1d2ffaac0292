// reductions: sum a broadcast tensor back to its source shape, sum over one axis
import type { Buf } from '../backend.js';

// out: reduced shape; x: xShape; xStridesInOut: stride in out of each x dim (0 on a reduced dim)
export function reduceToShape(out: Buf, x: Buf, xShape: readonly number[], xStridesInOut: readonly number[]): void {
  const acc = new Float64Array(out.length);
  const rank = xShape.length;
  let total = 1;
  for (const s of xShape) total *= s;
  if (rank === 0) {
    if (total > 0) acc[0] = x[0]!;
  } else if (total > 0) {
    const inner = xShape[rank - 1]!;
    const innerStride = xStridesInOut[rank - 1]!;
    const idx = new Array<number>(rank).fill(0);
    let oOff = 0;
    for (let xi = 0; xi < total; xi += inner) {
      for (let j = 0, o = oOff; j < inner; j++, o += innerStride) acc[o] += x[xi + j]!;
      for (let d = rank - 2; d >= 0; d--) {
        idx[d]!++;
        oOff += xStridesInOut[d]!;
        if (idx[d]! < xShape[d]!) break;
        oOff -= xStridesInOut[d]! * xShape[d]!;
        idx[d] = 0;
      }
    }
  }
  out.set(acc);
}

// out: (outer, inner), x: (outer, dim, inner)
export function sumAxis(out: Buf, x: Buf, outer: number, dim: number, inner: number): void {
  const acc = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    acc.fill(0);
    const base = o * dim * inner;
    for (let d = 0; d < dim; d++) {
      const row = base + d * inner;
      for (let i = 0; i < inner; i++) acc[i] += x[row + i]!;
    }
    out.set(acc, o * inner);
  }
}
