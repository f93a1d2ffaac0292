// fully connected layer, PyTorch layout: w is (out, in)
import type { Buf } from '../backend.js';
import { gemm } from './gemm.js';

// out: (n, outF), x: (n, inF), w: (outF, inF), bias: (outF) or null
export function linear(out: Buf, x: Buf, w: Buf, bias: Buf | null, n: number, inF: number, outF: number): void {
  gemm(out, x, w, n, outF, inF, false, true, 0);
  if (bias === null) return;
  for (let r = 0; r < n; r++) {
    const row = r * outF;
    for (let j = 0; j < outF; j++) out[row + j] = out[row + j]! + bias[j]!;
  }
}

// dx: (n, inF), dw: (outF, inF), db: (outF), dy: (n, outF), x: (n, inF), w: (outF, inF)
export function linearBackward(dx: Buf | null, dw: Buf | null, db: Buf | null, dy: Buf, x: Buf, w: Buf, n: number, inF: number, outF: number): void {
  if (dx !== null) gemm(dx, dy, w, n, inF, outF, false, false, 0);
  if (dw !== null) gemm(dw, dy, x, outF, inF, n, true, false, 0);
  if (db !== null) {
    const acc = new Float64Array(outF);
    for (let r = 0; r < n; r++) {
      const row = r * outF;
      for (let j = 0; j < outF; j++) acc[j] += dy[row + j]!;
    }
    db.set(acc);
  }
}
