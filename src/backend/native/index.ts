// the native backend: a typed binding to the C++ addon (native/, built by node-gyp at npm install)
// and its loader. Buffers cross the boundary as they are (no copies); the addon rejects anything
// but Float32Array with a TypeError. PAIRBENCH_NATIVE_PATH overrides where the addon is loaded from.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PairbenchError } from '../../errors.js';
import type { Backend, BinaryOp, Buf, ConvDims, PoolDims, UnaryOp } from '../backend.js';
import { KERNEL_METHODS, NATIVE_ABI_VERSION, type NativeAddon } from './addon.js';

export type { NativeAddon } from './addon.js';
export type NativeLoad = { ok: true; backend: Backend } | { ok: false; reason: string };
export type NativeAddonLoad = { ok: true; addon: NativeAddon; path: string } | { ok: false; reason: string };

const ADDON_FILE = join('build', 'Release', 'pairbench_native.node');
const BUILD_HINT = 'build it with `node scripts/build-native.mjs` (runs at `npm install`; needs g++, make and python3)';

const BINARY_CODE: Record<BinaryOp, number> = { add: 0, sub: 1, mul: 2, div: 3 };
const UNARY_CODE: Record<UnaryOp, number> = {
  relu: 0, leakyRelu: 1, sigmoid: 2, tanh: 3, exp: 4, log: 5, neg: 6, square: 7, sqrt: 8, scale: 9,
};

// the project root: the nearest ancestor of this file holding binding.gyp (works from src/ and dist/src/)
function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    if (existsSync(join(dir, 'binding.gyp'))) return dir;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
}

export function nativeAddonPath(): string {
  const forced = process.env['PAIRBENCH_NATIVE_PATH'];
  if (forced !== undefined && forced !== '') return resolve(forced);
  return join(projectRoot(), ADDON_FILE);
}

let addonLoad: NativeAddonLoad | null = null;
let backendLoad: NativeLoad | null = null;

// loads the raw addon once per thread (each worker thread gets its own context-aware instance)
export function loadNativeAddon(): NativeAddonLoad {
  if (addonLoad !== null) return addonLoad;
  const path = nativeAddonPath();
  if (!existsSync(path)) {
    addonLoad = { ok: false, reason: `the native addon ${path} is missing; ${BUILD_HINT}` };
    return addonLoad;
  }
  let mod: unknown;
  try {
    mod = createRequire(import.meta.url)(path);
  } catch (e) {
    const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
    addonLoad = { ok: false, reason: `could not load the native addon ${path} (${msg}); rebuild it: ${BUILD_HINT}` };
    return addonLoad;
  }
  const addon = mod as Partial<NativeAddon> & Record<string, unknown>;
  if (addon.abiVersion !== NATIVE_ABI_VERSION) {
    addonLoad = { ok: false, reason: `the native addon ${path} is out of date (abi ${String(addon.abiVersion)}, expected ${NATIVE_ABI_VERSION}); ${BUILD_HINT}` };
    return addonLoad;
  }
  const missing = KERNEL_METHODS.filter((k) => typeof addon[k] !== 'function');
  if (missing.length > 0) {
    addonLoad = { ok: false, reason: `the native addon ${path} lacks kernels ${missing.join(', ')}; ${BUILD_HINT}` };
    return addonLoad;
  }
  addonLoad = { ok: true, addon: addon as NativeAddon, path };
  return addonLoad;
}

export function loadNative(): NativeLoad {
  if (backendLoad !== null) return backendLoad;
  const a = loadNativeAddon();
  backendLoad = a.ok ? { ok: true, backend: createNativeBackend(a.addon) } : { ok: false, reason: a.reason };
  return backendLoad;
}

function f32(b: Buf): Float32Array {
  // the addon checks the type and throws a TypeError naming the argument for anything else
  return b as Float32Array;
}
function f32n(b: Buf | null): Float32Array | null {
  return b as Float32Array | null;
}

export function createNativeBackend(addon: NativeAddon): Backend {
  let dims = new Int32Array(1 + 3 * 8);
  const packDims = (shape: readonly number[], s1: readonly number[], s2: readonly number[] | null): Int32Array => {
    const r = shape.length;
    const need = 1 + (s2 === null ? 2 : 3) * r;
    if (dims.length < need) dims = new Int32Array(need);
    dims[0] = r;
    for (let i = 0; i < r; i++) {
      dims[1 + i] = shape[i]!;
      dims[1 + r + i] = s1[i]!;
      if (s2 !== null) dims[1 + 2 * r + i] = s2[i]!;
    }
    return dims;
  };
  const conv = (d: ConvDims) => [d.n, d.c, d.h, d.w, d.o, d.kh, d.kw, d.stride, d.pad, d.oh, d.ow] as const;
  const pool = (d: PoolDims) => [d.n, d.c, d.h, d.w, d.k, d.stride, d.oh, d.ow] as const;

  return withErrors({
    name: 'native',
    fill: (out, value) => addon.fill(f32(out), value),
    binary: (op, out, a, b, outShape, aStrides, bStrides) => {
      if (aStrides.length !== outShape.length || bStrides.length !== outShape.length) {
        throw new RangeError(`pairbench native backend: binary: strides (${aStrides.length}, ${bStrides.length}) must match the rank of outShape (${outShape.length})`);
      }
      addon.binary(BINARY_CODE[op], f32(out), f32(a), f32(b), packDims(outShape, aStrides, bStrides));
    },
    unary: (op, out, x, alpha) => addon.unary(UNARY_CODE[op], f32(out), f32(x), alpha),
    unaryBackward: (op, dx, x, y, dy, alpha) => addon.unaryBackward(UNARY_CODE[op], f32(dx), f32(x), f32(y), f32(dy), alpha),
    reduceToShape: (out, x, xShape, xStridesInOut) => {
      if (xStridesInOut.length !== xShape.length) {
        throw new RangeError(`pairbench native backend: reduceToShape: ${xStridesInOut.length} strides for a rank-${xShape.length} shape`);
      }
      addon.reduceToShape(f32(out), f32(x), packDims(xShape, xStridesInOut, null));
    },
    sumAxis: (out, x, outer, dim, inner) => addon.sumAxis(f32(out), f32(x), outer, dim, inner),
    gemm: (out, a, b, m, n, k, transA, transB, beta) => addon.gemm(f32(out), f32(a), f32(b), m, n, k, transA, transB, beta),
    linear: (out, x, w, bias, n, inF, outF) => addon.linear(f32(out), f32(x), f32(w), f32n(bias), n, inF, outF),
    linearBackward: (dx, dw, db, dy, x, w, n, inF, outF) => addon.linearBackward(f32n(dx), f32n(dw), f32n(db), f32(dy), f32(x), f32(w), n, inF, outF),
    conv2d: (out, x, w, bias, d) => addon.conv2d(f32(out), f32(x), f32(w), f32n(bias), ...conv(d)),
    conv2dBackwardInput: (dx, dy, w, d) => addon.conv2dBackwardInput(f32(dx), f32(dy), f32(w), ...conv(d)),
    conv2dBackwardWeight: (dw, db, dy, x, d) => addon.conv2dBackwardWeight(f32(dw), f32n(db), f32(dy), f32(x), ...conv(d)),
    maxPool2d: (out, argmax, x, d) => addon.maxPool2d(f32(out), argmax, f32(x), ...pool(d)),
    maxPool2dBackward: (dx, dy, argmax, d) => addon.maxPool2dBackward(f32(dx), f32(dy), argmax, ...pool(d)),
    avgPool2d: (out, x, d) => addon.avgPool2d(f32(out), f32(x), ...pool(d)),
    avgPool2dBackward: (dx, dy, d) => addon.avgPool2dBackward(f32(dx), f32(dy), ...pool(d)),
    batchNormTrain: (out, mean, invStd, x, gamma, beta, n, c, hw, eps) => addon.batchNormTrain(f32(out), f32(mean), f32(invStd), f32(x), f32(gamma), f32(beta), n, c, hw, eps),
    batchNormEval: (out, x, gamma, beta, runMean, runVar, n, c, hw, eps) => addon.batchNormEval(f32(out), f32(x), f32(gamma), f32(beta), f32(runMean), f32(runVar), n, c, hw, eps),
    batchNormBackward: (dx, dgamma, dbeta, dy, x, mean, invStd, gamma, n, c, hw) => addon.batchNormBackward(f32(dx), f32(dgamma), f32(dbeta), f32(dy), f32(x), f32(mean), f32(invStd), f32(gamma), n, c, hw),
    softmax: (out, x, rows, cols) => addon.softmax(f32(out), f32(x), rows, cols),
    logSoftmax: (out, x, rows, cols) => addon.logSoftmax(f32(out), f32(x), rows, cols),
    softmaxBackward: (dx, y, dy, rows, cols) => addon.softmaxBackward(f32(dx), f32(y), f32(dy), rows, cols),
    logSoftmaxBackward: (dx, y, dy, rows, cols) => addon.logSoftmaxBackward(f32(dx), f32(y), f32(dy), rows, cols),
    nllLoss: (out, logp, target, rows, cols) => addon.nllLoss(f32(out), f32(logp), target, rows, cols),
    nllLossBackward: (dlogp, dout, target, rows, cols) => addon.nllLossBackward(f32(dlogp), dout, target, rows, cols),
    bceWithLogitsLoss: (out, x, t, n) => addon.bceWithLogitsLoss(f32(out), f32(x), f32(t), n),
    bceWithLogitsLossBackward: (dx, dout, x, t, n) => addon.bceWithLogitsLossBackward(f32(dx), dout, f32(x), f32(t), n),
    bceLoss: (out, p, t, n) => addon.bceLoss(f32(out), f32(p), f32(t), n),
    bceLossBackward: (dp, dout, p, t, n) => addon.bceLossBackward(f32(dp), dout, f32(p), f32(t), n),
    copyBlock: (out, outOffset, outStride, x, xOffset, xStride, rows, cols) => addon.copyBlock(f32(out), outOffset, outStride, f32(x), xOffset, xStride, rows, cols),
    adamStep: (param, grad, m, v, lr, beta1, beta2, eps, weightDecay, step) => addon.adamStep(f32(param), f32(grad), f32(m), f32(v), lr, beta1, beta2, eps, weightDecay, step),
    sgdStep: (param, grad, buf, lr, momentum, weightDecay, firstStep) => addon.sgdStep(f32(param), f32(grad), f32n(buf), lr, momentum, weightDecay, firstStep),
  });
}

// the addon throws TypeError for a wrong buffer type (kept as is: a programming error) and
// RangeError for dims or values that do not fit (turned into the project's error, code bad_argument)
function withErrors(b: Backend): Backend {
  const out: Record<string, unknown> = { name: b.name };
  for (const [key, fn] of Object.entries(b)) {
    if (typeof fn !== 'function') continue;
    const f = fn as (...args: unknown[]) => void;
    out[key] = (...args: unknown[]): void => {
      try {
        f(...args);
      } catch (e) {
        if (e instanceof RangeError) throw new PairbenchError('bad_argument', e.message, { op: key, backend: 'native' });
        throw e;
      }
    };
  }
  return out as unknown as Backend;
}
