// gradient rules of the elementwise ops (binary with broadcasting, unary activations)
import type { BinaryOp, Buf, UnaryOp } from '../../backend/backend.js';
import { allocOut, backend, releaseBuf, type GradRule } from '../tensor.js';
import { contiguousStrides, sameShape } from '../shape.js';

// sums g (outShape) down to target's shape; always returns a fresh buffer
export function reduceTo(g: Buf, outShape: readonly number[], target: readonly number[], strides: readonly number[]): Buf {
  if (sameShape(outShape, target)) {
    const out = allocOut(g.length, g);
    out.set(g);
    return out;
  }
  let n = 1;
  for (const d of target) n *= d;
  const out = allocOut(n, g);
  backend().reduceToShape(out, g, outShape, strides);
  return out;
}

// as reduceTo for a temporary t the caller owns: t itself when no reduction is needed, else t is recycled
function reduceOwned(t: Buf, outShape: readonly number[], target: readonly number[], strides: readonly number[]): Buf {
  if (sameShape(outShape, target)) return t;
  const out = reduceTo(t, outShape, target, strides);
  releaseBuf(t);
  return out;
}

// a, b: the inputs' buffers; sa, sb: their strides read as outShape; y: the output
export function binaryGrad(op: BinaryOp, a: Buf, b: Buf, y: Buf, aShape: readonly number[], bShape: readonly number[],
  outShape: readonly number[], sa: readonly number[], sb: readonly number[]): GradRule {
  return (dy, needs) => {
    const be = backend();
    const cs = contiguousStrides(outShape);
    const n = dy.length;
    let da: Buf | null = null;
    let db: Buf | null = null;
    if (op === 'add' || op === 'sub') {
      if (needs[0]) da = reduceTo(dy, outShape, aShape, sa);
      if (needs[1]) {
        db = reduceTo(dy, outShape, bShape, sb);
        if (op === 'sub') be.unary('neg', db, db, 0);
      }
    } else {
      // dy (op) other, other read through its strides: a temporary the reduction may recycle
      const withDy = (o: BinaryOp, other: Buf, so: readonly number[]): Buf => {
        const t = allocOut(n, dy);
        be.binary(o, t, dy, other, outShape, cs, so);
        return t;
      };
      if (op === 'mul') {
        if (needs[0]) da = reduceOwned(withDy('mul', b, sb), outShape, aShape, sa);
        if (needs[1]) db = reduceOwned(withDy('mul', a, sa), outShape, bShape, sb);
      } else {
        // div: d/da = dy / b, d/db = -dy * y / b
        if (needs[0]) da = reduceOwned(withDy('div', b, sb), outShape, aShape, sa);
        if (needs[1]) {
          const t = withDy('mul', y, cs);
          be.binary('div', t, t, b, outShape, cs, sb);
          be.unary('neg', t, t, 0);
          db = reduceOwned(t, outShape, bShape, sb);
        }
      }
    }
    return [da, db];
  };
}

export function unaryGrad(op: UnaryOp, x: Buf, y: Buf, alpha: number): GradRule {
  return (dy) => {
    const dx = allocOut(dy.length, dy);
    backend().unaryBackward(op, dx, x, y, dy, alpha);
    return [dx];
  };
}
