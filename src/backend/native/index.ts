// the native backend: a typed binding to the C++ addon (native/, built by node-gyp at npm install)
// and its loader. Buffers cross the boundary as they are (no copies); the addon rejects anything
// but Float32Array with a TypeError. PAIRBENCH_NATIVE_PATH overrides where the addon is loaded from.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PairbenchError } from '../../errors.js';
import type { Backend } from '../backend.js';
import { BINARY_OPS, KERNEL_NAMES, KERNELS, UNARY_OP_NAMES, type KernelArg, type KernelName } from '../manifest.js';
import { CONV_FIELDS, NATIVE_ABI_VERSION, POOL_FIELDS, type NativeAddon } from './addon.js';

export type { NativeAddon } from './addon.js';
export type NativeLoad = { ok: true; backend: Backend } | { ok: false; reason: string };
export type NativeAddonLoad = { ok: true; addon: NativeAddon; path: string } | { ok: false; reason: string };

const ADDON_FILE = join('build', 'Release', 'pairbench_native.node');
const BUILD_HINT = 'build it with `node scripts/build-native.mjs` (runs at `npm install`; needs g++, make and python3)';

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
  const missing = KERNEL_NAMES.filter((k) => typeof addon[k] !== 'function');
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

// the native backend: each kernel converts its TS arguments to the addon's (op names to codes,
// dims objects flattened, shape/stride lists packed) as the manifest describes them
export function createNativeBackend(addon: NativeAddon): Backend {
  const backend: Record<string, unknown> = { name: 'native' };
  for (const name of KERNEL_NAMES) backend[name] = nativeKernel(addon, name, KERNELS[name].args);
  return backend as unknown as Backend;
}

const BINARY_CODE = new Map<string, number>(BINARY_OPS.map((op, i) => [op, i]));
const UNARY_CODE = new Map<string, number>(UNARY_OP_NAMES.map((op, i) => [op, i]));

// reads TS arguments from position `at` and pushes the addon's; returns how many it read
type Convert = (args: readonly unknown[], at: number, out: unknown[]) => number;

function opCode(codes: Map<string, number>, kernel: string): Convert {
  return (args, at, out) => {
    const code = codes.get(args[at] as string);
    if (code === undefined) throw new RangeError(`pairbench native backend: ${kernel}: unknown op '${String(args[at])}'`);
    out.push(code);
    return 1;
  };
}

function fields(names: readonly string[]): Convert {
  return (args, at, out) => {
    const d = args[at] as Record<string, number>;
    for (const f of names) out.push(d[f]);
    return 1;
  };
}

// a shape and its stride lists packed as [rank, shape..., strides1..., strides2...] (one reused buffer per kernel)
function packed(kernel: string, nStrides: number): Convert {
  let dims = new Int32Array(1 + (1 + nStrides) * 8);
  return (args, at, out) => {
    const shape = args[at] as readonly number[];
    const r = shape.length;
    const need = 1 + (1 + nStrides) * r;
    if (dims.length < need) dims = new Int32Array(need);
    dims[0] = r;
    for (let i = 0; i < r; i++) dims[1 + i] = shape[i]!;
    for (let s = 0; s < nStrides; s++) {
      const st = args[at + 1 + s] as readonly number[];
      if (st.length !== r) throw new RangeError(`pairbench native backend: ${kernel}: ${st.length} strides for a rank-${r} shape`);
      for (let i = 0; i < r; i++) dims[1 + (1 + s) * r + i] = st[i]!;
    }
    out.push(dims);
    return 1 + nStrides;
  };
}

const passThrough: Convert = (args, at, out) => { out.push(args[at]); return 1; };

function converter(kernel: string, a: KernelArg): Convert {
  switch (a.kind) {
    case 'binaryOp': return opCode(BINARY_CODE, kernel);
    case 'unaryOp': return opCode(UNARY_CODE, kernel);
    case 'conv': return fields(CONV_FIELDS);
    case 'pool': return fields(POOL_FIELDS);
    case 'strided': return packed(kernel, a.strides.length);
    default: return passThrough; // buffers go as they are: the addon rejects anything but the manifest's typed array with a TypeError
  }
}

// the addon throws TypeError for a wrong buffer type (kept as is: a programming error) and
// RangeError for dims or values that do not fit (turned into the project's error, code bad_argument)
function nativeKernel(addon: NativeAddon, name: KernelName, spec: readonly KernelArg[]): (...args: unknown[]) => void {
  const fn = addon[name] as (...args: unknown[]) => void;
  const converts = spec.map((a) => converter(name, a));
  const direct = converts.every((c) => c === passThrough);
  return (...args: unknown[]): void => {
    try {
      if (direct) {
        Reflect.apply(fn, addon, args);
        return;
      }
      const out: unknown[] = [];
      for (let i = 0, at = 0; i < converts.length; i++) at += converts[i]!(args, at, out);
      Reflect.apply(fn, addon, out);
    } catch (e) {
      if (e instanceof RangeError) throw new PairbenchError('bad_argument', e.message, { op: name, backend: 'native' });
      throw e;
    }
  };
}
