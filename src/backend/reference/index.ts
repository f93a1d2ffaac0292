// the reference backend: every kernel in plain TypeScript loops, the readable spec native is tested against.
// accepts Float32Array or Float64Array; sums accumulate in JS numbers (double) in a fixed order
// and each result is rounded once when stored into the output's precision.
import type { Backend } from '../backend.js';
import { batchNormBackward, batchNormEval, batchNormTrain } from './batchnorm.js';
import { conv2d, conv2dBackwardInput, conv2dBackwardWeight, conv2dRelu, conv2dReluMaxPool } from './conv2d.js';
import { copyBlock, gatherRows } from './copy.js';
import { binary, fill, unary, unaryBackward } from './elementwise.js';
import { gemm } from './gemm.js';
import { linear, linearBackward } from './linear.js';
import { bceLoss, bceLossBackward, bceWithLogitsLoss, bceWithLogitsLossBackward, nllLoss, nllLossBackward } from './losses.js';
import { dropout } from './dropout.js';
import { adamStep, sgdStep } from './optim.js';
import { avgPool2d, avgPool2dBackward, maxPool2d, maxPool2dBackward } from './pool.js';
import { reduceToShape, sumAxis } from './reduce.js';
import { logSoftmax, logSoftmaxBackward, softmax, softmaxBackward } from './softmax.js';

export const referenceBackend: Backend = {
  name: 'reference',
  fill, binary, unary, unaryBackward,
  reduceToShape, sumAxis,
  gemm, linear, linearBackward,
  conv2d, conv2dRelu, conv2dBackwardInput, conv2dBackwardWeight, conv2dReluMaxPool,
  maxPool2d, maxPool2dBackward, avgPool2d, avgPool2dBackward,
  batchNormTrain, batchNormEval, batchNormBackward,
  softmax, logSoftmax, softmaxBackward, logSoftmaxBackward,
  nllLoss, nllLossBackward, bceWithLogitsLoss, bceWithLogitsLossBackward, bceLoss, bceLossBackward,
  copyBlock, gatherRows, dropout,
  adamStep, sgdStep,
};
