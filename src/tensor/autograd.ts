// the autograd engine: the tape nodes ops record, the backward pass over them, and the recycling
// of a consumed graph's buffers (the pool in pool.ts)
import type { Backend, Buf } from '../backend/backend.js';
import { getBackend } from '../backend/select.js';
import { PairbenchError } from '../errors.js';
import type { ElementwiseOp } from './ops/elementwise.js';
import type { LayerOp } from './ops/layers.js';
import type { LossOp } from './ops/losses.js';
import type { ShapeOp } from './ops/shape.js';
import { endOfPass, releaseBuf } from './pool.js';
import { Tensor } from './tensor.js';

// every op that records a tape node, by family
export type OpName = ElementwiseOp | ShapeOp | LayerOp | LossOp;

// a gradient rule: given d(loss)/d(output), return d(loss)/d(input) per input (null where not needed).
// returned buffers are owned by the caller (the tape adds them into its accumulators).
export type GradRule = (dy: Buf, needs: readonly boolean[]) => (Buf | null)[];

export interface TapeNode {
  readonly op: OpName;
  readonly inputs: readonly Tensor[];
  readonly backward: GradRule;
  // buffers only the gradient rule holds (argmax, masks): recycled once a backward pass consumed the node
  readonly saved?: readonly (Buf | Int32Array)[];
  // set once a backward pass has run through this node
  consumed?: boolean;
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

// a new tensor computed from inputs; records a tape node when grad is on and any input needs it
// saved: buffers that only `backward` will read (recycled after the backward pass)
export function record(out: Tensor, op: OpName, inputs: readonly Tensor[], backward: GradRule, saved?: readonly (Buf | Int32Array)[]): Tensor {
  if (!gradEnabled) return out;
  let any = false;
  for (let i = 0; i < inputs.length; i++) if (inputs[i]!.requiresGrad) any = true;
  if (!any) return out;
  out.requiresGrad = true;
  out.node = saved === undefined ? { op, inputs, backward } : { op, inputs, backward, saved };
  return out;
}

// the .grad tensors backward made (their buffers are the engine's: recyclable once the gradient is dropped)
const adoptedGrads = new WeakSet<Tensor>();

// hands a dropped gradient's buffer back to the pool: only one backward made and nobody read through .data
export function recycleGrad(grad: Tensor): void {
  if (!adoptedGrads.has(grad)) return;
  adoptedGrads.delete(grad);
  const b = Tensor.takeBuffer(grad);
  if (b !== null) releaseBuf(b);
}

export function runBackward(root: Tensor, seed: Buf): void {
  // topological order by iterative dfs (deep nets would overflow a recursive one)
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  const stack: [Tensor, number][] = [[root, 0]];
  seen.add(root);
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const [t, i] = top;
    if (t.node?.consumed === true) {
      throw new PairbenchError('graph_consumed', `backward: a backward pass already ran through this graph (at ${t.node.op}) and recycled its buffers; run the forward pass again`, { op: t.node.op });
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
      if (t.grad === null) {
        t.grad = new Tensor(g, t.shape);
        adoptedGrads.add(t.grad);
      }
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
const LOSS_PARTS: ReadonlySet<OpName> = new Set<OpName>(['nll', 'bce', 'bceWithLogits', 'logSoftmax', 'softmax', 'sigmoid', 'add', 'sub', 'mul', 'div',
  'neg', 'scale', 'square', 'exp', 'log', 'sum', 'mean', 'reshape', 'slice', 'concat']);
// below this many elements a fresh buffer is cheap: not worth recycling
const RECYCLE_MIN = 4096;

// after a backward pass: marks the graph consumed and recycles the buffers of its intermediate results
// (the closures that saved them are dead now) except the root, leaves, buffers read through .data,
// small ones, and the model's outputs — the tensors a training loop reads after backward (argmax for accuracy)
function releaseGraph(root: Tensor, order: readonly Tensor[]): void {
  // storages never recycled: the root's, the model outputs', and any a leaf shares (a reshaped parameter)
  const kept = new Set<object>([Tensor.storageOf(root)]);
  for (let i = 0; i < order.length; i++) if (order[i]!.node === null) kept.add(Tensor.storageOf(order[i]!));
  const stack: Tensor[] = [root];
  const seen = new Set<Tensor>(stack);
  while (stack.length > 0) {
    const t = stack.pop()!;
    if (t.node === null || !LOSS_PARTS.has(t.node.op)) continue;
    for (let i = 0; i < t.node.inputs.length; i++) {
      const x = t.node.inputs[i]!;
      if (seen.has(x)) continue;
      seen.add(x);
      kept.add(Tensor.storageOf(x));
      stack.push(x);
    }
  }
  for (let i = 0; i < order.length; i++) {
    const node = order[i]!.node;
    if (node === null) continue;
    node.consumed = true;
    if (node.saved !== undefined) for (let j = 0; j < node.saved.length; j++) releaseBuf(node.saved[j]!);
  }
  for (let i = 0; i < order.length; i++) {
    const t = order[i]!;
    if (t.node === null || t.size < RECYCLE_MIN || kept.has(Tensor.storageOf(t))) continue;
    const b = Tensor.takeBuffer(t);
    if (b !== null) releaseBuf(b);
  }
  endOfPass();
}

function addInto(be: Backend, acc: Buf, g: Buf): void {
  be.binary('add', acc, acc, g, [acc.length], [1], [1]);
}
