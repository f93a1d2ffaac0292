// strided block copy (concat, slice) and row gathers (mini-batches)
import { PairbenchError } from '../../errors.js';
import type { Buf } from '../backend.js';

// out[outOffset + r*outStride + j] = x[xOffset + r*xStride + j], r < rows, j < cols
export function copyBlock(out: Buf, outOffset: number, outStride: number, x: Buf, xOffset: number, xStride: number, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    const src = xOffset + r * xStride;
    out.set(x.subarray(src, src + cols), outOffset + r * outStride);
  }
}

// out[r*rowLen + j] = x[index[r]*rowLen + j], r < index.length, j < rowLen
export function gatherRows(out: Buf, x: Buf, index: Int32Array, rowLen: number): void {
  const rows = Math.floor(x.length / rowLen);
  for (let r = 0; r < index.length; r++) {
    const k = index[r]!;
    if (!(k >= 0 && k < rows)) throw new PairbenchError('bad_argument', `gatherRows: index[${r}] = ${k} is not a row of x (0..${rows - 1})`, { op: 'gatherRows' });
    out.set(x.subarray(k * rowLen, (k + 1) * rowLen), r * rowLen);
  }
}
