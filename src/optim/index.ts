export { Optimizer, SGD, Adam, type SgdOptions, type AdamOptions } from './optimizer.js';
