// diverged runs (NaN/infinite loss: the run stops, its record says where) and collapsed runs (one class
// for every test pair): counted and marked by the summary, the CLI table, the page and the Welch tests
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadMnist } from '../../src/data/mnist.js';
import { getModel } from '../../src/models/registry.js';
import { renderStudyPage } from '../../src/report/page.js';
import { formatSummary, summaryCsv } from '../../src/report/summary.js';
import { summarizeStudy } from '../../src/study/stats.js';
import type { StudyMeta } from '../../src/study/types.js';
import { trainRun } from '../../src/train/run.js';
import type { RunRecord } from '../../src/train/types.js';

const data = loadMnist();
const small = { seed: 3, trainPairs: 200, testPairs: 200, data };

test('a run whose loss becomes NaN stops there and says so', () => {
  const r = trainRun({ ...small, model: getModel('lenet-transfer/baseline').variant({ optimizer: 'sgd', lr: 1e4, epochs: 6 }) });
  assert.deepEqual(r.diverged, { epoch: 2, term: 'main' });
  assert.equal(r.metrics.length, 2, 'no epoch after the divergence');
  assert.equal(Number.isFinite(r.metrics[1]!.trainLoss), false);
  // a sane run has neither flag (a few steps on 200 pairs can still predict one class: 1000 pairs, 5 epochs)
  const ok = trainRun({ ...small, trainPairs: 1000, model: getModel('kropfhamer2022/feedforward').variant({ epochs: 5 }) });
  assert.equal(ok.diverged, undefined);
  assert.equal(ok.collapsed, undefined);
  assert.equal('diverged' in ok || 'collapsed' in ok, false, 'plain records keep their fields');
});

test('a run that predicts one class for every test pair is flagged collapsed', () => {
  // weight decay 9 at lr 0.1 shrinks every weight and bias to ~0: the same class everywhere
  const r = trainRun({ ...small, model: getModel('lenet-transfer/baseline').variant({ optimizer: 'sgd', lr: 0.1, weightDecay: 9, epochs: 2 }) });
  assert.equal(r.collapsed, true);
  assert.equal(r.diverged, undefined);
  // one class everywhere: the errors are exactly the pairs of the other target
  let ones = 0;
  let total = 0;
  r.pairCounts.forEach((row, a) => row.forEach((n, b) => { total += n; if (a <= b) ones += n; }));
  const errors = r.errorCounts.flat().reduce((x, y) => x + y, 0);
  assert.ok(errors === ones || errors === total - ones, `${errors} errors, ${ones} of ${total} pairs have target 1`);
});

function rec(model: string, round: number, acc: number, flags: Partial<RunRecord> = {}): RunRecord {
  const zeros = Array.from({ length: 10 }, () => new Array<number>(10).fill(0));
  return {
    model, round, seed: round, params: 10, epochs: 1, batchSize: 100, backend: 'reference',
    metrics: [{ epoch: 1, phase: 'main', trainLoss: 0.5, lossTerms: { main: 0.5 }, trainAccuracy: acc, testAccuracy: acc, seconds: 1 }],
    testAccuracy: acc, bestTestAccuracy: acc, bestEpoch: 1, trainSeconds: 1, pairCounts: zeros, errorCounts: zeros, ...flags,
  };
}

test('summary, table, csv, page and Welch tests count diverged runs apart and mark collapsed ones', () => {
  const meta: StudyMeta = {
    name: 'flags', kind: 'study',
    config: { models: ['r/base', 'r/x'], rounds: 4, epochs: 1, seed: 1, workers: 1, batchSize: 100 },
    runs: ['r/base', 'r/x'].flatMap((model) => [0, 1, 2, 3].map((round) => ({ model, round, seed: round }))),
    environment: { node: 'v20', pairbench: '0', os: 'x', cpu: 'y', cores: 2, backend: 'reference', created: 'now' },
  };
  const runs = [
    rec('r/base', 0, 0.8), rec('r/base', 1, 0.82), rec('r/base', 2, 0.81), rec('r/base', 3, 0.83),
    rec('r/x', 0, 0.9), rec('r/x', 1, 0.92), rec('r/x', 2, 0.456, { diverged: { epoch: 1, term: 'main' } }), rec('r/x', 3, 0.55, { collapsed: true }),
  ];
  const s = summarizeStudy(meta, runs);
  const x = s.models.find((m) => m.model === 'r/x')!;
  assert.equal(x.n, 4);
  assert.equal(x.diverged, 1);
  assert.equal(x.collapsed, 1);
  assert.equal(x.test.n, 3, 'the diverged run is not in the figures');
  assert.ok(Math.abs(x.test.mean! - (0.9 + 0.92 + 0.55) / 3) < 1e-12);
  const w = s.welch[0]!;
  assert.equal(w.nModel, 3);
  assert.deepEqual(w.divergedExcluded, [1, 0]);
  assert.deepEqual(w.collapsedIncluded, [1, 0]);
  assert.match(w.note, /diverged runs excluded: 1 \(model\), 0 \(baseline\)/);
  assert.match(w.note, /collapsed runs included: 1 \(model\), 0 \(baseline\)/);

  const table = formatSummary(s);
  assert.match(table, /r\/x\s+4\/4, 1 diverged, 1 collapsed/);
  assert.match(table, /r\/base\s+4\/4\s/);
  assert.match(table, /diverged = the loss became NaN or infinite/);
  const csv = summaryCsv(s).split('\n');
  assert.match(csv[0]!, /,diverged,collapsed$/);
  assert.match(csv.find((l) => l.startsWith('r/x'))!, /,1,1$/);
  const html = renderStudyPage({ meta, runs, summary: s });
  assert.match(html, /4 \/ 4, 1 diverged, 1 collapsed/);
  assert.match(html, /diverged runs excluded/);

  // no flagged run: the table says nothing more than before
  const plain = formatSummary(summarizeStudy(meta, runs.filter((r) => r.diverged === undefined && r.collapsed === undefined)));
  assert.doesNotMatch(plain, /diverged|collapsed/);
});
