// general matrix multiply: out = op(a) @ op(b) + beta * out
import type { Buf } from '../backend.js';

// out: (m, n), a: (m, k) or (k, m) when transA, b: (k, n) or (n, k) when transB
// every out[i, j] sums its k products in ascending order, then adds beta * out[i, j]
// beta = 0 ignores out's old values (even NaN), as BLAS does
export function gemm(out: Buf, a: Buf, b: Buf, m: number, n: number, k: number, transA: boolean, transB: boolean, beta: number): void {
  // element (i, p) of op(a) is a[i * aRow + p * aCol]
  const aRow = transA ? 1 : k;
  const aCol = transA ? m : 1;
  const acc = new Float64Array(n);
  for (let i = 0; i < m; i++) {
    const aBase = i * aRow;
    if (transB) {
      // rows of b are contiguous along k: dot products
      for (let j = 0; j < n; j++) {
        const bBase = j * k;
        let s = 0;
        for (let p = 0; p < k; p++) s += a[aBase + p * aCol]! * b[bBase + p]!;
        acc[j] = s;
      }
    } else {
      // i-k-j: the inner loop runs along a row of b
      acc.fill(0);
      for (let p = 0; p < k; p++) {
        const aip = a[aBase + p * aCol]!;
        const bBase = p * n;
        for (let j = 0; j < n; j++) acc[j] += aip * b[bBase + j]!;
      }
    }
    const oBase = i * n;
    if (beta === 0) {
      for (let j = 0; j < n; j++) out[oBase + j] = acc[j]!;
    } else {
      for (let j = 0; j < n; j++) out[oBase + j] = acc[j]! + beta * out[oBase + j]!;
    }
  }
}
