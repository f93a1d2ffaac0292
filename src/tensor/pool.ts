// the buffer pool: float32 / int32 buffers the engine proved unreachable, handed back out by length
import type { Buf } from '../backend/backend.js';

export type DType = 'float32' | 'float64';

// a zeroed buffer of n elements in like's precision (never from the pool: callers rely on the zeros)
export function allocLike(n: number, like: Buf | DType): Buf {
  const f64 = like === 'float64' || like instanceof Float64Array;
  return f64 ? new Float64Array(n) : new Float32Array(n);
}

// buffers the engine proved unreachable (consumed gradients, a consumed graph's intermediates), by
// length, for allocOut/allocIndex. float32 and int32 only; a buffer is pooled at most once (a double
// release would hand it to two owners)
type Pooled = Float32Array | Int32Array;
// idle: how many backward passes without a request the length survives
interface FreeList<T extends Pooled> { bufs: T[]; used: number; idle: number }
const pools = { f32: new Map<number, FreeList<Float32Array>>(), i32: new Map<number, FreeList<Int32Array>>() };
const pooled = new WeakSet<Pooled>();
const POOL_PER_LENGTH = 16;
const POOL_MIN_LENGTH = 64;
// bounds for a long-lived worker that trains model after model: past POOL_MAX_BYTES the pool is
// dropped (to the GC); a length no allocation asked for during the last POOL_IDLE_PASSES backward
// passes is dropped too (held buffers of a finished model slowed the next one: measured, 1.5x)
const POOL_MAX_BYTES = 256 * 2 ** 20;
const POOL_IDLE_PASSES = 2;
// lengths an evaluation scope handed back (its activations): kept while training steps run between
// evaluations, up to this many passes (one evaluation per epoch; they were reallocated every epoch)
const SCOPE_IDLE_PASSES = 64;
let pooledBytes = 0;
let backwardPasses = 0;

function take<T extends Pooled>(map: Map<number, FreeList<T>>, n: number): T | undefined {
  const list = map.get(n);
  if (list === undefined) return undefined;
  list.used = backwardPasses;
  const b = list.bufs.pop();
  if (b !== undefined) {
    pooled.delete(b);
    pooledBytes -= b.byteLength;
  }
  return b;
}

function dropIdle<T extends Pooled>(map: Map<number, FreeList<T>>): void {
  // forEach: no entry arrays per pass (this runs after every backward)
  map.forEach((list, n) => {
    if (backwardPasses - list.used <= list.idle) return;
    for (const b of list.bufs) pooledBytes -= b.byteLength;
    map.delete(n);
  });
}

// bytes held by the pool (tests)
export function pooledBufferBytes(): number {
  return pooledBytes;
}

// the buffers handed out inside withBufferScope, or null outside one
let scoped: Pooled[] | null = null;

// a buffer of n elements whose contents are undefined: for kernel outputs that overwrite every element
export function allocOut(n: number, like: Buf | DType): Buf {
  if (like === 'float64' || like instanceof Float64Array) return new Float64Array(n);
  const b = take(pools.f32, n) ?? new Float32Array(n);
  if (scoped !== null) scoped.push(b);
  return b;
}

// an index buffer (argmax) of n elements, contents undefined
export function allocIndex(n: number): Int32Array {
  const b = take(pools.i32, n) ?? new Int32Array(n);
  if (scoped !== null) scoped.push(b);
  return b;
}

// runs fn, then hands every buffer allocOut/allocIndex gave out inside it back to the pool: only for
// work whose tensors all die with fn (an evaluation forward without the tape, its result copied out)
export function withBufferScope<T>(fn: () => T): T {
  const outer = scoped;
  const mine: Pooled[] = [];
  scoped = mine;
  try {
    return fn();
  } finally {
    scoped = outer;
    for (const b of mine) releaseBuf(b, SCOPE_IDLE_PASSES);
  }
}

// hands buf back to allocOut/allocIndex; only for buffers nothing else can reach
export function releaseBuf(buf: Buf | Int32Array, idlePasses = POOL_IDLE_PASSES): void {
  if (buf instanceof Float64Array || buf.length < POOL_MIN_LENGTH || pooled.has(buf)) return;
  // a view into a larger buffer (e.g. a subarray) is not ours to recycle
  if (buf.byteOffset !== 0 || buf.buffer.byteLength !== buf.byteLength) return;
  if (pooledBytes + buf.byteLength > POOL_MAX_BYTES) {
    // the WeakSet forgets dropped buffers by itself
    pools.f32.clear();
    pools.i32.clear();
    pooledBytes = 0;
  }
  const map = (buf instanceof Float32Array ? pools.f32 : pools.i32) as Map<number, FreeList<Pooled>>;
  let list = map.get(buf.length);
  if (list === undefined) {
    list = { bufs: [], used: backwardPasses, idle: idlePasses };
    map.set(buf.length, list);
  } else if (idlePasses > list.idle) list.idle = idlePasses;
  if (list.bufs.length >= POOL_PER_LENGTH) return;
  list.bufs.push(buf);
  pooled.add(buf);
  pooledBytes += buf.byteLength;
}

// one backward pass is over: lengths that nothing asked for lately go
export function endOfPass(): void {
  backwardPasses++;
  dropIdle(pools.f32);
  dropIdle(pools.i32);
}
