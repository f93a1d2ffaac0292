// the public surface: what a user may import from 'pairbench' (engine internals: 'pairbench/engine', src/engine.ts)
export { PairbenchError, isPairbenchError, type ErrorCode } from './errors.js';
export { getBackend, setBackend, backendReason, availableBackends, type BackendName } from './backend/select.js';
export { Tensor, type DType } from './tensor/tensor.js';
export { noGrad } from './tensor/autograd.js';
export { Rng } from './tensor/random.js';
export * as ops from './tensor/ops/index.js';
export * as nn from './nn/index.js';
export * as optim from './optim/index.js';
// the application layers: data, the model zoo, one training run
export * as data from './data/index.js';
export * as models from './models/index.js';
export { trainRun, evaluate, type RunOptions } from './train/run.js';
export type { RunRecord, EpochMetrics } from './train/types.js';
// a whole study from code (the `pairbench study` command's engine)
export { runStudy, type RunStudyOptions, type StudyResult } from './run-study.js';
export type { StudyRecord } from './study/job.js';
export type { StudyConfig, StudySummary } from './study/types.js';
