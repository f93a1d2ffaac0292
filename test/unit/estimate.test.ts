// the plan printed before a study: its estimate from the per-machine cost table, --yes over an
// hour on a terminal, and the ETA weighted by each model's cost
import assert from 'node:assert/strict';
import { appendFileSync, copyFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { nativeAddonPath } from '../../src/backend/native/index.js';
import { getBackend } from '../../src/backend/select.js';
import { PairbenchError } from '../../src/errors.js';
import { checkConfirmed, durationText, estimatePlan, machineKey, planText } from '../../src/study/estimate.js';
import type { RunJob, StudyRecord } from '../../src/study/job.js';
import { studyJobs } from '../../src/study/plan.js';
import { makeProgress } from '../../src/study/progress.js';
import { runStage } from '../../src/study/runner.js';
import { withCheckpoints } from '../../src/cli/save.js';
import type { StudyConfig } from '../../src/study/types.js';
import { tempDirUntilExit } from '../helpers/tmp.js';

delete process.env['PAIRBENCH_MNIST_DIR'];
const cacheDir = tempDirUntilExit('cost');
process.env['PAIRBENCH_CACHE_DIR'] = cacheDir;
// a cost table as if measured: seconds per epoch at the measurement's size (200 + 200 pairs)
writeFileSync(join(cacheDir, 'model-cost.json'), JSON.stringify({ [machineKey()]: { 'lenet-transfer/cnn': 0.1, 'pillonel2020/model4': 1 } }));
const noData = () => {
  throw new Error('no measurement expected');
};

const config = (o: Partial<StudyConfig> = {}): StudyConfig => ({ models: ['lenet-transfer/cnn', 'pillonel2020/model4'], rounds: 10, epochs: 10, seed: 1, workers: 2, batchSize: null, ...o });

test('the estimate: cached cost x size x epochs over the workers; a small plan is not estimated', () => {
  const jobs = studyJobs(config());
  const e = estimatePlan(jobs, 2, noData);
  assert.equal(e.runs, 20);
  assert.equal(e.epochs, 200);
  assert.equal(e.measured, 0);
  // 1000 training + 1000 test pairs = 5x the measurement's size: (0.1 + 1) x 5 x 10 epochs x 10 rounds / 2 workers
  assert.ok(Math.abs(e.seconds! - 275) < 1e-9, String(e.seconds));
  assert.match(planText(e, 2), /^plan: 20 runs to train, 200 epochs in all; estimated 5 min on 2 workers \(each model's cost as measured on this machine before/);
  const small = estimatePlan(studyJobs(config({ rounds: 1, epochs: 1 })), 2, noData);
  assert.equal(small.seconds, null);
  assert.equal(planText(small, 1), 'plan: 2 runs to train, 2 epochs in all');
  assert.equal(durationText(26 * 3600 + 60), '26 h 1 min');
});

test('a resumed study: finished runs give their models\' real cost, and scale the others', () => {
  const jobs = studyJobs(config());
  const done = { model: 'lenet-transfer/cnn', round: 0, seed: 1, epochs: 10, trainSeconds: 20, trainPairs: 1000, validationPairs: 0, testPairs: 1000 } as unknown as StudyRecord;
  const e = estimatePlan(jobs.slice(1), 2, noData, [done]);
  // lenet: 20 s / 10 epochs = 2 s an epoch = 0.4 at the measurement's size (4x its 0.1); pillonel scaled 4x to 4
  // (9 x 0.4 + 10 x 4) x 5 x 10 epochs / 2 workers
  assert.ok(Math.abs(e.seconds! - 1090) < 1e-6, String(e.seconds));
  assert.match(planText(e, 2), /the times of 1 finished run, and each model's cost/);
});

test('over an hour: refused on a terminal without --yes; scripts, pipes and --yes go ahead', () => {
  const e = { runs: 2400, epochs: 240000, seconds: 26 * 3600, measured: 0, cacheFile: 'x', observed: 0 };
  assert.throws(() => checkConfirmed(e, { yes: false, interactive: true }), (x: unknown) => x instanceof PairbenchError && x.code === 'needs_confirmation' && /estimated at 26 h: add --yes/.test(x.message));
  checkConfirmed(e, { yes: true, interactive: true });
  checkConfirmed(e, { yes: false, interactive: false });
  checkConfirmed({ ...e, seconds: 3000 }, { yes: false, interactive: true });
});

test('a plan of 250,000 runs is estimated (no argument spread over every run)', () => {
  const e = estimatePlan(studyJobs(config({ models: ['lenet-transfer/cnn'], rounds: 250_000, epochs: 1 })), 2, noData);
  assert.equal(e.runs, 250_000);
  assert.ok(e.seconds !== null && e.seconds > 0, String(e.seconds));
});

test('a day-long study on a terminal stops before it writes anything', async () => {
  const dir = join(tempDirUntilExit('big'), 'out');
  const c = config({ rounds: 100, epochs: 100 });
  const lines: string[] = [];
  await assert.rejects(
    runStage({ dir, kind: 'study', config: c, jobs: studyJobs(c), force: false, interactive: true, log: (l) => lines.push(l), progress: makeProgress({ quiet: true }) }),
    (x: unknown) => x instanceof PairbenchError && x.code === 'needs_confirmation',
  );
  assert.match(lines.join('\n'), /plan: 200 runs to train, 20,000 epochs in all; estimated 7 h 38 min on 2 workers/);
  assert.equal(existsSync(dir), false);
});

test('a day-long study --save on a terminal: refused with nothing written (the checkpoint directory comes with the first run)', async () => {
  const dir = join(tempDirUntilExit('big-save'), 'out');
  const c = config({ rounds: 100, epochs: 100 });
  const jobs = withCheckpoints(dir, studyJobs(c), () => {});
  assert.ok(jobs.every((j) => j.checkpoint?.startsWith(join(dir, 'checkpoints'))));
  await assert.rejects(
    runStage({ dir, kind: 'study', config: c, jobs, force: false, interactive: true, log: () => {}, progress: makeProgress({ quiet: true }) }),
    (x: unknown) => x instanceof PairbenchError && x.code === 'needs_confirmation',
  );
  assert.equal(existsSync(dir), false);
});

test('a model with no finished run: its ETA share follows its cost, scaled by the finished ones', () => {
  const job = (model: string, round: number): RunJob => ({ model, round, seed: round, epochs: 10, batchSize: null });
  const jobs = [job('a/x', 0), job('b/y', 0)];
  const cost = (j: RunJob): number => (j.model === 'a/x' ? 1 : 5);
  const p = makeProgress({ quiet: true }) as ReturnType<typeof makeProgress> & { eta(): number };
  p.begin(jobs.map((j) => ({ job: j, epochs: 10 })), 0, 1, cost);
  // before any run finishes: the estimates alone (10 x 1 + 10 x 5 s on one worker)
  assert.equal(p.eta(), 60);
  p.runStart(jobs[0]!, 10, 0);
  p.epoch(jobs[0]!, 10, 0.5, 0);
  // a/x took twice its estimate: b/y is expected to as well (10 epochs x 5 s x 2)
  p.runDone(jobs[0]!, { model: 'a/x', round: 0, epochs: 10, trainSeconds: 20, testAccuracy: 0.5 } as StudyRecord, 0);
  assert.equal(p.eta(), 100);
  p.end();
});

test('a model not in the table is measured once and cached', async () => {
  const { measuredCosts } = await import('../../src/study/estimate.js');
  const { loadMnist } = await import('../../src/data/mnist.js');
  const jobs: RunJob[] = [{ model: 'kropfhamer2022/feedforward', round: 0, seed: 1, epochs: null, batchSize: null }];
  const first = measuredCosts(jobs, () => loadMnist());
  assert.equal(first.measured, 1);
  const s = first.costs.get('kropfhamer2022/feedforward')!;
  assert.ok(s > 0 && s < 10, String(s));
  const again = measuredCosts(jobs, noData);
  assert.equal(again.measured, 0);
  assert.equal(again.costs.get('kropfhamer2022/feedforward'), s);
});

test('costs are kept per native build: another addon file measures anew', { skip: getBackend().name !== 'native' && 'the native backend is not in use' }, () => {
  const before = machineKey();
  const copy = join(tempDirUntilExit('addon'), 'pairbench_native.node');
  copyFileSync(nativeAddonPath(), copy);
  const saved = process.env['PAIRBENCH_NATIVE_PATH'];
  try {
    process.env['PAIRBENCH_NATIVE_PATH'] = copy;
    assert.equal(machineKey(), before, 'the same bytes: the same key');
    appendFileSync(copy, 'rebuilt');
    assert.notEqual(machineKey(), before, 'other bytes: another key');
    // the cached costs belong to the other build: the plan measures (here: asks for data)
    assert.throws(() => estimatePlan(studyJobs(config()), 2, noData), /no measurement expected/);
  } finally {
    if (saved === undefined) delete process.env['PAIRBENCH_NATIVE_PATH'];
    else process.env['PAIRBENCH_NATIVE_PATH'] = saved;
  }
});
