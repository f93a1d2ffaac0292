// what crosses the queue: a job is data only (strict schema, known model ids), a result must be the
// record of the very run the job named
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isPairbenchError } from '../../src/errors.js';
import { checkResult, parseQueueJob } from '../../src/study/queue/schema.js';
import { parseShard, shardJobs } from '../../src/study/shard.js';
import { studyJobs } from '../../src/study/plan.js';

const run = { model: 'kropfhamer2022/feedforward', round: 0, seed: 7, epochs: 1, batchSize: null, trainPairs: 100, testPairs: 100 };
const job = { pairbench: '0.1.0', study: '0123456789abcdef', run };

test('parseQueueJob: a valid job passes; extra keys, unknown models, bad numbers and grid tags on other models fail with the field', () => {
  assert.deepEqual(parseQueueJob(job).run, run);
  const bad = (v: unknown, re: RegExp): void => assert.throws(() => parseQueueJob(v), (e) => isPairbenchError(e) && re.test(e.message));
  bad({ ...job, script: 'process.exit()' }, /unknown key "script"/);
  bad({ ...job, run: { ...run, mnistDir: '/etc' } }, /unknown key "mnistDir" in run/);
  bad({ ...job, run: { ...run, epochs: -1 } }, /run\.epochs/);
  bad({ ...job, run: { ...run, trainPairs: 10 ** 9 } }, /run\.trainPairs/);
  bad({ ...job, study: '../x' }, /study/);
  bad({ ...job, run: { ...run, model: 'nope/none' } }, /nope\/none/);
  bad({ ...job, run: { ...run, grid: { stage: 'search', hidden: 8, lr: 0.1, lambda: null } } }, /whose report has no grid search/);
});

test('checkResult: a record of another run, or not a record, is rejected with the reason', () => {
  const record = {
    model: run.model, round: 0, seed: 7, params: 1, epochs: 1, batchSize: 100, backend: 'native', host: 'h',
    metrics: [{ epoch: 1, phase: 'main', trainLoss: 0.5, lossTerms: { main: 0.5 }, trainAccuracy: 0.6, testAccuracy: 0.7, seconds: 0.1 }],
    testAccuracy: 0.7, bestTestAccuracy: 0.7, bestEpoch: 1, trainSeconds: 0.1,
    pairCounts: Array.from({ length: 10 }, () => Array(10).fill(1)), errorCounts: Array.from({ length: 10 }, () => Array(10).fill(0)),
  };
  assert.equal(checkResult(record, run).ok, true);
  const why = (v: unknown): string => {
    const r = checkResult(v, run);
    assert.equal(r.ok, false);
    return r.ok ? '' : r.why;
  };
  assert.match(why({ ...record, seed: 8 }), /record of kropfhamer2022\/feedforward\|0\|8, not of kropfhamer2022\/feedforward\|0\|7/);
  assert.match(why({ ...record, testAccuracy: 1.5 }), /testAccuracy/);
  assert.match(why({ ...record, pairCounts: [[1]] }), /pairCounts/);
  assert.match(why({ ...record, host: undefined }), /host/);
  assert.match(why('a string'), /expected object/);
});

test('shards: i/N parsed 1-based; the shards of a plan cover every run exactly once', () => {
  assert.deepEqual(parseShard('2/3'), { index: 2, count: 3 });
  for (const s of ['0/3', '4/3', '1/0', 'a/b', '1-3']) assert.throws(() => parseShard(s), /--shard: expected i\/N/);
  const jobs = studyJobs({ models: ['kropfhamer2022/feedforward', 'lenet-transfer/cnn'], rounds: 5, epochs: 1, seed: 1, workers: 1, batchSize: null });
  const parts = [1, 2, 3].map((i) => shardJobs(jobs, { index: i, count: 3 }));
  assert.deepEqual(parts.map((p) => p.length), [4, 3, 3]);
  assert.deepEqual(parts.flat().map((j) => `${j.model}|${j.round}`).sort(), jobs.map((j) => `${j.model}|${j.round}`).sort());
});

test('parseQueueJob: a variant job carries its zoo id and hyperparameters, checked by the zoo', () => {
  const job = { pairbench: '0.1.0', study: '0123456789abcdef', run: { model: 'cnn-lr1e-2', round: 0, seed: 1, epochs: 1, batchSize: null, variant: { id: 'lenet-transfer/cnn', set: { lr: 0.01 } } } };
  assert.deepEqual(parseQueueJob(job).run.variant, { id: 'lenet-transfer/cnn', set: { lr: 0.01 } });
  assert.throws(() => parseQueueJob({ ...job, run: { ...job.run, variant: { id: 'lenet-transfer/cnn', set: { depth: 2 } } } }), /no hyperparameter 'depth'/);
});
