// Tensor: contiguous row-major data, a shape, and the autograd tape node that made it
import type { Backend, Buf } from '../backend/backend.js';
import { getBackend } from '../backend/select.js';
import { PairbenchError, shapeMismatch, shapeStr } from '../errors.js';
import { runBackward, type TapeNode } from './autograd.js';
import { allocLike, type DType } from './pool.js';

export type { DType } from './pool.js';

// a tensor's buffer as shared with its views (reshape): whether code outside the engine has read it
// through .data (then it is never recycled) and whether a backward pass recycled it
interface Storage { exposed: boolean; released: boolean }

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i]!;
  return n;
}

function checkShape(shape: readonly number[], where: string): void {
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i]!;
    if (!Number.isInteger(d) || d < 0) {
      throw new PairbenchError('shape_mismatch', `${where}: every dimension must be a non-negative integer, got [${shape.join(', ')}]`, { op: where, shapes: { shape } });
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
    this.shape = Object.freeze(shape.slice());
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
