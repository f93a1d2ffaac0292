// softmax and log-softmax along the last dim, with their gradients
import type { Buf } from '../backend.js';

// row r of x: (rows, cols) -> its max and sum of exp(x - max), the stable pieces of both softmaxes
function rowMaxSum(x: Buf, base: number, cols: number): { max: number; sum: number } {
  let max = -Infinity;
  for (let j = 0; j < cols; j++) max = Math.max(max, x[base + j]!);
  let sum = 0;
  for (let j = 0; j < cols; j++) sum += Math.exp(x[base + j]! - max);
  return { max, sum };
}

// out, x: (rows, cols); the row max is subtracted first for stability
export function softmax(out: Buf, x: Buf, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    const { max, sum } = rowMaxSum(x, base, cols);
    for (let j = 0; j < cols; j++) out[base + j] = Math.exp(x[base + j]! - max) / sum;
  }
}

// out, x: (rows, cols); out = x - max - log(sum exp(x - max))
export function logSoftmax(out: Buf, x: Buf, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    const { max, sum } = rowMaxSum(x, base, cols);
    const shift = max + Math.log(sum);
    for (let j = 0; j < cols; j++) out[base + j] = x[base + j]! - shift;
  }
}

// dx, y, dy: (rows, cols); y = softmax output; dx = y * (dy - sum_j dy*y)
export function softmaxBackward(dx: Buf, y: Buf, dy: Buf, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let dot = 0;
    for (let j = 0; j < cols; j++) dot += dy[base + j]! * y[base + j]!;
    for (let j = 0; j < cols; j++) dx[base + j] = y[base + j]! * (dy[base + j]! - dot);
  }
}

// dx, y, dy: (rows, cols); y = log-softmax output; dx = dy - exp(y) * sum_j dy
export function logSoftmaxBackward(dx: Buf, y: Buf, dy: Buf, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let sum = 0;
    for (let j = 0; j < cols; j++) sum += dy[base + j]!;
    for (let j = 0; j < cols; j++) dx[base + j] = dy[base + j]! - Math.exp(y[base + j]!) * sum;
  }
}
