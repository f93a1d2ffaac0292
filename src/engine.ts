// 'pairbench/engine': the engine's internals, for writing a backend or a kernel, or sharing data
// with worker threads. The user API is 'pairbench' (src/index.ts); docs/architecture.md says how the layers fit.
export type { Backend, Buf, ConvDims, PoolDims, KernelFn, Kernels } from './backend/backend.js';
export { convOutSize } from './backend/backend.js';
export { KERNELS, KERNEL_NAMES, BINARY_OPS, UNARY_OPS, UNARY_OP_NAMES, type KernelName, type KernelSpec, type KernelArg, type BinaryOp, type UnaryOp } from './backend/manifest.js';
export { referenceBackend } from './backend/reference/index.js';
export { loadNative, loadNativeAddon, createNativeBackend, nativeAddonPath, type NativeAddon, type NativeLoad, type NativeAddonLoad } from './backend/native/index.js';
export { record, isGradEnabled, type GradRule, type TapeNode, type OpName } from './tensor/autograd.js';
export { allocOut, allocIndex, allocLike, releaseBuf, pooledBufferBytes } from './tensor/pool.js';
// the data layer's file format and worker sharing
export { readIdx, readIdxChunked, parseIdx, parseIdxHeader, IDX_LABELS_MAGIC, IDX_IMAGES_MAGIC, type IdxFile, type IdxHeader, type IdxKind, type IdxExpect } from './data/idx.js';
export { poolImages2x2, computeStats, toShared, fromShared, type SharedMnistDescriptor, type SharedSplitDescriptor } from './data/mnist.js';
