// statistics over a study's runs: per-model summaries and Welch tests against a baseline (numbers
// only; the tables and files are src/report/summary.ts). sd is always the sample sd (n-1); CIs are
// 95% with the t distribution.
import { max as ssMax, mean as ssMean, median as ssMedian, min as ssMin, quantileSorted, sampleStandardDeviation } from 'simple-statistics';
import ttest2 from '@stdlib/stats-ttest2';
import tQuantile from '@stdlib/stats-base-dists-t-quantile';
import type { RunRecord } from '../train/types.js';
import type {
  ModelSummary,
  PairCounts,
  PublishedComparison,
  PublishedFigure,
  SampleStats,
  StudyMeta,
  StudySummary,
  WelchRow,
} from './types.js';

// --- one sample ---------------------------------------------------------------------------

// descriptive statistics of xs; NaN/undefined values are dropped
export function describe(values: readonly number[]): SampleStats {
  const xs = values.filter((v) => typeof v === 'number' && Number.isFinite(v));
  const n = xs.length;
  if (n === 0) return { n, mean: null, sd: null, min: null, max: null, median: null, ci95: null };
  const lo = ssMin(xs);
  const hi = ssMax(xs);
  // identical values: exactly the value and sd 0 (summing floats would leave ~1e-16)
  const mean = lo === hi ? lo : ssMean(xs);
  const sd = n < 2 ? null : lo === hi ? 0 : sampleStandardDeviation(xs);
  return { n, mean, sd, min: lo, max: hi, median: ssMedian(xs), ci95: meanCi(mean, sd, n) };
}

// 95% CI of a mean from its sample sd: mean +- t(0.975, n-1) * sd / sqrt(n)
export function meanCi(mean: number, sd: number | null, n: number, level = 0.95): [number, number] | null {
  if (sd === null || n < 2) return null;
  const half = tQuantile(1 - (1 - level) / 2, n - 1) * (sd / Math.sqrt(n));
  return [mean - half, mean + half];
}

// quartiles for a boxplot: [min, q1, median, q3, max] (quantiles as simple-statistics computes them)
export function fiveNumbers(values: readonly number[]): [number, number, number, number, number] | null {
  const xs = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (xs.length === 0) return null;
  return [xs[0]!, quantileSorted(xs, 0.25), quantileSorted(xs, 0.5), quantileSorted(xs, 0.75), xs[xs.length - 1]!];
}

// --- two samples --------------------------------------------------------------------------

// Welch's t-test of x against y (difference = mean(x) - mean(y)), two-sided, 95% CI
export function welch(x: readonly number[], y: readonly number[]): Omit<WelchRow, 'model' | 'baseline'> {
  const nx = x.length;
  const ny = y.length;
  const base = { nModel: nx, nBaseline: ny };
  const diff = nx > 0 && ny > 0 ? ssMean([...x]) - ssMean([...y]) : null;
  if (nx < 2 || ny < 2) {
    return { ...base, diff, ci95: null, df: null, t: null, p: null, note: 'needs at least 2 runs on each side' };
  }
  const constant = (v: readonly number[]): boolean => v.every((e) => e === v[0]);
  if (constant(x) && constant(y)) {
    return { ...base, diff, ci95: null, df: null, t: null, p: null, note: 'no variance on either side' };
  }
  const r = ttest2([...x], [...y], { variance: 'unequal', alpha: 0.05, alternative: 'two-sided' });
  const ci: [number, number] = [r.ci[0]!, r.ci[1]!];
  return { ...base, diff, ci95: ci, df: r.df, t: r.statistic, p: r.pValue, note: '' };
}

// --- a study ------------------------------------------------------------------------------

export interface SummarizeOptions {
  baseline?: string; // default: meta.config.baseline, else the first model
  published?: readonly PublishedFigure[];
}

// model ids in display order: the study's own list first, then any others found in runs
export function modelOrder(meta: StudyMeta | null, runs: readonly RunRecord[]): string[] {
  const ids: string[] = [];
  const seen = new Set<string>();
  const add = (id: string): void => {
    if (!seen.has(id)) {
      seen.add(id);
      ids.push(id);
    }
  };
  for (const id of meta?.config.models ?? []) add(id);
  for (const p of meta?.runs ?? []) add(p.model);
  for (const r of runs) add(r.model);
  return ids;
}

export function groupRuns(runs: readonly RunRecord[]): Map<string, RunRecord[]> {
  const g = new Map<string, RunRecord[]>();
  for (const r of runs) {
    const list = g.get(r.model);
    if (list) list.push(r);
    else g.set(r.model, [r]);
  }
  for (const list of g.values()) list.sort((a, b) => a.round - b.round);
  return g;
}

function compare(fig: PublishedFigure, ours: SampleStats): PublishedComparison {
  const d = (a: number | null, b: number | undefined): number | null => (a === null || b === undefined ? null : a - b);
  return {
    figure: fig,
    against: fig.bestEpoch ? 'bestTestAccuracy' : 'testAccuracy',
    diffMean: d(ours.mean, fig.mean),
    diffSd: d(ours.sd, fig.sd),
    diffMin: d(ours.min, fig.min),
    diffMax: d(ours.max, fig.max),
  };
}

// the smallest sample whose accuracy CI is reported: with 2 runs t(0.975, 1) = 12.7 makes it span most of 0-100%
export const MIN_RUNS_FOR_CI = 3;

// an accuracy sample: the CI of its mean from 3 runs on, clamped to the possible 0..1
export function describeAccuracy(values: readonly number[]): SampleStats {
  const s = describe(values);
  if (s.ci95 === null || s.n < MIN_RUNS_FOR_CI) return { ...s, ci95: null };
  return { ...s, ci95: [Math.max(0, s.ci95[0]), Math.min(1, s.ci95[1])] };
}

// a diverged run's accuracy is that of a network with NaN weights: kept in runs.jsonl, counted, not averaged
export function statRuns(runs: readonly RunRecord[]): RunRecord[] {
  return runs.filter((r) => r.diverged === undefined);
}

export function summarizeModel(model: string, all: readonly RunRecord[], planned: number, fig?: PublishedFigure): ModelSummary {
  const runs = statRuns(all);
  const test = describeAccuracy(runs.map((r) => r.testAccuracy));
  const bestTest = describeAccuracy(runs.map((r) => r.bestTestAccuracy));
  // a diverged run stopped early: its seconds say nothing of a run, unless no run finished otherwise
  const secs = (runs.length > 0 ? runs : all).map((r) => r.trainSeconds).filter((s) => Number.isFinite(s));
  const epochs = runs.map((r) => r.bestEpoch).filter((e) => Number.isFinite(e));
  return {
    model,
    planned,
    n: all.length,
    diverged: all.length - runs.length,
    collapsed: runs.filter((r) => r.collapsed === true).length,
    params: all.length > 0 ? all[0]!.params : null,
    meanSeconds: secs.length > 0 ? ssMean(secs) : null,
    test,
    bestTest,
    meanBestEpoch: epochs.length > 0 ? ssMean(epochs) : null,
    published: fig ? compare(fig, fig.bestEpoch ? bestTest : test) : null,
    pairs: pairCountsOf(runs),
  };
}

// the pair counts of the runs (records written before counts were recorded have none)
export function pairCountsOf(runs: readonly RunRecord[]): PairCounts | null {
  const withCounts = runs.filter((r) => typeof r.trainPairs === 'number' && typeof r.testPairs === 'number');
  if (withCounts.length === 0) return null;
  const key = (r: RunRecord): PairCounts => ({ train: r.trainPairs!, validation: r.validationPairs ?? 0, test: r.testPairs! });
  const first = key(withCounts[0]!);
  const varied = withCounts.length < runs.length || withCounts.some((r) => JSON.stringify(key(r)) !== JSON.stringify(first));
  return varied ? { ...first, varied } : first;
}

export function summarizeStudy(meta: StudyMeta | null, runs: readonly RunRecord[], opts: SummarizeOptions = {}): StudySummary {
  const ids = modelOrder(meta, runs);
  const groups = groupRuns(runs);
  const plannedBy = new Map<string, number>();
  for (const p of meta?.runs ?? []) plannedBy.set(p.model, (plannedBy.get(p.model) ?? 0) + 1);
  const pub = new Map((opts.published ?? []).map((f) => [f.model, f]));
  const models = ids.map((id) => summarizeModel(id, groups.get(id) ?? [], plannedBy.get(id) ?? 0, pub.get(id)));
  let baseline = opts.baseline ?? meta?.config.baseline ?? ids[0] ?? null;
  if (baseline !== null && !ids.includes(baseline)) baseline = ids[0] ?? null;
  const welchRows: WelchRow[] = [];
  if (baseline !== null) {
    const yRuns = statRuns(groups.get(baseline) ?? []);
    const y = yRuns.map((r) => r.testAccuracy);
    for (const id of ids) {
      if (id === baseline) continue;
      const xRuns = statRuns(groups.get(id) ?? []);
      const x = xRuns.map((r) => r.testAccuracy);
      const w = welch(x, y);
      const excluded = [id, baseline].map((m) => ((groups.get(m) ?? []).length - statRuns(groups.get(m) ?? []).length));
      const collapsed = [xRuns, yRuns].map((rs) => rs.filter((r) => r.collapsed === true).length);
      const said: string[] = [];
      if (excluded[0]! + excluded[1]! > 0) said.push(`diverged runs excluded: ${countText(excluded[0]!, excluded[1]!)}`);
      if (collapsed[0]! + collapsed[1]! > 0) said.push(`collapsed runs included: ${countText(collapsed[0]!, collapsed[1]!)}`);
      welchRows.push({
        model: id, baseline, ...w,
        // a difference of accuracies lies in -1..1: its CI is clamped there
        ci95: w.ci95 === null ? null : [Math.max(-1, w.ci95[0]), Math.min(1, w.ci95[1])],
        divergedExcluded: [excluded[0]!, excluded[1]!],
        collapsedIncluded: [collapsed[0]!, collapsed[1]!],
        note: [w.note, ...said].filter((t) => t !== '').join('; '),
      });
    }
  }
  return {
    study: meta?.name ?? '',
    sdConvention: 'sample (n-1)',
    ciLevel: 0.95,
    ciMethod: 't distribution, n-1 df',
    testMethod: "Welch's two-sample t-test, two-sided, unequal variances",
    baseline,
    models,
    welch: welchRows,
  };
}

// counts for the Welch notes: model side, baseline side
function countText(model: number, baseline: number): string {
  return `${model} (model), ${baseline} (baseline)`;
}
