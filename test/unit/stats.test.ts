// study statistics against values worked out by hand (and cross-checked with scipy 1.17:
// scipy.stats.ttest_ind(x, y, equal_var=False), scipy.stats.t.ppf)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunRecord } from '../../src/train/types.js';
import type { StudyMeta } from '../../src/study/types.js';
import { describe, fiveNumbers, meanCi, summarizeStudy, welch } from '../../src/study/stats.js';
import { formatSummary, summaryCsv, summaryMarkdown, writeSummary } from '../../src/report/summary.js';
import { parseRuns, readMetaIfPresent, readRuns, readRunsFile } from '../../src/study/files.js';
import { tempDirUntilExit } from '../helpers/tmp.js';

const close = (a: number | null | undefined, b: number, tol = 1e-9, what = ''): void => {
  assert.ok(a !== null && a !== undefined && Math.abs(a - b) <= tol, `${what}: ${a} != ${b} (tol ${tol})`);
};

test('describe: mean, sample sd (n-1), median, min, max, 95% t CI', () => {
  // x = .81 .83 .79 .85 .82: mean .82; squared deviations 1e-4 + 1e-4 + 9e-4 + 9e-4 + 0 = 2e-3;
  // sample variance 2e-3 / 4 = 5e-4, sd = 0.0223607; t(0.975, 4) = 2.7764451;
  // half width = 2.7764451 * 0.0223607 / sqrt(5) = 0.0277645
  const s = describe([0.81, 0.83, 0.79, 0.85, 0.82]);
  assert.equal(s.n, 5);
  close(s.mean, 0.82, 1e-12, 'mean');
  close(s.sd, Math.sqrt(5e-4), 1e-12, 'sd');
  close(s.median, 0.82, 1e-12, 'median');
  close(s.min, 0.79, 0, 'min');
  close(s.max, 0.85, 0, 'max');
  close(s.ci95?.[0], 0.7922355489480222, 1e-9, 'ci low');
  close(s.ci95?.[1], 0.847764451051978, 1e-9, 'ci high');
  // median of an even count is the mean of the middle two
  close(describe([1, 2, 3, 10]).median, 2.5, 0, 'even median');
});

test('meanCi uses the t quantile: n=2 gives t(0.975, 1) = 12.7062', () => {
  // x = 0, 1: mean .5, sd = sqrt(.5); half = 12.706204736 * sqrt(.5) / sqrt(2) = 6.353102368
  const ci = meanCi(0.5, Math.SQRT1_2, 2)!;
  close(ci[0], 0.5 - 6.353102368087347, 1e-8, 'low');
  close(ci[1], 0.5 + 6.353102368087347, 1e-8, 'high');
  // n = 30: t(0.975, 29) = 2.045229642
  const c30 = meanCi(0, Math.sqrt(30), 30)!;
  close(c30[1], 2.045229642132703, 1e-8, 'n=30');
});

test('describe edge cases: empty, n = 1, identical values, non-finite dropped', () => {
  const e = describe([]);
  assert.deepEqual(e, { n: 0, mean: null, sd: null, min: null, max: null, median: null, ci95: null });
  const one = describe([0.9]);
  assert.equal(one.n, 1);
  assert.equal(one.mean, 0.9);
  assert.equal(one.sd, null, 'no sample sd with one value');
  assert.equal(one.ci95, null);
  const same = describe([0.8, 0.8, 0.8]);
  assert.equal(same.sd, 0);
  assert.deepEqual(same.ci95, [0.8, 0.8]);
  assert.equal(describe([0.5, Number.NaN, 0.7]).n, 2);
});

test('fiveNumbers', () => {
  assert.deepEqual(fiveNumbers([3, 1, 2]), [1, 1.5, 2, 2.5, 3]); // interpolated quartiles
  assert.deepEqual(fiveNumbers([0.7]), [0.7, 0.7, 0.7, 0.7, 0.7]);
  assert.equal(fiveNumbers([]), null);
});

test("welch: known example (t, Welch-Satterthwaite df, p, CI of the difference)", () => {
  // x as above (mean .82, var 5e-4, n 5); y = .78 .80 .77 .79 (mean .785, var 1.6667e-4, n 4)
  // se^2 = 5e-4/5 + 1.6667e-4/4 = 1.416667e-4, se = 0.01190238; t = .035 / se = 2.940588
  // df = se^4 / ((1e-4)^2/4 + (4.16667e-5)^2/3) = 6.518797; scipy: p = 0.023539173, CI [0.0064287, 0.0635713]
  const w = welch([0.81, 0.83, 0.79, 0.85, 0.82], [0.78, 0.8, 0.77, 0.79]);
  close(w.diff, 0.035, 1e-12, 'diff');
  close(w.t, 2.9405881764588253, 1e-9, 't');
  close(w.df, 6.518796992481209, 1e-9, 'df');
  close(w.p, 0.023539173118760765, 1e-8, 'p');
  close(w.ci95?.[0], 0.006428652007398474, 1e-8, 'ci low');
  close(w.ci95?.[1], 0.06357134799260158, 1e-8, 'ci high');
  assert.equal(w.note, '');
  // textbook example (unequal sizes 10 vs 20): scipy t = -2.2255, df = 24.5246, p = 0.035485
  const a = [19.8, 20.4, 19.6, 17.8, 18.5, 18.9, 18.3, 18.9, 19.5, 22.0];
  const b = [28.2, 26.6, 20.1, 23.3, 25.2, 22.1, 17.7, 27.6, 20.6, 13.7, 23.2, 17.5, 20.6, 18.0, 23.9, 21.6, 24.3, 20.4, 23.9, 13.3];
  const w2 = welch(a, b);
  close(w2.t, -2.225512039969852, 1e-9, 't2');
  close(w2.df, 24.524634944257343, 1e-8, 'df2');
  close(w2.p, 0.035484530830010394, 1e-8, 'p2');
});

test('welch edge cases: too few runs, no variance', () => {
  const few = welch([0.8], [0.7, 0.75]);
  assert.equal(few.p, null);
  close(few.diff, 0.075, 1e-12, 'diff still given');
  assert.match(few.note, /at least 2 runs/);
  const flat = welch([0.8, 0.8], [0.7, 0.7]);
  assert.equal(flat.p, null);
  assert.match(flat.note, /no variance/);
  assert.equal(welch([], []).diff, null);
  // one side without variance still works (the other carries it)
  const half = welch([0.8, 0.8, 0.8], [0.7, 0.72, 0.74]);
  assert.ok(half.p !== null && half.p > 0 && half.p < 1);
});

function run(model: string, round: number, acc: number, best = acc + 0.01, secs = 10): RunRecord {
  const zeros = Array.from({ length: 10 }, () => new Array<number>(10).fill(0));
  return {
    model, round, seed: round, params: 1234, epochs: 1, batchSize: 100, backend: 'reference',
    metrics: [{ epoch: 1, phase: 'main', trainLoss: 0.5, lossTerms: { main: 0.5 }, trainAccuracy: acc, testAccuracy: acc, seconds: secs }],
    testAccuracy: acc, bestTestAccuracy: best, bestEpoch: 1, trainSeconds: secs, pairCounts: zeros, errorCounts: zeros,
  };
}

const META: StudyMeta = {
  name: 't', kind: 'study',
  config: { models: ['r/a', 'r/b', 'r/c'], rounds: 3, epochs: 1, seed: 1, workers: 1, batchSize: 100 },
  runs: ['r/a', 'r/b', 'r/c'].flatMap((model) => [0, 1, 2].map((round) => ({ model, round, seed: round }))),
  environment: { node: 'v20', pairbench: '0.1.0', os: 'x', cpu: 'y', cores: 2, backend: 'reference', created: 'now' },
};

test('summarizeStudy: order, planned counts, published comparison, baseline, partial models', () => {
  const runs = [run('r/b', 0, 0.8), run('r/a', 0, 0.81), run('r/a', 1, 0.83), run('r/a', 2, 0.79), run('r/b', 1, 0.78)];
  const s = summarizeStudy(META, runs, {
    published: [
      { model: 'r/a', report: 'r', mean: 0.8, sd: 0.01, bestEpoch: false, note: '' },
      { model: 'r/b', report: 'r', max: 0.82, min: 0.78, bestEpoch: true, note: 'best epoch' },
    ],
  });
  assert.deepEqual(s.models.map((m) => m.model), ['r/a', 'r/b', 'r/c']);
  assert.equal(s.sdConvention, 'sample (n-1)');
  assert.equal(s.baseline, 'r/a');
  const [a, b, c] = s.models;
  assert.equal(a!.n, 3);
  assert.equal(a!.planned, 3);
  close(a!.published?.diffMean, 0.01, 1e-12, 'diff mean vs published');
  close(a!.published?.diffSd, 0.02 - 0.01, 1e-12, 'diff sd');
  assert.equal(b!.published?.against, 'bestTestAccuracy');
  close(b!.published?.diffMax, 0.81 - 0.82, 1e-12, 'best-epoch max compared');
  assert.equal(b!.published?.diffMean, null);
  assert.equal(c!.n, 0);
  assert.equal(c!.test.mean, null);
  assert.equal(c!.params, null);
  assert.equal(s.welch.length, 2);
  assert.equal(s.welch.find((w) => w.model === 'r/c')!.note, 'needs at least 2 runs on each side');
  // baseline chosen explicitly
  assert.equal(summarizeStudy(META, runs, { baseline: 'r/b' }).welch[0]!.baseline, 'r/b');
  // no meta at all: models from the runs
  assert.deepEqual(summarizeStudy(null, runs).models.map((m) => m.model), ['r/b', 'r/a']);
  // nothing at all
  assert.equal(summarizeStudy(null, []).baseline, null);
});

test('summary writers and terminal table', () => {
  const runs = [run('r/a', 0, 0.81), run('r/a', 1, 0.83), run('r/b', 0, 0.9), run('r/b', 1, 0.7)];
  const s = summarizeStudy(META, runs, { published: [{ model: 'r/a', report: 'r', mean: 0.8, sd: 0.01, bestEpoch: false, note: '' }] });
  const text = formatSummary(s);
  const lines = text.split('\n');
  assert.match(lines[0]!, /^model\s+runs\s+test acc % \(mean ± sd\)/);
  assert.ok(lines.some((l) => /^r\/a\s+2\/3\s+82\.00 ± 1\.41/.test(l)), text);
  assert.match(text, /published/);
  assert.match(text, /mean \+2\.00/);
  assert.match(text, /sample standard deviation \(n-1\)/);
  assert.match(text, /Welch's t-test against r\/a/);
  // aligned: every line of the first table has the header's column starts
  const header = lines[0]!;
  const col = header.indexOf('runs') + 'runs'.length;
  for (const l of lines.slice(2, 5)) assert.equal([...l][col - 1] !== ' ', true, `runs column right-aligned in: ${l}`);
  const csv = summaryCsv(s).trim().split('\n');
  assert.equal(csv.length, 4);
  assert.ok(csv[0]!.startsWith('model,planned,n,params'));
  assert.match(csv[1]!, /^r\/a,3,2,1234,10,0\.82(0000+\d)?,/);
  assert.match(summaryMarkdown(s), /^\| model \| runs \|/m);
  const dir = tempDirUntilExit('stats');
  const paths = writeSummary(dir, s);
  assert.equal(JSON.parse(readFileSync(paths.json, 'utf8')).models.length, 3);
});

test('runs.jsonl: torn last line skipped, bad middle lines set apart (an error for the strict reader), missing files', () => {
  const a = JSON.stringify(run('r/a', 0, 0.8));
  const b = JSON.stringify(run('r/a', 1, 0.82));
  const ok = parseRuns(`${a}\n${b}\n`);
  assert.equal(ok.runs.length, 2);
  assert.equal(ok.tornLastLine, false);
  const torn = parseRuns(`${a}\n${b.slice(0, 40)}`);
  assert.equal(torn.runs.length, 1);
  assert.equal(torn.tornLastLine, true);
  assert.equal(torn.validBytes, Buffer.byteLength(a) + 1);
  const noNl = parseRuns(`${a}\n${b}`);
  assert.equal(noNl.runs.length, 2);
  assert.equal(noNl.needsNewline, true);
  const bad = parseRuns(`${a}\n{oops\n{"x":1}\n${b}\n`);
  assert.equal(bad.runs.length, 2);
  assert.deepEqual(bad.rejected.map((r) => [r.line, r.text, r.reason.slice(0, 14)]), [[2, '{oops', 'not valid JSON'], [3, '{"x":1}', 'not a run reco']]);
  const dir = tempDirUntilExit('files');
  writeFileSync(join(dir, 'runs.jsonl'), `${a}\n{oops\n${b}\n`);
  assert.throws(() => readRuns(dir), (e: Error & { code?: string }) => e.code === 'damaged_runs' && /line 2 \(not valid JSON\)/.test(e.message));
  writeFileSync(join(dir, 'runs.jsonl'), '');
  assert.deepEqual(readRuns(dir), []);
  assert.equal(readMetaIfPresent(dir), null);
  writeFileSync(join(dir, 'runs.jsonl'), `${a}\n${b.slice(0, 10)}`);
  writeFileSync(join(dir, 'study.json'), JSON.stringify(META));
  assert.equal(readRunsFile(dir).runs.length, 1);
  assert.equal(readMetaIfPresent(dir)!.config.models.length, 3);
  writeFileSync(join(dir, 'study.json'), '{"name":');
  assert.throws(() => readMetaIfPresent(dir), (e: Error & { code?: string }) => e.code === 'bad_config');
});
