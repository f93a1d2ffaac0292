// gradient rules of the layer ops: matmul, linear, conv2d, pooling, batch norm, softmax, dropout
import type { Buf, ConvDims, PoolDims } from '../../backend/backend.js';
import { allocOut, backend, type GradRule } from '../tensor.js';

// a: (m,k), b: (k,n)
export function matmulGrad(a: Buf, b: Buf, m: number, k: number, n: number): GradRule {
  return (dy, needs) => {
    const be = backend();
    let da: Buf | null = null;
    let db: Buf | null = null;
    if (needs[0]) { da = allocOut(m * k, dy); be.gemm(da, dy, b, m, k, n, false, true, 0); }
    if (needs[1]) { db = allocOut(k * n, dy); be.gemm(db, a, dy, k, n, m, true, false, 0); }
    return [da, db];
  };
}

// x: (n, inF), w: (outF, inF)
export function linearGrad(x: Buf, w: Buf, hasBias: boolean, n: number, inF: number, outF: number): GradRule {
  return (dy, needs) => {
    const dx = needs[0] ? allocOut(n * inF, dy) : null;
    const dw = needs[1] ? allocOut(outF * inF, dy) : null;
    const db = hasBias && needs[2] ? allocOut(outF, dy) : null;
    backend().linearBackward(dx, dw, db, dy, x, w, n, inF, outF);
    return hasBias ? [dx, dw, db] : [dx, dw];
  };
}

export function conv2dGrad(x: Buf, w: Buf, hasBias: boolean, d: ConvDims): GradRule {
  return (dy, needs) => {
    const be = backend();
    let dx: Buf | null = null;
    let dw: Buf | null = null;
    let db: Buf | null = null;
    if (needs[0]) { dx = allocOut(x.length, dy); be.conv2dBackwardInput(dx, dy, w, d); }
    if (needs[1] || (hasBias && needs[2])) {
      dw = allocOut(w.length, dy);
      db = hasBias ? allocOut(d.o, dy) : null;
      be.conv2dBackwardWeight(dw, db, dy, x, d);
    }
    return hasBias ? [dx, needs[1] ? dw : null, needs[2] ? db : null] : [dx, dw];
  };
}

export function maxPool2dGrad(argmax: Int32Array, inSize: number, d: PoolDims): GradRule {
  return (dy) => {
    const dx = allocOut(inSize, dy);
    backend().maxPool2dBackward(dx, dy, argmax, d);
    return [dx];
  };
}

export function avgPool2dGrad(inSize: number, d: PoolDims): GradRule {
  return (dy) => {
    const dx = allocOut(inSize, dy);
    backend().avgPool2dBackward(dx, dy, d);
    return [dx];
  };
}

// train mode: gradients through the batch statistics; inputs are (x, gamma, beta)
export function batchNormTrainGrad(x: Buf, gamma: Buf, mean: Buf, invStd: Buf, n: number, c: number, hw: number): GradRule {
  return (dy) => {
    const dx = allocOut(x.length, dy);
    const dg = allocOut(c, dy);
    const dbeta = allocOut(c, dy);
    backend().batchNormBackward(dx, dg, dbeta, dy, x, mean, invStd, gamma, n, c, hw);
    return [dx, dg, dbeta];
  };
}

// eval mode: an affine map per channel with the running statistics
export function batchNormEvalGrad(x: Buf, gamma: Buf, runMean: Buf, runVar: Buf, eps: number, n: number, c: number, hw: number): GradRule {
  return (dy, needs) => {
    const dx = needs[0] ? allocOut(x.length, dy) : null;
    const dg = allocOut(c, dy);
    const dbeta = allocOut(c, dy);
    for (let ch = 0; ch < c; ch++) {
      const inv = 1 / Math.sqrt(runVar[ch]! + eps);
      const k = gamma[ch]! * inv;
      let sg = 0;
      let sb = 0;
      for (let i = 0; i < n; i++) {
        const base = (i * c + ch) * hw;
        for (let j = 0; j < hw; j++) {
          const g = dy[base + j]!;
          sb += g;
          sg += g * (x[base + j]! - runMean[ch]!) * inv;
          if (dx) dx[base + j] = g * k;
        }
      }
      dg[ch] = sg;
      dbeta[ch] = sb;
    }
    return [dx, dg, dbeta];
  };
}

export function softmaxGrad(y: Buf, rows: number, cols: number, log: boolean): GradRule {
  return (dy) => {
    const dx = allocOut(y.length, dy);
    if (log) backend().logSoftmaxBackward(dx, y, dy, rows, cols);
    else backend().softmaxBackward(dx, y, dy, rows, cols);
    return [dx];
  };
}

// mask holds 0 or 1/(1-p)
export function dropoutGrad(mask: Buf): GradRule {
  return (dy) => {
    const dx = allocOut(dy.length, dy);
    backend().binary('mul', dx, dy, mask, [dy.length], [1], [1]);
    return [dx];
  };
}
