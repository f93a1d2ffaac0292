// the raw shape of the C++ addon (native/addon.cc): buffers are passed as they are (no copies),
// dims flattened to numbers, shape/stride lists packed in an Int32Array.
export type F32 = Float32Array;
export type F32OrNull = Float32Array | null;

export interface NativeAddon {
  readonly abiVersion: number;
  simd(): 'avx2+fma' | 'scalar';
  // switches this thread's addon instance between the AVX2+FMA and the portable kernels (tests, bench)
  setSimd(enabled: boolean): 'avx2+fma' | 'scalar';
  cpuHasAvx2(): boolean;
  // one core's fp32 FMA throughput in GFLOP/s over `iters` iterations of 12 independent FMAs
  fmaPeak(iters: number): number;

  fill(out: F32, value: number): void;
  binary(op: number, out: F32, a: F32, b: F32, dims: Int32Array): void;
  unary(op: number, out: F32, x: F32, alpha: number): void;
  unaryBackward(op: number, dx: F32, x: F32, y: F32, dy: F32, alpha: number): void;
  reduceToShape(out: F32, x: F32, dims: Int32Array): void;
  sumAxis(out: F32, x: F32, outer: number, dim: number, inner: number): void;
  gemm(out: F32, a: F32, b: F32, m: number, n: number, k: number, transA: boolean, transB: boolean, beta: number): void;
  linear(out: F32, x: F32, w: F32, bias: F32OrNull, n: number, inF: number, outF: number): void;
  linearBackward(dx: F32OrNull, dw: F32OrNull, db: F32OrNull, dy: F32, x: F32, w: F32, n: number, inF: number, outF: number): void;
  conv2d(out: F32, x: F32, w: F32, bias: F32OrNull, n: number, c: number, h: number, wd: number, o: number, kh: number, kw: number, stride: number, pad: number, oh: number, ow: number): void;
  conv2dBackwardInput(dx: F32, dy: F32, w: F32, n: number, c: number, h: number, wd: number, o: number, kh: number, kw: number, stride: number, pad: number, oh: number, ow: number): void;
  conv2dBackwardWeight(dw: F32, db: F32OrNull, dy: F32, x: F32, n: number, c: number, h: number, wd: number, o: number, kh: number, kw: number, stride: number, pad: number, oh: number, ow: number): void;
  maxPool2d(out: F32, argmax: Int32Array, x: F32, n: number, c: number, h: number, w: number, k: number, stride: number, oh: number, ow: number): void;
  maxPool2dBackward(dx: F32, dy: F32, argmax: Int32Array, n: number, c: number, h: number, w: number, k: number, stride: number, oh: number, ow: number): void;
  avgPool2d(out: F32, x: F32, n: number, c: number, h: number, w: number, k: number, stride: number, oh: number, ow: number): void;
  avgPool2dBackward(dx: F32, dy: F32, n: number, c: number, h: number, w: number, k: number, stride: number, oh: number, ow: number): void;
  batchNormTrain(out: F32, mean: F32, invStd: F32, x: F32, gamma: F32, beta: F32, n: number, c: number, hw: number, eps: number): void;
  batchNormEval(out: F32, x: F32, gamma: F32, beta: F32, runMean: F32, runVar: F32, n: number, c: number, hw: number, eps: number): void;
  batchNormBackward(dx: F32, dgamma: F32, dbeta: F32, dy: F32, x: F32, mean: F32, invStd: F32, gamma: F32, n: number, c: number, hw: number): void;
  softmax(out: F32, x: F32, rows: number, cols: number): void;
  logSoftmax(out: F32, x: F32, rows: number, cols: number): void;
  softmaxBackward(dx: F32, y: F32, dy: F32, rows: number, cols: number): void;
  logSoftmaxBackward(dx: F32, y: F32, dy: F32, rows: number, cols: number): void;
  nllLoss(out: F32, logp: F32, target: Int32Array, rows: number, cols: number): void;
  nllLossBackward(dlogp: F32, dout: number, target: Int32Array, rows: number, cols: number): void;
  bceWithLogitsLoss(out: F32, x: F32, t: F32, n: number): void;
  bceWithLogitsLossBackward(dx: F32, dout: number, x: F32, t: F32, n: number): void;
  bceLoss(out: F32, p: F32, t: F32, n: number): void;
  bceLossBackward(dp: F32, dout: number, p: F32, t: F32, n: number): void;
  copyBlock(out: F32, outOffset: number, outStride: number, x: F32, xOffset: number, xStride: number, rows: number, cols: number): void;
  adamStep(param: F32, grad: F32, m: F32, v: F32, lr: number, beta1: number, beta2: number, eps: number, weightDecay: number, step: number): void;
  sgdStep(param: F32, grad: F32, buf: F32OrNull, lr: number, momentum: number, weightDecay: number, firstStep: boolean): void;
}

export const NATIVE_ABI_VERSION = 1;

export const KERNEL_METHODS = [
  'fill', 'binary', 'unary', 'unaryBackward', 'reduceToShape', 'sumAxis', 'gemm', 'linear', 'linearBackward',
  'conv2d', 'conv2dBackwardInput', 'conv2dBackwardWeight', 'maxPool2d', 'maxPool2dBackward', 'avgPool2d', 'avgPool2dBackward',
  'batchNormTrain', 'batchNormEval', 'batchNormBackward', 'softmax', 'logSoftmax', 'softmaxBackward', 'logSoftmaxBackward',
  'nllLoss', 'nllLossBackward', 'bceWithLogitsLoss', 'bceWithLogitsLossBackward', 'bceLoss', 'bceLossBackward',
  'copyBlock', 'adamStep', 'sgdStep',
] as const;
