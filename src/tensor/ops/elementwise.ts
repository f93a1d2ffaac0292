// elementwise ops: + - * / with broadcasting, activations and other unary maps
import type { BinaryOp, UnaryOp } from '../../backend/backend.js';
import { binaryGrad, unaryGrad } from '../grad/elementwise.js';
import { broadcastShapes, broadcastStrides } from '../shape.js';
import { allocOut, backend, record, sizeOf, Tensor } from '../tensor.js';

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

function unary(op: UnaryOp, x: Tensor, alpha = 0): Tensor {
  const out = new Tensor(allocOut(x.size, x.buf), x.shape);
  backend().unary(op, out.buf, x.buf, alpha);
  return record(out, op, [x], unaryGrad(op, x.buf, out.buf, alpha));
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
