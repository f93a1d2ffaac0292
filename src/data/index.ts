// the data layer: MNIST idx files, pooled splits (cached, shareable with workers), pair sets,
// standardisation, splits, single-digit views, batches
export * from './types.js';
export {
  readIdx,
  readIdxChunked,
  parseIdx,
  parseIdxHeader,
  IDX_LABELS_MAGIC,
  IDX_IMAGES_MAGIC,
  type IdxFile,
  type IdxHeader,
  type IdxKind,
  type IdxExpect,
} from './idx.js';
export {
  MNIST_FILES,
  MNIST_DIR_ENV,
  defaultMnistDir,
  resolveMnistDir,
  loadMnist,
  clearMnistCache,
  poolImages2x2,
  trainStats,
  computeStats,
  toShared,
  fromShared,
  type MnistOptions,
  type MnistDirSource,
  type SharedMnistDescriptor,
  type SharedSplitDescriptor,
} from './mnist.js';
export {
  generatePairSets,
  samplePairs,
  pairsFromIndices,
  standardise,
  subsetPairs,
  splitPairs,
  randomSplitPairs,
  digitsOf,
} from './pairs.js';
export { epochOrder, batchCount, gatherPairs, gatherDigits, pairBatches, digitBatches, type PairBatch, type DigitBatch } from './batches.js';
export { randomAffine, affineImage, drawAffine, checkAffineAugment, type AffineAugment, type AffineParams } from './augment.js';
