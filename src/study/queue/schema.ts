// what crosses the queue, validated on arrival: a job (data only: a zoo model id, seed, epochs,
// hyperparameters, checked with the study-config schema's own field rules) and a result (a run
// record). Nothing in a job is a path, code or an option the worker passes on unchecked.
import { z } from 'zod';
import { PairbenchError } from '../../errors.js';
import { getModel } from '../../models/registry.js';
import { formatIssues, studyFileSchema } from '../config.js';
import { gridReports } from '../../models/registry.js';
import { runKey, type RunJob, type StudyRecord } from '../job.js';

const f = studyFileSchema.shape;
const fraction = z.number().min(0).max(1);
const count = z.number().int().min(0);

// a grid run's stage and hyperparameter values by name (null: the model lacks that hyperparameter);
// the model zoo checks the values themselves when the worker builds the network
const gridTagSchema = z.object({ stage: z.enum(['search', 'final']) }).catchall(z.number().min(0).max(100_000).nullable());

export const runJobSchema = z.strictObject({
  model: z.string().min(1).max(200),
  round: z.number().int().min(0).max(100_000),
  seed: f.seed.unwrap(),
  epochs: f.epochs.unwrap().max(10_000).nullable(),
  batchSize: f.batchSize.unwrap().max(100_000).nullable(),
  trainPairs: f.trainPairs,
  testPairs: f.testPairs,
  grid: gridTagSchema.optional(),
  validationFraction: fraction.optional(),
  // a variant: the zoo id and the hyperparameters set (the zoo validates them when the worker builds it)
  variant: z.strictObject({ id: z.string().min(1).max(200), set: z.record(z.string().max(50), z.union([z.number(), z.boolean(), z.string().max(50)])) }).optional(),
});

// the job's data in the queue
export const queueJobSchema = z.strictObject({
  pairbench: z.string().min(1).max(50), // the coordinator's version: a worker of another version refuses the job
  study: z.string().regex(/^[0-9a-f]{16}$/),
  run: runJobSchema,
});
export interface QueueJobData {
  pairbench: string;
  study: string;
  run: RunJob;
}

// a job's data, validated: the run it describes, or a PairbenchError saying which field is wrong
export function parseQueueJob(value: unknown): QueueJobData {
  const r = queueJobSchema.safeParse(value);
  if (!r.success) throw new PairbenchError('bad_config', `malformed job: ${formatIssues(r.error.issues)}`, {});
  const run = r.data.run;
  // unknown ids: unknown_model, with the nearest ids; a variant's hyperparameters: bad_config naming them
  const spec = run.variant === undefined ? getModel(run.model) : getModel(run.variant.id).variant(run.variant.set, run.model);
  if (run.grid !== undefined && !gridReports().some((g) => g.id === spec.report)) throw new PairbenchError('bad_config', `malformed job: a grid run of '${run.model}', whose report has no grid search`, { field: 'run.model' });
  return r.data as unknown as QueueJobData;
}

const epochMetricsSchema = z.looseObject({
  epoch: z.number().int().min(1),
  phase: z.enum(['pretrain', 'main']),
  trainLoss: z.number().nullable(), // a diverged run's NaN is null in JSON
  lossTerms: z.record(z.string(), z.number().nullable()),
  trainAccuracy: fraction,
  testAccuracy: fraction,
  validationAccuracy: fraction.optional(),
  digitAccuracy: fraction.optional(),
  seconds: z.number().min(0),
});

const matrix10 = z.array(z.array(count).length(10)).length(10);

// one runs.jsonl line as a worker returns it
export const runRecordSchema = z.looseObject({
  model: z.string().min(1),
  round: count,
  seed: z.number().int().min(0),
  params: count,
  epochs: z.number().int().min(1),
  batchSize: z.number().int().min(1),
  backend: z.string(),
  metrics: z.array(epochMetricsSchema).min(1),
  testAccuracy: fraction,
  bestTestAccuracy: fraction,
  bestEpoch: z.number().int().min(1),
  validationAccuracy: fraction.optional(),
  digitAccuracy: fraction.optional(),
  trainSeconds: z.number().min(0),
  pairCounts: matrix10,
  errorCounts: matrix10,
  standardisation: z.object({ mean: z.number(), std: z.number() }).optional(),
  grid: gridTagSchema.optional(),
  host: z.string().min(1).max(255),
});

// a worker's result for `job`: a record of that very run, or a one-line reason it is not
export function checkResult(value: unknown, job: RunJob): { ok: true; record: StudyRecord } | { ok: false; why: string } {
  const r = runRecordSchema.safeParse(value);
  if (!r.success) return { ok: false, why: formatIssues(r.error.issues) };
  const rec = value as StudyRecord;
  if (runKey(rec) !== runKey(job)) return { ok: false, why: `it is the record of ${runKey(rec)}, not of ${runKey(job)}` };
  return { ok: true, record: rec };
}
