// the data layer as 'pairbench' exports it (namespace `data`): MNIST, pair sets, standardisation,
// splits, batches. The idx reader, its magic numbers and the worker-sharing helpers are on
// 'pairbench/engine'.
export * from './types.js';
export { MNIST_FILES, MNIST_DIR_ENV, defaultMnistDir, resolveMnistDir, loadMnist, clearMnistCache, trainStats, type MnistOptions, type MnistDirSource } from './mnist.js';
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
export { randomAffine, affineImage, drawAffine, drawElastic, gaussianKernel, smoothField, checkAffineAugment, type AffineAugment, type AffineParams, type ElasticDistortion } from './augment.js';
