// elementwise ops and their gradient rules: + - * / with broadcasting, activations and other unary maps
import type { BinaryOp, Buf, UnaryOp } from '../../backend/backend.js';
import { record, type GradRule } from '../autograd.js';
import { allocOut, releaseBuf } from '../pool.js';
import { broadcastShapes, broadcastStrides, contiguousStrides, sameShape } from '../shape.js';
import { backend, sizeOf, Tensor } from '../tensor.js';

export type ElementwiseOp = BinaryOp | UnaryOp;

function asTensor(v: Tensor | number, like: Tensor): Tensor {
  return typeof v === 'number' ? Tensor.scalar(v, like.dtype) : v;
}

function binary(op: BinaryOp, a: Tensor, bIn: Tensor | number): Tensor {
  const b = asTensor(bIn, a);
  const outShape = broadcastShapes(op, a.shape, b.shape);
  const sa = broadcastStrides(a.shape, outShape);
  const sb = broadcastStrides(b.shape, outShape);
  const out = new Tensor(allocOut(sizeOf(outShape), a.buf), outShape);
  backend().binary(op, out.buf, a.buf, b.buf, outShape, sa, sb);
  return record(out, op, [a, b], binaryGrad(op, a.buf, b.buf, out.buf, a.shape, b.shape, outShape, sa, sb));
}

export const add = (a: Tensor, b: Tensor | number): Tensor => binary('add', a, b);
export const sub = (a: Tensor, b: Tensor | number): Tensor => binary('sub', a, b);
export const mul = (a: Tensor, b: Tensor | number): Tensor => binary('mul', a, b);
export const div = (a: Tensor, b: Tensor | number): Tensor => binary('div', a, b);

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
function binaryGrad(op: BinaryOp, a: Buf, b: Buf, y: Buf, aShape: readonly number[], bShape: readonly number[],
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

function unary(op: UnaryOp, x: Tensor, alpha = 0): Tensor {
  const out = new Tensor(allocOut(x.size, x.buf), x.shape);
  backend().unary(op, out.buf, x.buf, alpha);
  return record(out, op, [x], unaryGrad(op, x.buf, out.buf, alpha));
}

// every unary op's derivative is the backend's unaryBackward kernel (reading x or y as the manifest says)
function unaryGrad(op: UnaryOp, x: Buf, y: Buf, alpha: number): GradRule {
  return (dy) => {
    const dx = allocOut(dy.length, dy);
    backend().unaryBackward(op, dx, x, y, dy, alpha);
    return [dx];
  };
}

// relu'(0) = 0, as PyTorch
export const relu = (x: Tensor): Tensor => unary('relu', x);
export const leakyRelu = (x: Tensor, slope = 0.01): Tensor => unary('leakyRelu', x, slope);
export const sigmoid = (x: Tensor): Tensor => unary('sigmoid', x);
export const tanh = (x: Tensor): Tensor => unary('tanh', x);
export const exp = (x: Tensor): Tensor => unary('exp', x);
export const log = (x: Tensor): Tensor => unary('log', x);
export const neg = (x: Tensor): Tensor => unary('neg', x);
export const square = (x: Tensor): Tensor => unary('square', x);
export const sqrt = (x: Tensor): Tensor => unary('sqrt', x);
export const scale = (x: Tensor, s: number): Tensor => unary('scale', x, s);
