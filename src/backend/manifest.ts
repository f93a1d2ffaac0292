// the kernel manifest: every kernel's name and arguments, the one place they are written.
// From it derive the Backend type (backend.ts), the native adapter (native/index.ts), the
// addon's raw type (native/addon.ts) and, through `npm run gen:kernels`, the C++ op enums and
// argument readers (native/kernels.gen.h, native/addon.gen.h). Conventions: outputs first, then
// inputs, then sizes; an output buffer is fully overwritten unless the kernel says otherwise;
// buffers are contiguous row-major (NCHW for images).
//
// A buffer's `len` is the C++ expression (over the kernel's scalars, dims and earlier buffers'
// `<name>Len`) of how many elements the native side requires; no `len` = any length. `when` is a
// C++ condition under which the native side reads the buffer at all (else it passes nullptr).

// binary op codes are the positions in this list (C++: enum class BinOp)
export const BINARY_OPS = ['add', 'sub', 'mul', 'div'] as const;

// unary op codes are the positions in this table (C++: enum class UnOp); `gradReads` says which
// of the op's input x and output y its gradient rule reads. relu's gradient at 0 is 0 (PyTorch);
// leakyRelu's negative slope and scale's factor are the kernel's `alpha`.
export const UNARY_OPS = {
  relu: { gradReads: 'x' },
  leakyRelu: { gradReads: 'x' },
  sigmoid: { gradReads: 'y' },
  tanh: { gradReads: 'y' },
  exp: { gradReads: 'y' },
  log: { gradReads: 'x' },
  neg: { gradReads: 'none' },
  square: { gradReads: 'x' },
  sqrt: { gradReads: 'y' },
  scale: { gradReads: 'none' },
} as const satisfies Record<string, { gradReads: 'x' | 'y' | 'none' }>;

export type BinaryOp = (typeof BINARY_OPS)[number];
export type UnaryOp = keyof typeof UNARY_OPS;
export const UNARY_OP_NAMES = Object.keys(UNARY_OPS) as UnaryOp[];

export type BufArg = {
  readonly kind: 'f32' | 'i32';
  readonly name: string;
  readonly io: 'in' | 'out' | 'inout';
  readonly len?: string;
  readonly nullable?: boolean;
  readonly when?: string;
};
export type ScalarArg = { readonly kind: 'int' | 'float' | 'bool' | 'binaryOp' | 'unaryOp'; readonly name: string };
// conv / pool geometry: one ConvDims / PoolDims object in TS, flattened to numbers for the addon
export type DimsArg = { readonly kind: 'conv' | 'pool'; readonly name: string };
// a shape and one or two stride lists in TS, packed as one Int32Array [rank, shape..., strides...] for the addon
export type StridedArg = { readonly kind: 'strided'; readonly name: string; readonly shape: string; readonly strides: readonly string[] };
export type KernelArg = BufArg | ScalarArg | DimsArg | StridedArg;
export type KernelSpec = { readonly doc: string; readonly args: readonly KernelArg[] };

const f32 = <N extends string, E extends Omit<BufArg, 'kind' | 'name' | 'io'>>(name: N, io: BufArg['io'], extra?: E) =>
  ({ kind: 'f32', name, io, ...extra }) as { kind: 'f32'; name: N; io: BufArg['io'] } & E;
const i32 = <N extends string, E extends Omit<BufArg, 'kind' | 'name' | 'io'>>(name: N, io: BufArg['io'], extra?: E) =>
  ({ kind: 'i32', name, io, ...extra }) as { kind: 'i32'; name: N; io: BufArg['io'] } & E;
const int = <N extends string>(name: N) => ({ kind: 'int', name }) as const;
const float = <N extends string>(name: N) => ({ kind: 'float', name }) as const;
const bool = <N extends string>(name: N) => ({ kind: 'bool', name }) as const;
const opt = { nullable: true } as const;

const CONV_X = 'd.n * d.c * d.h * d.w', CONV_Y = 'd.n * d.o * d.oh * d.ow', CONV_W = 'd.o * d.c * d.kh * d.kw';
const POOL_X = 'd.n * d.c * d.h * d.w', POOL_Y = 'd.n * d.c * d.oh * d.ow', POOL_P = 'p.n * p.c * p.oh * p.ow';
const BN = 'n * c * hw';
const COPY_OUT = 'rows == 0 || cols == 0 ? 0 : outOffset + (rows - 1) * outStride + cols';
const COPY_X = 'rows == 0 || cols == 0 ? 0 : xOffset + (rows - 1) * xStride + cols';

export const KERNELS = {
  fill: { doc: 'out[i] = value', args: [f32('out', 'out'), float('value')] },
  binary: {
    doc: 'out: outShape = a op b; a, b read through strides in elements (0 on a broadcast dim)',
    args: [{ kind: 'binaryOp', name: 'op' }, f32('out', 'out', { len: 's.total' }), f32('a', 'in', { len: 'extent(s, s.s1)' }), f32('b', 'in', { len: 'extent(s, s.s2)' }),
      { kind: 'strided', name: 's', shape: 'outShape', strides: ['aStrides', 'bStrides'] }],
  },
  unary: {
    doc: 'out: (n) = op(x: (n)); alpha = leakyRelu slope or the scale factor, ignored otherwise',
    args: [{ kind: 'unaryOp', name: 'op' }, f32('out', 'out'), f32('x', 'in', { len: 'outLen' }), float('alpha')],
  },
  unaryBackward: {
    doc: 'dx: (n) = dy * op\'(x); x is the op\'s input, y its output (each rule reads only the one UNARY_OPS names)',
    args: [{ kind: 'unaryOp', name: 'op' }, f32('dx', 'out'), f32('x', 'in', { len: 'dxLen', when: 'unaryGradReadsX(op)' }),
      f32('y', 'in', { len: 'dxLen', when: 'unaryGradReadsY(op)' }), f32('dy', 'in', { len: 'dxLen' }), float('alpha')],
  },
  reduceToShape: {
    doc: 'out[j] = sum of x over every element mapped to j by xStridesInOut (stride in out, 0 on a reduced dim), in x\'s row-major order',
    args: [f32('out', 'out', { len: 'std::max<size_t>(extent(s, s.s1), s.rank == 0 ? 1 : 0)' }), f32('x', 'in', { len: 's.total' }),
      { kind: 'strided', name: 's', shape: 'xShape', strides: ['xStridesInOut'] }],
  },
  sumAxis: {
    doc: 'out: (outer, inner) = sum over d of x: (outer, dim, inner), d ascending',
    args: [f32('out', 'out', { len: 'outer * inner' }), f32('x', 'in', { len: 'outer * dim * inner' }), int('outer'), int('dim'), int('inner')],
  },
  gemm: {
    doc: 'out: (m, n) = op(a) @ op(b) + beta * out; a: (m, k) or (k, m) when transA; b: (k, n) or (n, k) when transB',
    args: [f32('out', 'inout', { len: 'm * n' }), f32('a', 'in', { len: 'm * k' }), f32('b', 'in', { len: 'k * n' }), int('m'), int('n'), int('k'),
      bool('transA'), bool('transB'), float('beta')],
  },
  linear: {
    doc: 'out: (n, outF) = x @ w^T + bias; x: (n, inF), w: (outF, inF), bias: (outF) or null; relu: then out = relu(out), as the relu kernel',
    args: [f32('out', 'out', { len: 'n * outF' }), f32('x', 'in', { len: 'n * inF' }), f32('w', 'in', { len: 'outF * inF' }), f32('bias', 'in', { len: 'outF', ...opt }),
      int('n'), int('inF'), int('outF'), bool('relu')],
  },
  linearBackward: {
    doc: 'dx: (n, inF) = dy @ w; dw: (outF, inF) = dy^T @ x; db: (outF) = column sums of dy; null = not needed. y: the output of a linear with relu (or null): dy is first zeroed where y <= 0, as relu\'s gradient',
    args: [f32('dx', 'out', { len: 'n * inF', ...opt }), f32('dw', 'out', { len: 'outF * inF', ...opt }), f32('db', 'out', { len: 'outF', ...opt }),
      f32('dy', 'in', { len: 'n * outF' }), f32('x', 'in', { len: 'n * inF', when: 'dw != nullptr' }), f32('w', 'in', { len: 'outF * inF', when: 'dx != nullptr' }),
      f32('y', 'in', { len: 'n * outF', ...opt }), int('n'), int('inF'), int('outF')],
  },
  conv2d: {
    doc: 'out: (N,O,OH,OW), x: (N,C,H,W), w: (O,C,KH,KW), bias: (O) or null',
    args: [f32('out', 'out', { len: CONV_Y }), f32('x', 'in', { len: CONV_X }), f32('w', 'in', { len: CONV_W }), f32('bias', 'in', { len: 'd.o', ...opt }),
      { kind: 'conv', name: 'd' }],
  },
  conv2dRelu: {
    doc: 'out: (N,O,OH,OW) = relu(conv2d(x, w, bias)), as the relu kernel; the ReLU applied as the convolution stores where it can',
    args: [f32('out', 'out', { len: CONV_Y }), f32('x', 'in', { len: CONV_X }), f32('w', 'in', { len: CONV_W }), f32('bias', 'in', { len: 'd.o', ...opt }),
      { kind: 'conv', name: 'd' }],
  },
  conv2dBackwardInput: {
    doc: 'dx: (N,C,H,W) from dy: (N,O,OH,OW), w: (O,C,KH,KW)',
    args: [f32('dx', 'out', { len: CONV_X }), f32('dy', 'in', { len: CONV_Y }), f32('w', 'in', { len: CONV_W }), { kind: 'conv', name: 'd' }],
  },
  conv2dBackwardWeight: {
    doc: 'dw: (O,C,KH,KW), db: (O) or null, from dy: (N,O,OH,OW), x: (N,C,H,W)',
    args: [f32('dw', 'out', { len: CONV_W }), f32('db', 'out', { len: 'd.o', ...opt }), f32('dy', 'in', { len: CONV_Y }), f32('x', 'in', { len: CONV_X }),
      { kind: 'conv', name: 'd' }],
  },
  conv2dReluMaxPool: {
    doc: 'out: (N,O,PH,PW) = maxPool2d(relu(conv2d(x, w, bias))), the (N,O,OH,OW) activation never written out; argmax as maxPool2d\'s (flat index into that activation); p: the pool over it (p.n = d.n, p.c = d.o, p.h = d.oh, p.w = d.ow)',
    args: [f32('out', 'out', { len: POOL_P }), i32('argmax', 'out', { len: POOL_P }), f32('x', 'in', { len: CONV_X }), f32('w', 'in', { len: CONV_W }),
      f32('bias', 'in', { len: 'd.o', ...opt }), { kind: 'conv', name: 'd' }, { kind: 'pool', name: 'p' }],
  },
  maxPool2d: {
    doc: 'out: (N,C,OH,OW); argmax: (N,C,OH,OW) flat index into x of each window\'s first maximum (row-major)',
    args: [f32('out', 'out', { len: POOL_Y }), i32('argmax', 'out', { len: POOL_Y }), f32('x', 'in', { len: POOL_X }), { kind: 'pool', name: 'd' }],
  },
  maxPool2dBackward: {
    doc: 'dx: (N,C,H,W) zeroed, then dy scattered to argmax (overlapping windows add)',
    args: [f32('dx', 'out', { len: POOL_X }), f32('dy', 'in', { len: POOL_Y }), i32('argmax', 'in', { len: POOL_Y }), { kind: 'pool', name: 'd' }],
  },
  avgPool2d: {
    doc: 'out: (N,C,OH,OW) = window means',
    args: [f32('out', 'out', { len: POOL_Y }), f32('x', 'in', { len: POOL_X }), { kind: 'pool', name: 'd' }],
  },
  avgPool2dBackward: {
    doc: 'dx: (N,C,H,W) = each dy spread evenly over its window',
    args: [f32('dx', 'out', { len: POOL_X }), f32('dy', 'in', { len: POOL_Y }), { kind: 'pool', name: 'd' }],
  },
  batchNormTrain: {
    doc: 'x, out: (N,C,HW); mean, invStd: (C) outputs, biased batch variance: invStd = 1/sqrt(var + eps); relu: then out = relu(out), as the relu kernel',
    args: [f32('out', 'out', { len: BN }), f32('mean', 'out', { len: 'c' }), f32('invStd', 'out', { len: 'c' }), f32('x', 'in', { len: BN }),
      f32('gamma', 'in', { len: 'c' }), f32('beta', 'in', { len: 'c' }), int('n'), int('c'), int('hw'), float('eps'), bool('relu')],
  },
  batchNormEval: {
    doc: 'out = gamma * (x - runMean) / sqrt(runVar + eps) + beta; relu: then out = relu(out)',
    args: [f32('out', 'out', { len: BN }), f32('x', 'in', { len: BN }), f32('gamma', 'in', { len: 'c' }), f32('beta', 'in', { len: 'c' }),
      f32('runMean', 'in', { len: 'c' }), f32('runVar', 'in', { len: 'c' }), int('n'), int('c'), int('hw'), float('eps'), bool('relu')],
  },
  batchNormBackward: {
    doc: 'train-mode backward; dx: (N,C,HW), dgamma, dbeta: (C); y: the output of a batch norm with relu (or null): dy is first zeroed where y <= 0, as relu\'s gradient',
    args: [f32('dx', 'out', { len: BN }), f32('dgamma', 'out', { len: 'c' }), f32('dbeta', 'out', { len: 'c' }), f32('dy', 'in', { len: BN }),
      f32('x', 'in', { len: BN }), f32('mean', 'in', { len: 'c' }), f32('invStd', 'in', { len: 'c' }), f32('gamma', 'in', { len: 'c' }),
      f32('y', 'in', { len: BN, ...opt }), int('n'), int('c'), int('hw')],
  },
  softmax: {
    doc: 'x, out: (rows, cols), along cols',
    args: [f32('out', 'out', { len: 'rows * cols' }), f32('x', 'in', { len: 'rows * cols' }), int('rows'), int('cols')],
  },
  logSoftmax: {
    doc: 'x, out: (rows, cols), along cols',
    args: [f32('out', 'out', { len: 'rows * cols' }), f32('x', 'in', { len: 'rows * cols' }), int('rows'), int('cols')],
  },
  softmaxBackward: {
    doc: 'dx from y = the forward output and dy',
    args: [f32('dx', 'out', { len: 'rows * cols' }), f32('y', 'in', { len: 'rows * cols' }), f32('dy', 'in', { len: 'rows * cols' }), int('rows'), int('cols')],
  },
  logSoftmaxBackward: {
    doc: 'dx from y = the forward output and dy',
    args: [f32('dx', 'out', { len: 'rows * cols' }), f32('y', 'in', { len: 'rows * cols' }), f32('dy', 'in', { len: 'rows * cols' }), int('rows'), int('cols')],
  },
  nllLoss: {
    doc: 'out: (1) = -mean_r logp[r, target[r]]; logp: (rows, cols)',
    args: [f32('out', 'out', { len: '1' }), f32('logp', 'in', { len: 'rows * cols' }), i32('target', 'in', { len: 'rows' }), int('rows'), int('cols')],
  },
  nllLossBackward: {
    doc: 'dlogp: (rows, cols) = -dout / rows at each target, 0 elsewhere',
    args: [f32('dlogp', 'out', { len: 'rows * cols' }), float('dout'), i32('target', 'in', { len: 'rows' }), int('rows'), int('cols')],
  },
  bceWithLogitsLoss: {
    doc: 'out: (1) = mean of max(x,0) - x*t + log(1 + exp(-|x|))',
    args: [f32('out', 'out', { len: '1' }), f32('x', 'in', { len: 'n' }), f32('t', 'in', { len: 'n' }), int('n')],
  },
  bceWithLogitsLossBackward: {
    doc: 'dx: (n) = dout * (sigmoid(x) - t) / n',
    args: [f32('dx', 'out', { len: 'n' }), float('dout'), f32('x', 'in', { len: 'n' }), f32('t', 'in', { len: 'n' }), int('n')],
  },
  bceLoss: {
    doc: 'out: (1) = mean of -(t*log(p) + (1-t)*log(1-p)), each log clamped at -100 (PyTorch)',
    args: [f32('out', 'out', { len: '1' }), f32('p', 'in', { len: 'n' }), f32('t', 'in', { len: 'n' }), int('n')],
  },
  bceLossBackward: {
    doc: 'dp: (n), the gradient of bceLoss scaled by dout',
    args: [f32('dp', 'out', { len: 'n' }), float('dout'), f32('p', 'in', { len: 'n' }), f32('t', 'in', { len: 'n' }), int('n')],
  },
  copyBlock: {
    doc: 'out[outOffset + r*outStride + j] = x[xOffset + r*xStride + j] for r < rows, j < cols (concat, slice); the rest of out is left as it is',
    args: [f32('out', 'inout', { len: COPY_OUT }), int('outOffset'), int('outStride'), f32('x', 'in', { len: COPY_X }), int('xOffset'), int('xStride'),
      int('rows'), int('cols')],
  },
  gatherRows: {
    doc: 'out (n x rowLen) = rows index[0..n) of x (rows of rowLen), in that order: index_select on the first dim (mini-batches, pair images); every index must be a row of x',
    args: [f32('out', 'out', { len: 'indexLen * rowLen' }), f32('x', 'in'), i32('index', 'in'), int('rowLen')],
  },
  dropout: {
    doc: 'inverted dropout: mask (n) = 0 where the next draw of the xoshiro128** state (4, advanced past the n draws; the Rng\'s stream) is below p * 2^32, else 1/(1-p); out = x * mask',
    args: [f32('out', 'out'), f32('mask', 'out', { len: 'outLen' }), f32('x', 'in', { len: 'outLen' }), i32('state', 'inout', { len: '4' }), float('p')],
  },
  adamStep: {
    doc: 'in-place PyTorch Adam on param (n), m, v; step counts from 1; weightDecay is L2 added to grad; decoupledDecay is AdamW\'s: param *= float32(1 - lr * decoupledDecay) first',
    args: [f32('param', 'inout'), f32('grad', 'in', { len: 'paramLen' }), f32('m', 'inout', { len: 'paramLen' }), f32('v', 'inout', { len: 'paramLen' }),
      float('lr'), float('beta1'), float('beta2'), float('eps'), float('weightDecay'), float('decoupledDecay'), float('step')],
  },
  sgdStep: {
    doc: 'in-place PyTorch SGD; when momentum > 0 and firstStep the buffer is set to the gradient (no dampening)',
    args: [f32('param', 'inout'), f32('grad', 'in', { len: 'paramLen' }), f32('buf', 'inout', { len: 'paramLen', when: 'momentum != 0.0', ...opt }),
      float('lr'), float('momentum'), float('weightDecay'), bool('firstStep')],
  },
} as const satisfies Record<string, KernelSpec>;

export type KernelName = keyof typeof KERNELS;
export const KERNEL_NAMES = Object.keys(KERNELS) as KernelName[];
