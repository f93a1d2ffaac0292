// strided block copy (concat, slice)
import type { Buf } from '../backend.js';

// out[outOffset + r*outStride + j] = x[xOffset + r*xStride + j], r < rows, j < cols
export function copyBlock(out: Buf, outOffset: number, outStride: number, x: Buf, xOffset: number, xStride: number, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    const src = xOffset + r * xStride;
    out.set(x.subarray(src, src + cols), outOffset + r * outStride);
  }
}
