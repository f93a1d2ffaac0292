export { Optimizer, SGD, Adam, type SgdOptions, type AdamOptions } from './optimizer.js';
export { AdamW } from './adamw.js';
export {
  oneCycle, cosine, makeSchedule, LrScheduler,
  type LrSchedule, type Scheduled, type OneCycleOptions, type CosineOptions, type ScheduleSpec,
} from './schedules.js';
export { ParameterAverage, updateBatchNorm } from './swa.js';
