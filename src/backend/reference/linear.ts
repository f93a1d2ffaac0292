// fully connected layer, PyTorch layout: w is (out, in)
import type { Buf } from '../backend.js';
import { reluInPlace, reluMasked } from './elementwise.js';
import { gemm } from './gemm.js';

// out: (n, outF), x: (n, inF), w: (outF, inF), bias: (outF) or null
export function linear(out: Buf, x: Buf, w: Buf, bias: Buf | null, n: number, inF: number, outF: number, relu: boolean): void {
  gemm(out, x, w, n, outF, inF, false, true, 0);
  if (bias !== null) {
    for (let r = 0; r < n; r++) {
      const row = r * outF;
      for (let j = 0; j < outF; j++) out[row + j] = out[row + j]! + bias[j]!;
    }
  }
  if (relu) reluInPlace(out, n * outF);
}

// dx: (n, inF), dw: (outF, inF), db: (outF), dy: (n, outF), x: (n, inF), w: (outF, inF)
// y: a relu-fused linear's output (or null): dy is masked where y <= 0 first
export function linearBackward(dx: Buf | null, dw: Buf | null, db: Buf | null, dyIn: Buf, x: Buf, w: Buf, y: Buf | null, n: number, inF: number, outF: number): void {
  const dy = reluMasked(dyIn, y);
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
