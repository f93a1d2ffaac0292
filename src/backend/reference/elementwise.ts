// elementwise kernels: fill, broadcasting binary ops, unary ops and their gradients
import { PairbenchError } from '../../errors.js';
import type { BinaryOp, Buf, UnaryOp } from '../backend.js';

// out: (n)
export function fill(out: Buf, value: number): void {
  out.fill(value);
}

// out: outShape; a, b: read through aStrides, bStrides (0 on a broadcast dim)
export function binary(op: BinaryOp, out: Buf, a: Buf, b: Buf, outShape: readonly number[], aStrides: readonly number[], bStrides: readonly number[]): void {
  const rank = outShape.length;
  let total = 1;
  for (const s of outShape) total *= s;
  if (total === 0) return;
  if (rank === 0) {
    binaryRow(op, out, 0, a, 0, 0, b, 0, 0, 1);
    return;
  }
  // the last dim is one row; an odometer walks the outer dims
  const inner = outShape[rank - 1]!;
  const aInner = aStrides[rank - 1]!;
  const bInner = bStrides[rank - 1]!;
  const idx = new Array<number>(rank).fill(0);
  let aOff = 0;
  let bOff = 0;
  for (let o = 0; o < total; o += inner) {
    binaryRow(op, out, o, a, aOff, aInner, b, bOff, bInner, inner);
    for (let d = rank - 2; d >= 0; d--) {
      idx[d]!++;
      aOff += aStrides[d]!;
      bOff += bStrides[d]!;
      if (idx[d]! < outShape[d]!) break;
      aOff -= aStrides[d]! * outShape[d]!;
      bOff -= bStrides[d]! * outShape[d]!;
      idx[d] = 0;
    }
  }
}

// out[o + j] = a[ai + j*as] op b[bi + j*bs] for j < len
function binaryRow(op: BinaryOp, out: Buf, o: number, a: Buf, ai: number, as: number, b: Buf, bi: number, bs: number, len: number): void {
  switch (op) {
    case 'add': for (let j = 0; j < len; j++, ai += as, bi += bs) out[o + j] = a[ai]! + b[bi]!; return;
    case 'sub': for (let j = 0; j < len; j++, ai += as, bi += bs) out[o + j] = a[ai]! - b[bi]!; return;
    case 'mul': for (let j = 0; j < len; j++, ai += as, bi += bs) out[o + j] = a[ai]! * b[bi]!; return;
    case 'div': for (let j = 0; j < len; j++, ai += as, bi += bs) out[o + j] = a[ai]! / b[bi]!; return;
    default: throw new PairbenchError('bad_argument', `binary: unknown op '${String(op)}'`, { op });
  }
}

// out: (n), x: (n)
export function unary(op: UnaryOp, out: Buf, x: Buf, alpha: number): void {
  const n = x.length;
  switch (op) {
    case 'relu': for (let i = 0; i < n; i++) { const v = x[i]!; out[i] = v > 0 ? v : 0; } return;
    case 'leakyRelu': for (let i = 0; i < n; i++) { const v = x[i]!; out[i] = v > 0 ? v : alpha * v; } return;
    case 'sigmoid': for (let i = 0; i < n; i++) out[i] = 1 / (1 + Math.exp(-x[i]!)); return;
    case 'tanh': for (let i = 0; i < n; i++) out[i] = Math.tanh(x[i]!); return;
    case 'exp': for (let i = 0; i < n; i++) out[i] = Math.exp(x[i]!); return;
    case 'log': for (let i = 0; i < n; i++) out[i] = Math.log(x[i]!); return;
    case 'neg': for (let i = 0; i < n; i++) out[i] = -x[i]!; return;
    case 'square': for (let i = 0; i < n; i++) { const v = x[i]!; out[i] = v * v; } return;
    case 'sqrt': for (let i = 0; i < n; i++) out[i] = Math.sqrt(x[i]!); return;
    case 'scale': for (let i = 0; i < n; i++) out[i] = alpha * x[i]!; return;
    default: throw new PairbenchError('bad_argument', `unary: unknown op '${String(op)}'`, { op });
  }
}

// the first len values of out through ReLU, in place (the fused layers' activation)
export function reluInPlace(out: Buf, len: number): void {
  const v = out.subarray(0, len);
  unary('relu', v, v, 0);
}

// dy masked where a fused ReLU's output y <= 0 (dy itself when there is no fused ReLU)
export function reluMasked(dy: Buf, y: Buf | null): Buf {
  if (y === null) return dy;
  const masked = dy.slice();
  unaryBackward('relu', masked, y, y, masked, 0);
  return masked;
}

// dx, x, y, dy: (n); dx = dy * op'(x)
export function unaryBackward(op: UnaryOp, dx: Buf, x: Buf, y: Buf, dy: Buf, alpha: number): void {
  const n = dy.length;
  switch (op) {
    case 'relu': for (let i = 0; i < n; i++) dx[i] = x[i]! > 0 ? dy[i]! : 0; return;
    case 'leakyRelu': for (let i = 0; i < n; i++) dx[i] = x[i]! > 0 ? dy[i]! : alpha * dy[i]!; return;
    case 'sigmoid': for (let i = 0; i < n; i++) { const s = y[i]!; dx[i] = dy[i]! * s * (1 - s); } return;
    case 'tanh': for (let i = 0; i < n; i++) { const t = y[i]!; dx[i] = dy[i]! * (1 - t * t); } return;
    case 'exp': for (let i = 0; i < n; i++) dx[i] = dy[i]! * y[i]!; return;
    case 'log': for (let i = 0; i < n; i++) dx[i] = dy[i]! / x[i]!; return;
    case 'neg': for (let i = 0; i < n; i++) dx[i] = -dy[i]!; return;
    case 'square': for (let i = 0; i < n; i++) dx[i] = 2 * x[i]! * dy[i]!; return;
    case 'sqrt': for (let i = 0; i < n; i++) dx[i] = dy[i]! / (2 * y[i]!); return;
    case 'scale': for (let i = 0; i < n; i++) dx[i] = alpha * dy[i]!; return;
    default: throw new PairbenchError('bad_argument', `unaryBackward: unknown op '${String(op)}'`, { op });
  }
}
