// the study page and the terminal tables as a new user meets them: partial grids, the grid's own
// section and title, config text escaped once, the pair counts, tables within 100 columns, the
// loss band not below 0
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { curveBandOption } from '../../src/report/charts.js';
import { renderStudyPage } from '../../src/report/page.js';
import { finalJobs, gridConfig, gridPageInfo, gridText, gridWinners, searchJobs } from '../../src/study/grid.js';
import { plannedRun } from '../../src/study/runner.js';
import type { StudyRecord } from '../../src/study/job.js';
import { summarizeStudy } from '../../src/study/stats.js';
import { formatSummary, formatTable } from '../../src/report/summary.js';
import type { StudyMeta } from '../../src/study/types.js';
import type { RunRecord } from '../../src/train/types.js';

const config = gridConfig({ models: ['carparelli2019/mlp-sharing-aux', 'carparelli2019/mlp-sharing-noaux'], axes: { lambdas: [0.5, 1], lrs: [1e-3], hidden: [10, 20] }, k: 2, rounds: 2, seed: 4, workers: 1 });
const search = searchJobs(config);
const meta: StudyMeta = { name: 'grid', kind: 'grid', config, runs: search.map(plannedRun), environment: { node: 'v20', pairbench: '0', os: 'x', cpu: 'y', cores: 2, backend: 'native', created: 'now' } };
const record = (j: (typeof search)[number], acc: number): StudyRecord =>
  ({ model: j.model, round: j.round, seed: j.seed, grid: j.grid, metrics: [], validationAccuracy: acc, testAccuracy: 0.5, bestTestAccuracy: 0.5, bestEpoch: 1 }) as unknown as StudyRecord;

test('a partial grid: provisional winners among trained combinations, no winner without runs, no final jobs for it', () => {
  // two runs of the aux model (one combination, one seed each... of 4 combinations x 2 seeds); none of the noaux model
  const aux = search.filter((j) => j.model === 'carparelli2019/mlp-sharing-aux');
  const recs = [record(aux[0]!, 0.7), record(aux[1]!, 0.8)];
  const w = gridWinners(config, recs);
  assert.deepEqual(w[0]!.best, { hidden: aux[1]!.grid!.hidden, lr: aux[1]!.grid!.lr, lambda: aux[1]!.grid!.lambda });
  assert.equal(w[0]!.complete, false);
  assert.equal(w[1]!.best, null);
  assert.equal(finalJobs(config, w).filter((j) => j.model === 'carparelli2019/mlp-sharing-noaux').length, 0);
  const text = gridText(w);
  assert.match(text, /^partial grid search: 2 of 2 models not fully searched/);
  assert.match(text, /mlp-sharing-noaux: no winner \(no search run finished\)/);
  assert.doesNotMatch(text, /NaN/);
  // complete: every combination with its k seeds
  const full = gridWinners(config, search.map((j) => record(j, 0.6)));
  assert.ok(full.every((x) => x.complete && x.best !== null));
  assert.doesNotMatch(gridText(full), /partial|provisional/);
});

test('the grid page: its title, the search stage counted, a table of search results, config escaped once', () => {
  const recs = [record(search[0]!, 0.7)];
  const info = gridPageInfo(meta, recs);
  assert.deepEqual([info.searchDone, info.searchPlanned], [1, search.length]);
  const html = renderStudyPage({ meta: { ...meta, runs: [] }, runs: [], grid: info });
  assert.match(html, /<title>Grid search · carparelli2019 · pairbench<\/title>/);
  assert.match(html, new RegExp(`search: 1 of ${search.length} runs · final rounds: 0 runs`));
  assert.match(html, /Partial grid search: 1 of 12 search runs finished/);
  assert.match(html, /<section id="grid"><h2>Grid search<\/h2>/);
  assert.match(html, /no winner \(no search run finished\)/);
  assert.match(html, /provisional/);
  assert.match(html, /Every combination \(6\)/);
  assert.doesNotMatch(html, /&amp;quot;|&amp;lt;|&amp;amp;/);
  assert.match(html, /hidden 10, 20; lrs 0\.001; lambdas 0\.5, 1; 2 seeds per combination/);
  assert.doesNotMatch(html, /1000 freshly drawn pairs and is tested on 1000/);
});

const run = (model: string, round: number, acc: number, counts = { trainPairs: 1000, validationPairs: 500, testPairs: 500 }): RunRecord =>
  ({ model, round, seed: round, params: 1000, epochs: 1, batchSize: 100, backend: 'native', metrics: [{ epoch: 1, phase: 'main', trainLoss: acc, lossTerms: {}, trainAccuracy: acc, testAccuracy: acc, seconds: 1 }], testAccuracy: acc, bestTestAccuracy: acc, bestEpoch: 1, trainSeconds: 1, pairCounts: [], errorCounts: [], ...counts }) as unknown as RunRecord;

test('the page says the pair counts the runs used, not a fixed 1000', () => {
  const runs = [run('lenet-transfer/cnn', 0, 0.8), run('lenet-transfer/cnn', 1, 0.82)];
  const html = renderStudyPage({ meta: null, runs });
  assert.match(html, /tested on unseen pairs: 1,000 training pairs, 500 test pairs \(and 500 validation pairs\)\./);
});

test('terminal tables fit 100 columns; the model column repeats in each block', () => {
  const ids = ['lenet-transfer/transfer-learning', 'lenet-transfer/digit-prediction', 'lenet-transfer/baseline'];
  const runs = ids.flatMap((id, k) => [0, 1, 2].map((r) => run(id, r, 0.8 + 0.01 * k + 0.003 * r)));
  const published = ids.map((model) => ({ model, mean: 0.9, sd: 0.01, min: 0.85, max: 0.95, bestEpoch: true, note: 'x' }));
  const text = formatSummary(summarizeStudy(null, runs, { published: published as never }));
  for (const line of text.split('\n')) assert.ok([...line].length <= 100, `${[...line].length}: ${line}`);
  assert.ok(text.split('\n').filter((l) => l.startsWith('lenet-transfer/transfer-learning')).length >= 2, 'model column repeated');
  assert.doesNotMatch(text, /note/, 'no Welch note column when every test ran');
  // a narrow table stays one block
  const small = formatTable({ head: ['a', 'b'], rows: [['1', '2']] });
  assert.equal(small, 'a  b\n─  ─\n1  2');
});

test('the loss band is cut at 0, the accuracy band at 100%', () => {
  const curve = { model: 'm', label: 'm', color: '#000', pretrainEpochs: 0, points: [{ epoch: 1, mean: 0.1, sd: 0.5, n: 3 }] };
  const o = curveBandOption([curve], { yName: 'loss', percent: false, floor: 0 });
  const series = o.series as { data: (number | string)[] }[];
  assert.equal(series[0]!.data[0], 0); // lower edge
  assert.ok(Math.abs((series[1]!.data[0] as number) - 0.6) < 1e-12); // band height: 0 .. 0.6
  const acc = curveBandOption([{ ...curve, points: [{ epoch: 1, mean: 0.9, sd: 0.2, n: 3 }] }], { yName: 'acc', percent: true, floor: 0, ceiling: 1 });
  const s2 = acc.series as { data: number[] }[];
  assert.ok(Math.abs(s2[0]!.data[0]! + s2[1]!.data[0]! - 100) < 1e-9);
});
