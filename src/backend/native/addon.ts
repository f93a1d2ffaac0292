// the raw shape of the C++ addon (native/addon.cc), derived from the kernel manifest: buffers are
// passed as they are (no copies), op names as their codes, conv/pool dims flattened to numbers,
// shape/stride lists packed in one Int32Array [rank, shape..., strides...].
import type { KERNELS, KernelName } from '../manifest.js';

type Nums<N extends number, Acc extends number[] = []> = Acc['length'] extends N ? Acc : Nums<N, [...Acc, number]>;
// the fields of ConvDims / PoolDims in the order the addon reads them
export const CONV_FIELDS = ['n', 'c', 'h', 'w', 'o', 'kh', 'kw', 'stride', 'pad', 'oh', 'ow'] as const;
export const POOL_FIELDS = ['n', 'c', 'h', 'w', 'k', 'stride', 'oh', 'ow'] as const;

type AddonParamOf<A> =
  A extends { kind: 'f32'; nullable: true } ? [Float32Array | null]
  : A extends { kind: 'f32' } ? [Float32Array]
  : A extends { kind: 'i32' } ? [Int32Array]
  : A extends { kind: 'int' | 'float' | 'binaryOp' | 'unaryOp' } ? [number]
  : A extends { kind: 'bool' } ? [boolean]
  : A extends { kind: 'conv' } ? Nums<(typeof CONV_FIELDS)['length']>
  : A extends { kind: 'pool' } ? Nums<(typeof POOL_FIELDS)['length']>
  : A extends { kind: 'strided' } ? [Int32Array]
  : never;
type AddonParamsOf<A extends readonly unknown[]> = A extends readonly [infer H, ...infer T] ? [...AddonParamOf<H>, ...AddonParamsOf<T>] : [];

export type AddonKernels = { readonly [K in KernelName]: (...args: AddonParamsOf<(typeof KERNELS)[K]['args']>) => void };

export type SimdPath = 'avx512' | 'avx2+fma' | 'scalar';

export interface NativeAddon extends AddonKernels {
  readonly abiVersion: number;
  simd(): SimdPath;
  // switches this thread's addon instance between its kernels (tests, bench): true = the fastest the
  // CPU has (AVX-512 where present), 'avx2' = at most AVX2+FMA, false = the portable ones
  setSimd(enabled: boolean | 'avx2'): SimdPath;
  cpuHasAvx2(): boolean;
  cpuHasAvx512(): boolean;
  // one core's fp32 FMA throughput in GFLOP/s over `iters` iterations of 12 independent FMAs
  fmaPeak(iters: number): number;
}

export const NATIVE_ABI_VERSION = 1;
