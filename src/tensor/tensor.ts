// Tensor: contiguous row-major data, a shape, and the autograd tape node that made it
import type { Backend, Buf } from '../backend/backend.js';
import { getBackend } from '../backend/select.js';
import { PairbenchError, shapeMismatch, shapeStr } from '../errors.js';

export type DType = 'float32' | 'float64';

// a gradient rule: given d(loss)/d(output), return d(loss)/d(input) per input (null where not needed).
// returned buffers are owned by the caller (the tape adds them into its accumulators).
export type GradRule = (dy: Buf, needs: readonly boolean[]) => (Buf | null)[];

export interface TapeNode {
  readonly op: string;
  readonly inputs: readonly Tensor[];
  readonly backward: GradRule;
  // buffers only the gradient rule holds (argmax, masks): recycled once a backward pass consumed the node
  readonly saved?: readonly (Buf | Int32Array)[];
  // set once a backward pass has run through this node
  consumed?: boolean;
}

// a tensor's buffer as shared with its views (reshape): whether code outside the engine has read it
// through .data (then it is never recycled) and whether a backward pass recycled it
interface Storage { exposed: boolean; released: boolean }

let gradEnabled = true;

// runs fn without recording the tape (evaluation, optimizer updates)
export function noGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

export function isGradEnabled(): boolean {
  return gradEnabled;
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function allocLike(n: number, like: Buf | DType): Buf {
  const f64 = like === 'float64' || like instanceof Float64Array;
  return f64 ? new Float64Array(n) : new Float32Array(n);
}

// buffers the engine proved unreachable (consumed gradients, a consumed graph's intermediates), by
// length, for allocOut/allocIndex. float32 and int32 only; a buffer is pooled at most once (a double
// release would hand it to two owners)
type Pooled = Float32Array | Int32Array;
interface FreeList<T extends Pooled> { bufs: T[]; used: number }
const pools = { f32: new Map<number, FreeList<Float32Array>>(), i32: new Map<number, FreeList<Int32Array>>() };
const pooled = new WeakSet<Pooled>();
const POOL_PER_LENGTH = 16;
const POOL_MIN_LENGTH = 64;
// bounds for a long-lived worker that trains model after model: past POOL_MAX_BYTES the pool is
// dropped (to the GC); a length no allocation asked for during the last POOL_IDLE_PASSES backward
// passes is dropped too (held buffers of a finished model slowed the next one: measured, 1.5x)
const POOL_MAX_BYTES = 256 * 2 ** 20;
const POOL_IDLE_PASSES = 2;
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
  for (const [n, list] of map) {
    if (backwardPasses - list.used <= POOL_IDLE_PASSES) continue;
    for (const b of list.bufs) pooledBytes -= b.byteLength;
    map.delete(n);
  }
}

// bytes held by the pool (tests)
export function pooledBufferBytes(): number {
  return pooledBytes;
}

// a buffer of n elements whose contents are undefined: for kernel outputs that overwrite every element
export function allocOut(n: number, like: Buf | DType): Buf {
  if (like === 'float64' || like instanceof Float64Array) return new Float64Array(n);
  return take(pools.f32, n) ?? new Float32Array(n);
}

// an index buffer (argmax) of n elements, contents undefined
export function allocIndex(n: number): Int32Array {
  return take(pools.i32, n) ?? new Int32Array(n);
}

// hands buf back to allocOut/allocIndex; only for buffers nothing else can reach
export function releaseBuf(buf: Buf | Int32Array): void {
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
    list = { bufs: [], used: backwardPasses };
    map.set(buf.length, list);
  }
  if (list.bufs.length >= POOL_PER_LENGTH) return;
  list.bufs.push(buf);
  pooled.add(buf);
  pooledBytes += buf.byteLength;
}

// one backward pass is over: lengths that nothing asked for lately go
function endOfPass(): void {
  backwardPasses++;
  dropIdle(pools.f32);
  dropIdle(pools.i32);
}

function checkShape(shape: readonly number[], where: string): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new PairbenchError('shape_mismatch', `${where}: every dimension must be a non-negative integer, got [${shape.join(', ')}]`, { op: where, shape });
    }
  }
}

export class Tensor {
  private storageBuf: Buf;
  private storage: Storage = { exposed: false, released: false };
  readonly shape: readonly number[];
  readonly size: number;
  requiresGrad: boolean;
  grad: Tensor | null = null;
  node: TapeNode | null = null;
  // set by nn.Parameter-style registration; names come from the owning module
  isParameter = false;

  constructor(data: Buf, shape: readonly number[], requiresGrad = false) {
    checkShape(shape, 'Tensor');
    const n = sizeOf(shape);
    if (data.length !== n) {
      throw shapeMismatch('Tensor', `data has ${data.length} elements but the shape holds ${n}`, { shape });
    }
    this.storageBuf = data;
    this.shape = Object.freeze([...shape]);
    this.size = n;
    this.requiresGrad = requiresGrad;
  }

  // the values; reading them here pins the buffer (a backward pass never recycles it)
  get data(): Buf {
    const b = this.buf;
    this.storage.exposed = true;
    return b;
  }

  // the buffer as the engine's ops read it (no pinning). Intermediate results of a graph that
  // nothing outside the engine has read are recycled once a backward pass has consumed them
  get buf(): Buf {
    if (this.storage.released) {
      throw new PairbenchError('bad_argument', `this ${shapeStr(this.shape)} intermediate result was recycled after backward(): read it (.data) or .detach() it before calling backward()`, { shape: this.shape });
    }
    return this.storageBuf;
  }

  // a tensor of another shape over the same buffer (reshape)
  static viewOf(x: Tensor, shape: readonly number[]): Tensor {
    const v = new Tensor(x.buf, shape);
    v.storage = x.storage;
    return v;
  }

  // for releaseGraph only: hands the buffer over and poisons every view of it
  static takeBuffer(t: Tensor): Buf | null {
    const st = t.storage;
    if (st.exposed || st.released) return null;
    st.released = true;
    return t.storageBuf;
  }

  // identity of the buffer a tensor shares with its views
  static storageOf(t: Tensor): object {
    return t.storage;
  }

  static from(values: ArrayLike<number>, shape?: readonly number[], dtype: DType = 'float32'): Tensor {
    const buf = dtype === 'float64' ? Float64Array.from(values) : Float32Array.from(values);
    return new Tensor(buf, shape ?? [buf.length]);
  }

  static zeros(shape: readonly number[], dtype: DType = 'float32'): Tensor {
    checkShape(shape, 'zeros');
    return new Tensor(allocLike(sizeOf(shape), dtype), shape);
  }

  static full(shape: readonly number[], value: number, dtype: DType = 'float32'): Tensor {
    const t = Tensor.zeros(shape, dtype);
    t.buf.fill(value);
    return t;
  }

  static scalar(value: number, dtype: DType = 'float32'): Tensor {
    return Tensor.from([value], [], dtype);
  }

  get dtype(): DType {
    return this.buf instanceof Float64Array ? 'float64' : 'float32';
  }

  get ndim(): number {
    return this.shape.length;
  }

  item(): number {
    if (this.size !== 1) throw shapeMismatch('item', 'needs a tensor of exactly one element', { x: this.shape });
    return this.buf[0]!;
  }

  toArray(): number[] {
    return Array.from(this.buf);
  }

  // a copy without history
  detach(): Tensor {
    return new Tensor(this.buf.slice(), this.shape);
  }

  // d(this)/d(leaves): accumulates into .grad of every leaf that requires it (PyTorch semantics: += until zeroed)
  backward(gradient?: Tensor): void {
    if (!this.requiresGrad) {
      throw new PairbenchError('no_grad', 'backward: this tensor does not require grad (no parameter or input with requiresGrad reached it)', { shape: this.shape });
    }
    if (gradient === undefined && this.size !== 1) {
      throw shapeMismatch('backward', 'an implicit gradient needs a scalar output; pass a gradient tensor', { output: this.shape });
    }
    if (gradient !== undefined && gradient.size !== this.size) {
      throw shapeMismatch('backward', 'the gradient must have the output\'s shape', { output: this.shape, gradient: gradient.shape });
    }
    runBackward(this, gradient === undefined ? allocLike(1, this.buf).fill(1) : gradient.buf.slice());
  }
}

export function backend(): Backend {
  return getBackend();
}

// a new tensor computed from inputs; records a tape node when grad is on and any input needs it
// saved: buffers that only `backward` will read (recycled after the backward pass)
export function record(out: Tensor, op: string, inputs: readonly Tensor[], backward: GradRule, saved?: readonly (Buf | Int32Array)[]): Tensor {
  if (!gradEnabled) return out;
  let any = false;
  for (const t of inputs) if (t.requiresGrad) any = true;
  if (!any) return out;
  out.requiresGrad = true;
  out.node = saved === undefined ? { op, inputs, backward } : { op, inputs, backward, saved };
  return out;
}

function runBackward(root: Tensor, seed: Buf): void {
  // topological order by iterative dfs (deep nets would overflow a recursive one)
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  const stack: [Tensor, number][] = [[root, 0]];
  seen.add(root);
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const [t, i] = top;
    if (t.node?.consumed === true) {
      throw new PairbenchError('no_grad', `backward: a backward pass already ran through this graph (at ${t.node.op}) and recycled its buffers; run the forward pass again`, { op: t.node.op });
    }
    const inputs = t.node?.inputs ?? [];
    if (i < inputs.length) {
      top[1] = i + 1;
      const next = inputs[i]!;
      if (next.requiresGrad && !seen.has(next)) {
        seen.add(next);
        stack.push([next, 0]);
      }
    } else {
      order.push(t);
      stack.pop();
    }
  }
  const be = getBackend();
  const grads = new Map<Tensor, Buf>();
  grads.set(root, seed);
  for (let k = order.length - 1; k >= 0; k--) {
    const t = order[k]!;
    const g = grads.get(t);
    if (g === undefined) continue;
    grads.delete(t);
    if (t.node === null) {
      // a leaf: += into .grad (callers zero it between steps); the first gradient is adopted
      if (t.grad === null) t.grad = new Tensor(g, t.shape);
      else {
        addInto(be, t.grad.buf, g);
        releaseBuf(g);
      }
      continue;
    }
    const inputs = t.node.inputs;
    const needs = inputs.map((x) => x.requiresGrad);
    const ins = t.node.backward(g, needs);
    // g is consumed unless the rule handed it on (a view's gradient is dy itself)
    let handedOn = false;
    for (let j = 0; j < inputs.length; j++) {
      const gi = ins[j];
      if (!needs[j] || gi === null || gi === undefined) continue;
      if (gi === g) handedOn = true;
      const x = inputs[j]!;
      const prev = grads.get(x);
      if (prev === undefined) grads.set(x, gi);
      else {
        addInto(be, prev, gi);
        if (gi !== g) releaseBuf(gi);
      }
    }
    if (!handedOn) releaseBuf(g);
  }
  releaseGraph(root, order);
}

// ops that make up losses; walking from the root through them reaches the model's outputs
const LOSS_OPS = new Set(['nll', 'bce', 'bceWithLogits', 'logSoftmax', 'softmax', 'sigmoid', 'add', 'sub', 'mul', 'div',
  'neg', 'scale', 'square', 'exp', 'log', 'sum', 'mean', 'reshape', 'slice', 'concat']);
// below this many elements a fresh buffer is cheap: not worth recycling
const RECYCLE_MIN = 4096;

// after a backward pass: marks the graph consumed and recycles the buffers of its intermediate results
// (the closures that saved them are dead now) except the root, leaves, buffers read through .data,
// small ones, and the model's outputs — the tensors a training loop reads after backward (argmax for accuracy)
function releaseGraph(root: Tensor, order: readonly Tensor[]): void {
  // storages never recycled: the root's, the model outputs', and any a leaf shares (a reshaped parameter)
  const kept = new Set<object>([Tensor.storageOf(root)]);
  for (const t of order) if (t.node === null) kept.add(Tensor.storageOf(t));
  const stack: Tensor[] = [root];
  const seen = new Set<Tensor>(stack);
  while (stack.length > 0) {
    const t = stack.pop()!;
    if (t.node === null || !LOSS_OPS.has(t.node.op)) continue;
    for (const x of t.node.inputs) {
      if (seen.has(x)) continue;
      seen.add(x);
      kept.add(Tensor.storageOf(x));
      stack.push(x);
    }
  }
  for (const t of order) {
    if (t.node === null) continue;
    t.node.consumed = true;
    if (t.node.saved !== undefined) for (const b of t.node.saved) releaseBuf(b);
  }
  for (const t of order) {
    if (t.node === null || t.size < RECYCLE_MIN || kept.has(Tensor.storageOf(t))) continue;
    const b = Tensor.takeBuffer(t);
    if (b !== null) releaseBuf(b);
  }
  endOfPass();
}

function addInto(be: Backend, acc: Buf, g: Buf): void {
  be.binary('add', acc, acc, g, [acc.length], [1], [1]);
}
