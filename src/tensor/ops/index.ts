export { add, sub, mul, div, relu, leakyRelu, sigmoid, tanh, exp, log, neg, square, sqrt, scale } from './elementwise.js';
export { sum, mean, reshape, flatten, concat, slice } from './shape.js';
export { matmul, linear, conv2d, conv2dReluMaxPool, maxPool2d, avgPool2d, batchNorm, softmax, logSoftmax, dropout } from './layers.js';
export type { Conv2dOptions, BatchNormOptions } from './layers.js';
export { nll, crossEntropy, binaryCrossEntropyWithLogits, binaryCrossEntropy, mse } from './losses.js';
