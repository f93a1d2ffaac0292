// ONNX export of a network in evaluation form: input `pairs` [N,2,14,14] raw pooled pixels (0-255),
// standardisation inside the graph; outputs `logits` (the network's pair output), `digits` [N,2,10]
// where it has digit heads, `pred` int64 [N] by the model's own rule. Walks the module structure
// of src/models/blocks.ts (PairNet, WholeNet, Stack) and the layers of src/nn.
import { PairbenchError } from '../../errors.js';
import { PairNet, Stack, WholeNet } from '../../models/blocks.js';
import { OrderPairNet } from '../../models/pairbench.js';
import type { PairNetwork } from '../../models/types.js';
import {
  AvgPool2d, BatchNorm1d, BatchNorm2d, Conv2d, Dropout, Flatten, Identity, LeakyReLU, Linear, MaxPool2d, ReLU, Sequential, Sigmoid, Tanh,
} from '../../nn/layers.js';
import { Module } from '../../nn/module.js';
import { noGrad } from '../../tensor/autograd.js';
import { Tensor } from '../../tensor/tensor.js';
import { pairbenchVersion } from '../../study/version.js';
import type { Checkpoint } from '../checkpoint.js';
import { AT_FLOAT, AT_INT, AT_INTS, DT_FLOAT, DT_INT64, onnxRoot } from './schema.js';

export const ONNX_OPSET = 17;
const IR_VERSION = 8;

type Attr = { name: string; type: number; i?: number; f?: number; ints?: number[] };
interface Value { name: string; rank: number }

const int = (name: string, i: number): Attr => ({ name, type: AT_INT, i });
const ints = (name: string, v: number[]): Attr => ({ name, type: AT_INTS, ints: v });
const float = (name: string, f: number): Attr => ({ name, type: AT_FLOAT, f });

function exportError(message: string, details: Record<string, unknown> = {}): PairbenchError {
  return new PairbenchError('bad_argument', `export --onnx: ${message}`, details);
}

class GraphBuilder {
  readonly nodes: { input: string[]; output: string[]; name: string; op_type: string; attribute: Attr[] }[] = [];
  readonly initializers: { name: string; dims: number[]; data_type: number; raw_data: Uint8Array }[] = [];
  private readonly tensorNames: Map<Tensor, string>;
  private readonly used = new Set<string>();
  private count = 0;

  constructor(net: PairNetwork) {
    this.tensorNames = new Map([...net.namedParameters(), ...net.namedBuffers()].map(([n, t]) => [t, n]));
  }

  node(op: string, inputs: string[], attrs: Attr[] = [], output?: string): string {
    const out = output ?? `${op.toLowerCase()}_${this.count}`;
    this.nodes.push({ input: inputs, output: [out], name: `${op}_${this.count++}`, op_type: op, attribute: attrs });
    return out;
  }

  // a parameter or buffer of the network, stored once however often the graph reads it
  weight(t: Tensor): string {
    const name = this.tensorNames.get(t);
    if (name === undefined) throw exportError(`a ${t.shape.join('x')} tensor of a layer is not among the network's parameters or buffers`);
    if (!this.used.has(name)) {
      this.used.add(name);
      this.initializers.push({ name, dims: [...t.shape], data_type: DT_FLOAT, raw_data: f32Bytes(t.data) });
    }
    return name;
  }

  constFloat(name: string, values: number[], dims: number[]): string {
    this.initializers.push({ name, dims, data_type: DT_FLOAT, raw_data: f32Bytes(Float32Array.from(values)) });
    return name;
  }

  constInt64(name: string, values: number[]): string {
    const b = new Uint8Array(8 * values.length);
    const dv = new DataView(b.buffer);
    values.forEach((v, i) => dv.setBigInt64(8 * i, BigInt(v), true));
    this.initializers.push({ name, dims: [values.length], data_type: DT_INT64, raw_data: b });
    return name;
  }
}

function f32Bytes(a: ArrayLike<number>): Uint8Array {
  const b = new Uint8Array(4 * a.length);
  const dv = new DataView(b.buffer);
  for (let i = 0; i < a.length; i++) dv.setFloat32(4 * i, a[i]!, true);
  return b;
}

function flat2d(g: GraphBuilder, v: Value): Value {
  return v.rank === 2 ? v : { name: g.node('Flatten', [v.name], [int('axis', 1)]), rank: 2 };
}

// one module applied to x, in evaluation form (dropout is the identity, batch norm uses running statistics)
function emit(g: GraphBuilder, m: Module, x: Value, path: string): Value {
  if (m instanceof Stack) {
    let y = x;
    for (const n of (m as unknown as { names: string[] }).names) y = emit(g, (m as unknown as Record<string, Module>)[n]!, y, `${path}.${n}`);
    return y;
  }
  if (m instanceof Sequential) return m.layers.reduce((y, l, i) => emit(g, l, y, `${path}.${i}`), x);
  if (m instanceof Linear) {
    if (x.rank !== 2) throw exportError(`${path}: Linear on a rank-${x.rank} input`, { path });
    const inputs = [x.name, g.weight(m.weight)];
    if (m.bias !== null) inputs.push(g.weight(m.bias));
    return { name: g.node('Gemm', inputs, [int('transB', 1)]), rank: 2 };
  }
  if (m instanceof Conv2d) {
    const inputs = [x.name, g.weight(m.weight)];
    if (m.bias !== null) inputs.push(g.weight(m.bias));
    const k = m.kernelSize;
    const p = m.padding;
    return { name: g.node('Conv', inputs, [ints('kernel_shape', [k, k]), ints('strides', [m.stride, m.stride]), ints('pads', [p, p, p, p])]), rank: 4 };
  }
  if (m instanceof MaxPool2d || m instanceof AvgPool2d) {
    const op = m instanceof MaxPool2d ? 'MaxPool' : 'AveragePool';
    return { name: g.node(op, [x.name], [ints('kernel_shape', [m.kernelSize, m.kernelSize]), ints('strides', [m.stride, m.stride])]), rank: 4 };
  }
  if (m instanceof BatchNorm1d || m instanceof BatchNorm2d) {
    const inputs = [x.name, g.weight(m.weight), g.weight(m.bias), g.weight(m.runningMean.value), g.weight(m.runningVar.value)];
    return { name: g.node('BatchNormalization', inputs, [float('epsilon', m.eps)]), rank: x.rank };
  }
  if (m instanceof Dropout || m instanceof Identity) return x;
  if (m instanceof ReLU) return { name: g.node('Relu', [x.name]), rank: x.rank };
  if (m instanceof LeakyReLU) return { name: g.node('LeakyRelu', [x.name], [float('alpha', m.slope)]), rank: x.rank };
  if (m instanceof Sigmoid) return { name: g.node('Sigmoid', [x.name]), rank: x.rank };
  if (m instanceof Tanh) return { name: g.node('Tanh', [x.name]), rank: x.rank };
  if (m instanceof Flatten) {
    if (m.startDim !== 1) throw exportError(`${path}: Flatten from dim ${m.startDim} has no ONNX form here (dim 1 only)`, { path });
    return { name: g.node('Flatten', [x.name], [int('axis', 1)]), rank: 2 };
  }
  throw exportError(`${path}: no ONNX form for a ${m.constructor.name} layer (custom layers are not exported)`, { path, layer: m.constructor.name });
}

interface PairNetFields {
  branch: Module; branch2: Module | null; head: Module | null; digitHead: Module | null; digitHead2: Module | null; featuresAreDigits: boolean;
}

// the model's outputs as graph values: main (pair logits) and the two digit logits
function emitNetwork(g: GraphBuilder, net: PairNetwork, x: Value): { main: Value | null; digits: [Value, Value] | null } {
  if (net instanceof WholeNet) return { main: flat2d(g, emit(g, net.net, x, 'net')), digits: null };
  if (net instanceof OrderPairNet) return emitOrderPairNet(g, net, x);
  if (!(net instanceof PairNet)) throw exportError(`the network ${net.constructor.name} has no ONNX form (PairNet, WholeNet and OrderPairNet of src/models only; an ensemble of networks is not exported)`);
  const p = net as unknown as PairNetFields;
  // channel 0 and channel 1 of x, each (N,1,14,14)
  const [c0, c1, c2] = [g.constInt64('channel_0', [0]), g.constInt64('channel_1', [1]), g.constInt64('channel_2', [2])];
  const axes = g.constInt64('channel_axis', [1]);
  const x1: Value = { name: g.node('Slice', [x.name, c0, c1, axes]), rank: 4 };
  const x2: Value = { name: g.node('Slice', [x.name, c1, c2, axes]), rank: 4 };
  const f1 = emit(g, p.branch, x1, 'branch');
  const f2 = emit(g, p.branch2 ?? p.branch, x2, p.branch2 !== null ? 'branch2' : 'branch');
  const hasDigits = p.featuresAreDigits || p.digitHead !== null;
  const digitsOf = (f: Value, head: Module | null, path: string): Value => flat2d(g, p.featuresAreDigits ? f : emit(g, head!, f, path));
  const digits: [Value, Value] | null = hasDigits
    ? [digitsOf(f1, p.digitHead, 'digitHead'), digitsOf(f2, p.digitHead2 ?? p.digitHead, p.digitHead2 !== null ? 'digitHead2' : 'digitHead')]
    : null;
  if (p.head === null) return { main: null, digits };
  const both: Value = { name: g.node('Concat', [f1.name, f2.name], [int('axis', 1)]), rank: f1.rank };
  return { main: flat2d(g, emit(g, p.head, both, 'head')), digits };
}

// pairbench's own networks (src/models/pairbench.ts): one trunk over the 2N images, a 10-way digit
// bottleneck, and either an MLP head or P(a <= b) = softmax(la) U softmax(lb)^T with U upper-triangular
function emitOrderPairNet(g: GraphBuilder, net: OrderPairNet, x: Value): { main: Value; digits: [Value, Value] } {
  const images: Value = { name: g.node('Reshape', [x.name, g.constInt64('order_images_shape', [-1, 1, 14, 14])]), rank: 4 };
  const f = flat2d(g, emit(g, net.trunk, images, 'trunk'));
  const logits = g.node('Reshape', [emit(g, net.digit, f, 'digit').name, g.constInt64('order_logits_shape', [-1, 20])]);
  const axis = g.constInt64('order_axis', [1]);
  const la: Value = { name: g.node('Slice', [logits, g.constInt64('order_0', [0]), g.constInt64('order_10', [10]), axis]), rank: 2 };
  const lb: Value = { name: g.node('Slice', [logits, g.constInt64('order_10b', [10]), g.constInt64('order_20', [20]), axis]), rank: 2 };
  if (net.head !== null) {
    const pairs: Value = { name: g.node('Reshape', [f.name, g.constInt64('order_pair_features', [-1, 256])]), rank: 2 };
    return { main: flat2d(g, emit(g, net.head, pairs, 'head')), digits: [la, lb] };
  }
  const upper: number[] = [];
  for (let i = 0; i < 10; i++) for (let j = 0; j < 10; j++) upper.push(j >= i ? 1 : 0);
  const pa = g.node('Softmax', [la.name], [int('axis', 1)]);
  const pb = g.node('Softmax', [lb.name], [int('axis', 1)]);
  const joint = g.node('Mul', [g.node('MatMul', [pa, g.constFloat('order_upper', upper, [10, 10])]), pb]);
  const p = g.node('ReduceSum', [joint, axis], [int('keepdims', 1)]);
  const margin = OrderPairNet.PROB_MARGIN;
  const pc = g.node('Add', [g.node('Mul', [p, g.constFloat('order_scale', [1 - 2 * margin], [])]), g.constFloat('order_margin', [margin], [])]);
  const notPc = g.node('Sub', [g.constFloat('order_one', [1], []), pc]);
  const main = g.node('Concat', [g.node('Log', [notPc]), g.node('Log', [pc])], [int('axis', 1)]);
  return { main: { name: main, rank: 2 }, digits: [la, lb] };
}

function valueInfo(name: string, elemType: number, dims: (number | string)[]) {
  return {
    name,
    type: { tensor_type: { elem_type: elemType, shape: { dim: dims.map((d) => (typeof d === 'string' ? { dim_param: d } : { dim_value: d })) } } },
  };
}

export interface OnnxExport {
  bytes: Uint8Array;
  outputs: string[]; // the graph's output names
  nodes: number;
}

// the ONNX model of a checkpoint's network
export function exportOnnx(ck: Checkpoint): OnnxExport {
  const net = ck.network;
  net.eval();
  // the output widths, from one evaluation of the network itself
  const probe = noGrad(() => net.forwardPair(new Tensor(new Float32Array(392), [1, 2, 14, 14])));
  const g = new GraphBuilder(net);
  const mean = g.constFloat('standardisation_mean', [ck.meta.standardisation.mean], []);
  const std = g.constFloat('standardisation_std', [ck.meta.standardisation.std], []);
  const centred = g.node('Sub', ['pairs', mean]);
  const x: Value = { name: g.node('Div', [centred, std]), rank: 4 };
  const { main, digits } = emitNetwork(g, net, x);
  const outputs = [];
  if (main !== null) {
    g.node('Identity', [main.name], [], 'logits');
    outputs.push(valueInfo('logits', DT_FLOAT, ['N', probe.main!.shape[1]!]));
  }
  if (digits !== null) {
    const both = g.node('Concat', [digits[0].name, digits[1].name], [int('axis', 1)]);
    g.node('Reshape', [both, g.constInt64('digits_shape', [-1, 2, 10])], [], 'digits');
    outputs.push(valueInfo('digits', DT_FLOAT, ['N', 2, 10]));
  }
  // pred: the rule of train/run.ts predictPairs
  if (ck.meta.recipe.compareInCode || main === null) {
    if (digits === null) throw exportError(`${ck.spec.id} has neither a pair output nor digit outputs`);
    const a1 = g.node('ArgMax', [digits[0].name], [int('axis', 1), int('keepdims', 0)]);
    const a2 = g.node('ArgMax', [digits[1].name], [int('axis', 1), int('keepdims', 0)]);
    g.node('Cast', [g.node('LessOrEqual', [a1, a2])], [int('to', DT_INT64)], 'pred');
  } else if (probe.main!.shape[1] === 1) {
    const positive = g.node('Greater', [main.name, g.constFloat('zero', [0], [])]);
    g.node('Reshape', [g.node('Cast', [positive], [int('to', DT_INT64)]), g.constInt64('pred_shape', [-1])], [], 'pred');
  } else {
    g.node('ArgMax', [main.name], [int('axis', 1), int('keepdims', 0)], 'pred');
  }
  outputs.push(valueInfo('pred', DT_INT64, ['N']));

  const model = {
    ir_version: IR_VERSION,
    producer_name: 'pairbench',
    producer_version: pairbenchVersion(),
    doc_string: `${ck.spec.id}: input pairs [N,2,14,14] = 2x2-mean-pooled MNIST-style pixels 0-255 (standardised inside the graph); pred = 1 when the first digit is <= the second`,
    opset_import: [{ domain: '', version: ONNX_OPSET }],
    metadata_props: [
      { key: 'model', value: ck.spec.id },
      { key: 'seed', value: String(ck.meta.seed) },
      { key: 'round', value: String(ck.meta.round) },
      { key: 'test_accuracy', value: String(ck.meta.testAccuracy) },
    ],
    graph: {
      name: ck.spec.id.replace(/[^\w]/g, '_'),
      node: g.nodes,
      initializer: g.initializers,
      input: [valueInfo('pairs', DT_FLOAT, ['N', 2, 14, 14])],
      output: outputs,
    },
  };
  const Model = onnxRoot().lookupType('onnx.ModelProto');
  const problem = Model.verify(model);
  if (problem !== null) throw new Error(`internal: ONNX model does not match the schema: ${problem}`);
  const bytes = Model.encode(Model.fromObject(model)).finish();
  return { bytes, outputs: outputs.map((o) => o.name), nodes: g.nodes.length };
}
