// Tensor: contiguous row-major data, a shape, and the autograd tape node that made it
import type { Backend, Buf } from '../backend/backend.js';
import { getBackend } from '../backend/select.js';
import { PairbenchError, shapeMismatch } from '../errors.js';

export type DType = 'float32' | 'float64';

// a gradient rule: given d(loss)/d(output), return d(loss)/d(input) per input (null where not needed).
// returned buffers are owned by the caller (the tape adds them into its accumulators).
export type GradRule = (dy: Buf, needs: readonly boolean[]) => (Buf | null)[];

export interface TapeNode {
  readonly op: string;
  readonly inputs: readonly Tensor[];
  readonly backward: GradRule;
}

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

function checkShape(shape: readonly number[], where: string): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new PairbenchError('shape_mismatch', `${where}: every dimension must be a non-negative integer, got [${shape.join(', ')}]`, { op: where, shape });
    }
  }
}

export class Tensor {
  data: Buf;
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
    this.data = data;
    this.shape = Object.freeze([...shape]);
    this.size = n;
    this.requiresGrad = requiresGrad;
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
    t.data.fill(value);
    return t;
  }

  static scalar(value: number, dtype: DType = 'float32'): Tensor {
    return Tensor.from([value], [], dtype);
  }

  get dtype(): DType {
    return this.data instanceof Float64Array ? 'float64' : 'float32';
  }

  get ndim(): number {
    return this.shape.length;
  }

  item(): number {
    if (this.size !== 1) throw shapeMismatch('item', 'needs a tensor of exactly one element', { x: this.shape });
    return this.data[0]!;
  }

  toArray(): number[] {
    return Array.from(this.data);
  }

  // a copy without history
  detach(): Tensor {
    return new Tensor(this.data.slice(), this.shape);
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
    runBackward(this, gradient === undefined ? allocLike(1, this.data).fill(1) : gradient.data.slice());
  }
}

export function backend(): Backend {
  return getBackend();
}

// a new tensor computed from inputs; records a tape node when grad is on and any input needs it
export function record(out: Tensor, op: string, inputs: readonly Tensor[], backward: GradRule): Tensor {
  if (!gradEnabled) return out;
  let any = false;
  for (const t of inputs) if (t.requiresGrad) any = true;
  if (!any) return out;
  out.requiresGrad = true;
  out.node = { op, inputs, backward };
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
      // a leaf: += into .grad (callers zero it between steps)
      if (t.grad === null) t.grad = new Tensor(g, t.shape);
      else addInto(be, t.grad.data, g);
      continue;
    }
    const needs = t.node.inputs.map((x) => x.requiresGrad);
    const ins = t.node.backward(g, needs);
    t.node.inputs.forEach((x, j) => {
      const gi = ins[j];
      if (!needs[j] || gi === null || gi === undefined) return;
      const prev = grads.get(x);
      if (prev === undefined) grads.set(x, gi);
      else addInto(be, prev, gi);
    });
  }
}

function addInto(be: Backend, acc: Buf, g: Buf): void {
  be.binary('add', acc, acc, g, [acc.length], [1], [1]);
}
