// the backend contract: one method per kernel of the manifest (manifest.ts), backward passes
// included; the kernels' arguments and meaning are written there. The reference backend accepts
// Float32Array or Float64Array (gradient checks run in float64); native takes Float32Array only.
import type { BinaryOp, KERNELS, KernelName, UnaryOp } from './manifest.js';

export type { BinaryOp, UnaryOp } from './manifest.js';

export type Buf = Float32Array | Float64Array;

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

// the TypeScript parameters one manifest argument becomes
type ParamOf<A> =
  A extends { kind: 'f32'; nullable: true } ? [Buf | null]
  : A extends { kind: 'f32' } ? [Buf]
  : A extends { kind: 'i32' } ? [Int32Array]
  : A extends { kind: 'int' | 'float' } ? [number]
  : A extends { kind: 'bool' } ? [boolean]
  : A extends { kind: 'binaryOp' } ? [BinaryOp]
  : A extends { kind: 'unaryOp' } ? [UnaryOp]
  : A extends { kind: 'conv' } ? [ConvDims]
  : A extends { kind: 'pool' } ? [PoolDims]
  : A extends { kind: 'strided'; strides: infer S extends readonly unknown[] } ? [readonly number[], ...{ [K in keyof S]: readonly number[] }]
  : never;
type ParamsOf<A extends readonly unknown[]> = A extends readonly [infer H, ...infer T] ? [...ParamOf<H>, ...ParamsOf<T>] : [];

export type KernelFn<K extends KernelName> = (...args: ParamsOf<(typeof KERNELS)[K]['args']>) => void;
export type Kernels = { readonly [K in KernelName]: KernelFn<K> };

export interface Backend extends Kernels {
  readonly name: 'reference' | 'native';
}

export function convOutSize(size: number, k: number, stride: number, pad: number): number {
  return Math.floor((size + 2 * pad - k) / stride) + 1;
}

