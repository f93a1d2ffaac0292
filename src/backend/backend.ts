// the backend contract: one method per kernel, backward passes included.
// conventions: arguments are outputs, then inputs, then dims; every output buffer is
// fully overwritten (never accumulated into) unless the kernel says otherwise; all
// buffers are contiguous row-major (NCHW for images). the reference backend accepts
// Float32Array or Float64Array (gradient checks run in float64); native takes Float32Array only.

export type Buf = Float32Array | Float64Array;

export type BinaryOp = 'add' | 'sub' | 'mul' | 'div';
// relu's gradient at 0 is 0 (PyTorch); leakyRelu uses `alpha` as its negative slope
export type UnaryOp = 'relu' | 'leakyRelu' | 'sigmoid' | 'tanh' | 'exp' | 'log' | 'neg' | 'square' | 'sqrt' | 'scale';

// conv2d geometry; oh = floor((h + 2*pad - kh) / stride) + 1, likewise ow
export interface ConvDims {
  readonly n: number; readonly c: number; readonly h: number; readonly w: number;
  readonly o: number; readonly kh: number; readonly kw: number;
  readonly stride: number; readonly pad: number;
  readonly oh: number; readonly ow: number;
}

// pooling geometry (no padding, floor mode: a partial last window is dropped)
export interface PoolDims {
  readonly n: number; readonly c: number; readonly h: number; readonly w: number;
  readonly k: number; readonly stride: number;
  readonly oh: number; readonly ow: number;
}

export interface Backend {
  readonly name: 'reference' | 'native';

  // out[i] = value
  fill(out: Buf, value: number): void;

  // out: outShape; a, b read through strides in elements (0 on a broadcast dim)
  binary(op: BinaryOp, out: Buf, a: Buf, b: Buf, outShape: readonly number[], aStrides: readonly number[], bStrides: readonly number[]): void;
  // out: (n), x: (n); alpha = leakyRelu slope or the 'scale' factor, ignored otherwise
  unary(op: UnaryOp, out: Buf, x: Buf, alpha: number): void;
  // dx: (n) = dy * op'(x); x is the op's input, y its output (each rule reads the one it needs)
  unaryBackward(op: UnaryOp, dx: Buf, x: Buf, y: Buf, dy: Buf, alpha: number): void;
  // out: reduced shape; x: (...shapeOf(out) broadcast): out[j] = sum of x over every element mapped to j
  // by xStridesInOut (stride in out, 0 on a reduced dim), visited in x's row-major order
  reduceToShape(out: Buf, x: Buf, xShape: readonly number[], xStridesInOut: readonly number[]): void;
  // out: (outer, inner) = sum over d of x: (outer, dim, inner), d ascending
  sumAxis(out: Buf, x: Buf, outer: number, dim: number, inner: number): void;

  // out: (m, n) = op(a) @ op(b) + beta * out; a: (m, k) or (k, m) when transA; b: (k, n) or (n, k) when transB
  gemm(out: Buf, a: Buf, b: Buf, m: number, n: number, k: number, transA: boolean, transB: boolean, beta: number): void;
  // out: (n, outF) = x @ w^T + bias; x: (n, inF), w: (outF, inF), bias: (outF) or null
  linear(out: Buf, x: Buf, w: Buf, bias: Buf | null, n: number, inF: number, outF: number): void;
  // dx: (n, inF) = dy @ w; dw: (outF, inF) = dy^T @ x; db: (outF) = column sums of dy; null = not needed
  linearBackward(dx: Buf | null, dw: Buf | null, db: Buf | null, dy: Buf, x: Buf, w: Buf, n: number, inF: number, outF: number): void;

  // out: (N,O,OH,OW), x: (N,C,H,W), w: (O,C,KH,KW), bias: (O) or null
  conv2d(out: Buf, x: Buf, w: Buf, bias: Buf | null, d: ConvDims): void;
  // dx: (N,C,H,W) from dy: (N,O,OH,OW), w: (O,C,KH,KW)
  conv2dBackwardInput(dx: Buf, dy: Buf, w: Buf, d: ConvDims): void;
  // dw: (O,C,KH,KW), db: (O) or null, from dy: (N,O,OH,OW), x: (N,C,H,W)
  conv2dBackwardWeight(dw: Buf, db: Buf | null, dy: Buf, x: Buf, d: ConvDims): void;

  // out: (N,C,OH,OW); argmax: (N,C,OH,OW) flat index into x of each window's first maximum (row-major)
  maxPool2d(out: Buf, argmax: Int32Array, x: Buf, d: PoolDims): void;
  // dx: (N,C,H,W) zeroed, then dy scattered to argmax (overlapping windows add)
  maxPool2dBackward(dx: Buf, dy: Buf, argmax: Int32Array, d: PoolDims): void;
  // out: (N,C,OH,OW) = window means
  avgPool2d(out: Buf, x: Buf, d: PoolDims): void;
  avgPool2dBackward(dx: Buf, dy: Buf, d: PoolDims): void;

  // x, out: (N,C,HW); mean, invStd: (C) outputs, biased batch variance: invStd = 1/sqrt(var + eps)
  batchNormTrain(out: Buf, mean: Buf, invStd: Buf, x: Buf, gamma: Buf, beta: Buf, n: number, c: number, hw: number, eps: number): void;
  // out = gamma * (x - runMean) / sqrt(runVar + eps) + beta
  batchNormEval(out: Buf, x: Buf, gamma: Buf, beta: Buf, runMean: Buf, runVar: Buf, n: number, c: number, hw: number, eps: number): void;
  // train-mode backward; dx: (N,C,HW), dgamma, dbeta: (C)
  batchNormBackward(dx: Buf, dgamma: Buf, dbeta: Buf, dy: Buf, x: Buf, mean: Buf, invStd: Buf, gamma: Buf, n: number, c: number, hw: number): void;

  // x, out: (rows, cols), along cols
  softmax(out: Buf, x: Buf, rows: number, cols: number): void;
  logSoftmax(out: Buf, x: Buf, rows: number, cols: number): void;
  // y = the forward output
  softmaxBackward(dx: Buf, y: Buf, dy: Buf, rows: number, cols: number): void;
  logSoftmaxBackward(dx: Buf, y: Buf, dy: Buf, rows: number, cols: number): void;

  // out: (1) = -mean_r logp[r, target[r]]; logp: (rows, cols)
  nllLoss(out: Buf, logp: Buf, target: Int32Array, rows: number, cols: number): void;
  // dlogp: (rows, cols) = -dout / rows at each target, 0 elsewhere
  nllLossBackward(dlogp: Buf, dout: number, target: Int32Array, rows: number, cols: number): void;
  // out: (1) = mean of max(x,0) - x*t + log(1 + exp(-|x|))
  bceWithLogitsLoss(out: Buf, x: Buf, t: Buf, n: number): void;
  bceWithLogitsLossBackward(dx: Buf, dout: number, x: Buf, t: Buf, n: number): void;
  // out: (1) = mean of -(t*log(p) + (1-t)*log(1-p)), each log clamped at -100 (PyTorch)
  bceLoss(out: Buf, p: Buf, t: Buf, n: number): void;
  bceLossBackward(dp: Buf, dout: number, p: Buf, t: Buf, n: number): void;

  // out[outOffset + r*outStride + j] = x[xOffset + r*xStride + j] for r < rows, j < cols (concat, slice)
  copyBlock(out: Buf, outOffset: number, outStride: number, x: Buf, xOffset: number, xStride: number, rows: number, cols: number): void;

  // in-place PyTorch Adam on param (n), m, v; step counts from 1; weightDecay is L2 added to grad
  adamStep(param: Buf, grad: Buf, m: Buf, v: Buf, lr: number, beta1: number, beta2: number, eps: number, weightDecay: number, step: number): void;
  // in-place PyTorch SGD; when momentum > 0 and firstStep the buffer is set to the gradient (no dampening)
  sgdStep(param: Buf, grad: Buf, buf: Buf | null, lr: number, momentum: number, weightDecay: number, firstStep: boolean): void;
}

export function convOutSize(size: number, k: number, stride: number, pad: number): number {
  return Math.floor((size + 2 * pad - k) / stride) + 1;
}
