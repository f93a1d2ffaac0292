// layer ops with their gradient rules: matmul, linear, conv2d, pooling, batch norm, softmax, dropout
import { convOutSize, type Buf, type ConvDims, type PoolDims } from '../../backend/backend.js';
import { PairbenchError, shapeMismatch } from '../../errors.js';
import { record, type GradRule } from '../autograd.js';
import { allocIndex, allocOut, releaseBuf } from '../pool.js';
import type { Rng } from '../random.js';
import { normDim } from '../shape.js';
import { backend, sizeOf, Tensor } from '../tensor.js';

export type LayerOp = 'matmul' | 'linear' | 'conv2d' | 'conv2dReluMaxPool' | 'maxPool2d' | 'avgPool2d' | 'batchNorm' | 'softmax' | 'logSoftmax' | 'dropout';

// a: (m,k) @ b: (k,n)
export function matmul(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 2 || b.ndim !== 2 || a.shape[1] !== b.shape[0]) throw shapeMismatch('matmul', 'needs (m,k) @ (k,n)', { a: a.shape, b: b.shape });
  const [m, k] = a.shape as [number, number];
  const n = b.shape[1]!;
  const out = new Tensor(allocOut(m * n, a.buf), [m, n]);
  backend().gemm(out.buf, a.buf, b.buf, m, n, k, false, false, 0);
  return record(out, 'matmul', [a, b], matmulGrad(a.buf, b.buf, m, k, n));
}

function matmulGrad(a: Buf, b: Buf, m: number, k: number, n: number): GradRule {
  return (dy, needs) => {
    const be = backend();
    let da: Buf | null = null;
    let db: Buf | null = null;
    if (needs[0]) { da = allocOut(m * k, dy); be.gemm(da, dy, b, m, k, n, false, true, 0); }
    if (needs[1]) { db = allocOut(k * n, dy); be.gemm(db, a, dy, k, n, m, true, false, 0); }
    return [da, db];
  };
}

export interface LinearOptions {
  // relu(x @ w^T + bias) in one op (a Linear followed by a ReLU: nn/layers.ts runLayers)
  relu?: boolean;
}

// x: (n, inF), w: (outF, inF), bias: (outF)
export function linear(x: Tensor, w: Tensor, bias: Tensor | null, opts: LinearOptions = {}): Tensor {
  if (x.ndim !== 2 || w.ndim !== 2 || x.shape[1] !== w.shape[1]) throw shapeMismatch('linear', 'needs x (n, in) and weight (out, in)', { x: x.shape, weight: w.shape });
  const [n, inF] = x.shape as [number, number];
  const outF = w.shape[0]!;
  if (bias !== null && (bias.ndim !== 1 || bias.shape[0] !== outF)) throw shapeMismatch('linear', 'bias must be (out)', { weight: w.shape, bias: bias.shape });
  const relu = opts.relu === true;
  const out = new Tensor(allocOut(n * outF, x.buf), [n, outF]);
  backend().linear(out.buf, x.buf, w.buf, bias === null ? null : bias.buf, n, inF, outF, relu);
  const inputs = bias === null ? [x, w] : [x, w, bias];
  return record(out, 'linear', inputs, linearGrad(x.buf, w.buf, relu ? out.buf : null, bias !== null, n, inF, outF));
}

// y: the output when relu is fused (its gradient masks dy), else null
function linearGrad(x: Buf, w: Buf, y: Buf | null, hasBias: boolean, n: number, inF: number, outF: number): GradRule {
  return (dy, needs) => {
    const dx = needs[0] ? allocOut(n * inF, dy) : null;
    const dw = needs[1] ? allocOut(outF * inF, dy) : null;
    const db = hasBias && needs[2] ? allocOut(outF, dy) : null;
    backend().linearBackward(dx, dw, db, dy, x, w, y, n, inF, outF);
    return hasBias ? [dx, dw, db] : [dx, dw];
  };
}

export interface Conv2dOptions {
  stride?: number;
  padding?: number;
  // relu(conv2d(...)) in one op (a Conv2d followed by a ReLU: models/blocks.ts convBlockAt)
  relu?: boolean;
}

// the geometry of conv2d(x, w, bias) (op names the op in errors)
function convDims(op: string, x: Tensor, w: Tensor, bias: Tensor | null, opts: Conv2dOptions): ConvDims {
  const stride = opts.stride ?? 1;
  const pad = opts.padding ?? 0;
  if (x.ndim !== 4 || w.ndim !== 4 || x.shape[1] !== w.shape[1]) throw shapeMismatch(op, 'needs x (N,C,H,W) and weight (O,C,KH,KW) with the same C', { x: x.shape, weight: w.shape });
  const [n, c, h, wd] = x.shape as [number, number, number, number];
  const [o, , kh, kw] = w.shape as [number, number, number, number];
  if (bias !== null && (bias.ndim !== 1 || bias.shape[0] !== o)) throw shapeMismatch(op, 'bias must be (O)', { weight: w.shape, bias: bias.shape });
  if (!(Number.isInteger(stride) && stride >= 1)) throw new PairbenchError('bad_argument', `${op}: stride must be an integer >= 1, got ${stride}`, { op, field: 'stride', value: stride });
  if (!(Number.isInteger(pad) && pad >= 0)) throw new PairbenchError('bad_argument', `${op}: padding must be an integer >= 0, got ${pad}`, { op, field: 'padding', value: pad });
  const oh = convOutSize(h, kh, stride, pad);
  const ow = convOutSize(wd, kw, stride, pad);
  if (oh < 1 || ow < 1) throw shapeMismatch(op, `a ${kh}x${kw} kernel does not fit the ${h}x${wd} input`, { x: x.shape, weight: w.shape });
  return { n, c, h, w: wd, o, kh, kw, stride, pad, oh, ow };
}

// x: (N,C,H,W), w: (O,C,KH,KW), bias: (O)
export function conv2d(x: Tensor, w: Tensor, bias: Tensor | null, opts: Conv2dOptions = {}): Tensor {
  const d = convDims('conv2d', x, w, bias, opts);
  const relu = opts.relu === true;
  const out = new Tensor(allocOut(d.n * d.o * d.oh * d.ow, x.buf), [d.n, d.o, d.oh, d.ow]);
  if (relu) backend().conv2dRelu(out.buf, x.buf, w.buf, bias === null ? null : bias.buf, d);
  else backend().conv2d(out.buf, x.buf, w.buf, bias === null ? null : bias.buf, d);
  const inputs = bias === null ? [x, w] : [x, w, bias];
  return record(out, 'conv2d', inputs, conv2dGrad(x.buf, w.buf, bias !== null, d, relu ? out.buf : null));
}

// maxPool2d(relu(conv2d(x, w, bias)), k, k) in one kernel that never writes the activation out:
// the same values, argmax and gradients as the three ops one after the other
export function conv2dReluMaxPool(x: Tensor, w: Tensor, bias: Tensor | null, opts: Conv2dOptions, k: number): Tensor {
  const d = convDims('conv2dReluMaxPool', x, w, bias, opts);
  const p = poolDims('conv2dReluMaxPool', [d.n, d.o, d.oh, d.ow], k, k);
  const out = new Tensor(allocOut(p.n * p.c * p.oh * p.ow, x.buf), [p.n, p.c, p.oh, p.ow]);
  const argmax = allocIndex(out.size);
  backend().conv2dReluMaxPool(out.buf, argmax, x.buf, w.buf, bias === null ? null : bias.buf, d, p);
  const inputs = bias === null ? [x, w] : [x, w, bias];
  const convGrad = conv2dGrad(x.buf, w.buf, bias !== null, d);
  const outBuf = out.buf;
  return record(out, 'conv2dReluMaxPool', inputs, (dy, needs) => {
    // the pool's gradient where the ReLU passed (out > 0 exactly where the window's maximum did), then the convolution's
    const dPooled = reluMaskedGrad(dy, outBuf);
    const dAct = allocOut(d.n * d.o * d.oh * d.ow, dy);
    backend().maxPool2dBackward(dAct, dPooled, argmax, p);
    releaseBuf(dPooled);
    const grads = convGrad(dAct, needs);
    releaseBuf(dAct);
    return grads;
  }, [argmax]);
}

// dy masked where a fused ReLU's output y <= 0 (the ReLU's gradient), in a pooled buffer the caller releases
function reluMaskedGrad(dy: Buf, y: Buf): Buf {
  const masked = allocOut(dy.length, dy);
  backend().unaryBackward('relu', masked, y, y, dy, 0);
  return masked;
}

// y: the output when relu is fused (its gradient masks dy: out > 0 exactly where the convolution's output was), else null
function conv2dGrad(x: Buf, w: Buf, hasBias: boolean, d: ConvDims, y: Buf | null = null): GradRule {
  return (dyIn, needs) => {
    const be = backend();
    const dy = y === null ? dyIn : reluMaskedGrad(dyIn, y);
    let dx: Buf | null = null;
    let dw: Buf | null = null;
    let db: Buf | null = null;
    if (needs[0]) { dx = allocOut(x.length, dy); be.conv2dBackwardInput(dx, dy, w, d); }
    if (needs[1] || (hasBias && needs[2])) {
      dw = allocOut(w.length, dy);
      db = hasBias ? allocOut(d.o, dy) : null;
      be.conv2dBackwardWeight(dw, db, dy, x, d);
    }
    if (dy !== dyIn) releaseBuf(dy);
    return hasBias ? [dx, needs[1] ? dw : null, needs[2] ? db : null] : [dx, dw];
  };
}

function poolDims(op: string, shape: readonly number[], k: number, stride: number): PoolDims {
  if (shape.length !== 4) throw shapeMismatch(op, 'needs x (N,C,H,W)', { x: shape });
  const [n, c, h, w] = shape as [number, number, number, number];
  const oh = Math.floor((h - k) / stride) + 1;
  const ow = Math.floor((w - k) / stride) + 1;
  for (const [field, v] of [['kernel', k], ['stride', stride]] as const) {
    if (!(Number.isInteger(v) && v >= 1)) throw new PairbenchError('bad_argument', `${op}: ${field} must be an integer >= 1, got ${v}`, { op, field, value: v });
  }
  if (oh < 1 || ow < 1) throw shapeMismatch(op, `kernel ${k} stride ${stride} does not fit ${h}x${w}`, { x: shape });
  return { n, c, h, w, k, stride, oh, ow };
}

// floor mode; on ties the first maximum (row-major) gets the gradient
export function maxPool2d(x: Tensor, k: number, stride = k): Tensor {
  const d = poolDims('maxPool2d', x.shape, k, stride);
  const out = new Tensor(allocOut(d.n * d.c * d.oh * d.ow, x.buf), [d.n, d.c, d.oh, d.ow]);
  const argmax = allocIndex(out.size);
  backend().maxPool2d(out.buf, argmax, x.buf, d);
  return record(out, 'maxPool2d', [x], maxPool2dGrad(argmax, x.size, d), [argmax]);
}

function maxPool2dGrad(argmax: Int32Array, inSize: number, d: PoolDims): GradRule {
  return (dy) => {
    const dx = allocOut(inSize, dy);
    backend().maxPool2dBackward(dx, dy, argmax, d);
    return [dx];
  };
}

export function avgPool2d(x: Tensor, k: number, stride = k): Tensor {
  const d = poolDims('avgPool2d', x.shape, k, stride);
  const out = new Tensor(allocOut(d.n * d.c * d.oh * d.ow, x.buf), [d.n, d.c, d.oh, d.ow]);
  backend().avgPool2d(out.buf, x.buf, d);
  return record(out, 'avgPool2d', [x], avgPool2dGrad(x.size, d));
}

function avgPool2dGrad(inSize: number, d: PoolDims): GradRule {
  return (dy) => {
    const dx = allocOut(inSize, dy);
    backend().avgPool2dBackward(dx, dy, d);
    return [dx];
  };
}

// relu: relu(batch norm) in one op (a batch norm followed by a ReLU: nn/layers.ts runLayers)
export interface BatchNormOptions { training: boolean; momentum: number; eps: number; relu?: boolean }

// x: (N,C) or (N,C,H,W); runMean/runVar: (C), updated in place in training mode
// (normalised with the biased batch variance, running var takes the unbiased one, as PyTorch)
export function batchNorm(x: Tensor, gamma: Tensor, beta: Tensor, runMean: Tensor, runVar: Tensor, opts: BatchNormOptions): Tensor {
  if (x.ndim !== 2 && x.ndim !== 4) throw shapeMismatch('batchNorm', 'needs x (N,C) or (N,C,H,W)', { x: x.shape });
  const n = x.shape[0]!;
  const c = x.shape[1]!;
  const hw = x.ndim === 4 ? x.shape[2]! * x.shape[3]! : 1;
  for (const [name, t] of [['weight', gamma], ['bias', beta], ['running_mean', runMean], ['running_var', runVar]] as const) {
    if (t.size !== c) throw shapeMismatch('batchNorm', `${name} must have C = ${c} elements`, { x: x.shape, [name]: t.shape });
  }
  const be = backend();
  const relu = opts.relu === true;
  const out = new Tensor(allocOut(x.size, x.buf), x.shape);
  if (!opts.training) {
    be.batchNormEval(out.buf, x.buf, gamma.buf, beta.buf, runMean.buf, runVar.buf, n, c, hw, opts.eps, relu);
    return record(out, 'batchNorm', [x, gamma, beta], batchNormEvalGrad(x.buf, gamma.buf, runMean.buf, runVar.buf, opts.eps, relu ? out.buf : null, n, c, hw));
  }
  const m = n * hw;
  if (m < 2) throw shapeMismatch('batchNorm', 'training mode needs more than one value per channel', { x: x.shape });
  const mean = allocOut(c, x.buf);
  const invStd = allocOut(c, x.buf);
  be.batchNormTrain(out.buf, mean, invStd, x.buf, gamma.buf, beta.buf, n, c, hw, opts.eps, relu);
  const mom = opts.momentum;
  for (let ch = 0; ch < c; ch++) {
    const inv = invStd[ch]!;
    const biasedVar = 1 / (inv * inv) - opts.eps;
    runMean.buf[ch] = (1 - mom) * runMean.buf[ch]! + mom * mean[ch]!;
    runVar.buf[ch] = (1 - mom) * runVar.buf[ch]! + mom * biasedVar * (m / (m - 1));
  }
  return record(out, 'batchNorm', [x, gamma, beta], batchNormTrainGrad(x.buf, gamma.buf, mean, invStd, relu ? out.buf : null, n, c, hw));
}

// y: the output when relu is fused (its gradient masks dy), else null
function batchNormTrainGrad(x: Buf, gamma: Buf, mean: Buf, invStd: Buf, y: Buf | null, n: number, c: number, hw: number): GradRule {
  return (dy) => {
    const dx = allocOut(x.length, dy);
    const dg = allocOut(c, dy);
    const dbeta = allocOut(c, dy);
    backend().batchNormBackward(dx, dg, dbeta, dy, x, mean, invStd, gamma, y, n, c, hw);
    return [dx, dg, dbeta];
  };
}

function batchNormEvalGrad(x: Buf, gamma: Buf, runMean: Buf, runVar: Buf, eps: number, y: Buf | null, n: number, c: number, hw: number): GradRule {
  return (dyIn, needs) => {
    const dy = y === null ? dyIn : reluMaskedGrad(dyIn, y);
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
    if (dy !== dyIn) releaseBuf(dy);
    return [dx, dg, dbeta];
  };
}

function softmaxLike(op: 'softmax' | 'logSoftmax', x: Tensor, dim: number): Tensor {
  const d = normDim(op, dim, x.ndim, x.shape);
  if (d !== x.ndim - 1) throw shapeMismatch(op, `only the last dim is supported (got dim ${dim})`, { x: x.shape });
  const cols = x.shape[d]!;
  const rows = sizeOf(x.shape) / cols;
  const out = new Tensor(allocOut(x.size, x.buf), x.shape);
  if (op === 'softmax') backend().softmax(out.buf, x.buf, rows, cols);
  else backend().logSoftmax(out.buf, x.buf, rows, cols);
  return record(out, op, [x], softmaxGrad(out.buf, rows, cols, op === 'logSoftmax'));
}

function softmaxGrad(y: Buf, rows: number, cols: number, log: boolean): GradRule {
  return (dy) => {
    const dx = allocOut(y.length, dy);
    if (log) backend().logSoftmaxBackward(dx, y, dy, rows, cols);
    else backend().softmaxBackward(dx, y, dy, rows, cols);
    return [dx];
  };
}

export const softmax = (x: Tensor, dim = -1): Tensor => softmaxLike('softmax', x, dim);
export const logSoftmax = (x: Tensor, dim = -1): Tensor => softmaxLike('logSoftmax', x, dim);

// inverted dropout: kept values scaled by 1/(1-p); identity when not training or p = 0
export function dropout(x: Tensor, p: number, rng: Rng, training: boolean): Tensor {
  if (!(p >= 0 && p < 1)) throw new PairbenchError('bad_argument', `dropout: p must be in [0, 1), got ${p}`, { op: 'dropout', field: 'p', value: p });
  if (!training || p === 0) return x;
  // the backend draws the mask from the generator's stream and hands back the advanced state
  const mask = allocOut(x.size, x.buf);
  const out = new Tensor(allocOut(x.size, x.buf), x.shape);
  const state = Int32Array.from(rng.state().s);
  backend().dropout(out.buf, mask, x.buf, state, p);
  rng.setState({ s: [state[0]!, state[1]!, state[2]!, state[3]!] });
  return record(out, 'dropout', [x], dropoutGrad(mask), [mask]);
}

function dropoutGrad(mask: Buf): GradRule {
  return (dy) => {
    const dx = allocOut(dy.length, dy);
    backend().binary('mul', dx, dy, mask, [dy.length], [1], [1]);
    return [dx];
  };
}
