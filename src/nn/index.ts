export { Module, Buffer, parameter, type StateDict } from './module.js';
export {
  Linear, Conv2d, MaxPool2d, AvgPool2d, BatchNorm1d, BatchNorm2d, Dropout, ReLU, LeakyReLU, Sigmoid, Tanh, Identity, Flatten, Sequential,
} from './layers.js';
export { uniformInit, defaultBound } from './init.js';
export { crossEntropy, binaryCrossEntropyWithLogits, binaryCrossEntropy, mse, nll } from '../tensor/ops/losses.js';
