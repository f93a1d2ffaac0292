// statistics over a study's runs: per-model summaries, Welch tests against a baseline,
// and the summary writers (json, csv, markdown) and terminal table.
// sd is always the sample sd (n-1); CIs are 95% with the t distribution.
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { max as ssMax, mean as ssMean, median as ssMedian, min as ssMin, quantileSorted, sampleStandardDeviation } from 'simple-statistics';
import ttest2 from '@stdlib/stats-ttest2';
import tQuantile from '@stdlib/stats-base-dists-t-quantile';
import { ensureDir } from './files.js';
import type { RunRecord } from '../train/types.js';
import type {
  ModelSummary,
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

// a diverged run's accuracy is that of a network with NaN weights: kept in runs.jsonl, counted, not averaged
export function statRuns(runs: readonly RunRecord[]): RunRecord[] {
  return runs.filter((r) => r.diverged === undefined);
}

export function summarizeModel(model: string, all: readonly RunRecord[], planned: number, fig?: PublishedFigure): ModelSummary {
  const runs = statRuns(all);
  const test = describe(runs.map((r) => r.testAccuracy));
  const bestTest = describe(runs.map((r) => r.bestTestAccuracy));
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
  };
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

// --- formatting -----------------------------------------------------------------------------

// '10/10', '10/10, 2 diverged, 1 collapsed': the finished runs and the flagged ones beside them
export function runsText(m: Pick<ModelSummary, 'n' | 'planned' | 'diverged' | 'collapsed'>, sep = '/'): string {
  const parts = [m.planned > 0 ? `${m.n}${sep}${m.planned}` : String(m.n)];
  if ((m.diverged ?? 0) > 0) parts.push(`${m.diverged} diverged`);
  if ((m.collapsed ?? 0) > 0) parts.push(`${m.collapsed} collapsed`);
  return parts.join(', ');
}

export function pct(x: number | null | undefined, digits = 2): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '–' : (x * 100).toFixed(digits);
}

// signed difference in percentage points
export function pp(x: number | null | undefined, digits = 2): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '–';
  const v = x * 100;
  return `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(digits)}`;
}

// 'mean ± sd' in %, or just the mean when sd is unknown
export function meanSd(s: { mean?: number | null; sd?: number | null }, digits = 2): string {
  if (s.mean === null || s.mean === undefined) return '–';
  return s.sd === null || s.sd === undefined ? pct(s.mean, digits) : `${pct(s.mean, digits)} ± ${pct(s.sd, digits)}`;
}

export function ciText(ci: [number, number] | null, digits = 2): string {
  return ci === null ? '–' : `[${pct(ci[0], digits)}, ${pct(ci[1], digits)}]`;
}

export function rangeText(s: { min?: number | null; max?: number | null }, digits = 2): string {
  if (s.min === null || s.min === undefined || s.max === null || s.max === undefined) return '–';
  return `${pct(s.min, digits)}–${pct(s.max, digits)}`;
}

export function pValueText(p: number | null): string {
  if (p === null || !Number.isFinite(p)) return '–';
  if (p < 1e-4) return '<0.0001';
  return p.toFixed(4);
}

export function secondsText(s: number | null): string {
  if (s === null || !Number.isFinite(s)) return '–';
  return s >= 100 ? s.toFixed(0) : s >= 10 ? s.toFixed(1) : s.toFixed(2);
}

export function intText(n: number | null): string {
  return n === null || !Number.isFinite(n) ? '–' : Math.round(n).toLocaleString('en-US');
}

// the published figure as one short string: 'mean ± sd [min–max]'
export function publishedText(f: PublishedFigure): string {
  const parts: string[] = [];
  if (f.mean !== undefined) parts.push(meanSd(f));
  else if (f.sd !== undefined) parts.push(`sd ${pct(f.sd)}`);
  if (f.min !== undefined || f.max !== undefined) parts.push(`[${pct(f.min ?? null)}–${pct(f.max ?? null)}]`);
  return parts.join(' ') || '–';
}

export function publishedDiffText(c: PublishedComparison): string {
  const parts: string[] = [];
  if (c.diffMean !== null) parts.push(`mean ${pp(c.diffMean)}`);
  if (c.diffSd !== null) parts.push(`sd ${pp(c.diffSd)}`);
  if (c.diffMin !== null) parts.push(`min ${pp(c.diffMin)}`);
  if (c.diffMax !== null) parts.push(`max ${pp(c.diffMax)}`);
  return parts.length > 0 ? parts.join(', ') : '–';
}

export interface Table {
  head: string[];
  rows: string[][];
  align?: ('l' | 'r')[];
}

export function summaryTable(s: StudySummary): Table {
  const anyPub = s.models.some((m) => m.published !== null);
  const head = ['model', 'runs', 'test acc % (mean ± sd)', '95% CI', 'median', 'min–max', 'best-epoch %', 's/run', 'params'];
  if (anyPub) head.push('published %', 'ours − published (pp)');
  const rows = s.models.map((m) => {
    const row = [m.model, runsText(m), meanSd(m.test), ciText(m.test.ci95), pct(m.test.median), rangeText(m.test), meanSd(m.bestTest), secondsText(m.meanSeconds), intText(m.params)];
    if (anyPub) {
      const c = m.published;
      row.push(c ? `${publishedText(c.figure)}${c.figure.bestEpoch ? ' (best epoch)' : ''}` : '', c ? publishedDiffText(c) : '');
    }
    return row;
  });
  return { head, rows, align: head.map((_, i) => (i === 0 || i >= 9 ? 'l' : 'r')) };
}

export function welchTable(s: StudySummary): Table {
  const head = ['model', 'runs', 'diff (pp)', '95% CI of diff (pp)', 'df', 't', 'p', 'note'];
  const rows = s.welch.map((w) => [
    w.model,
    `${w.nModel} vs ${w.nBaseline}`,
    pp(w.diff),
    w.ci95 ? `[${pp(w.ci95[0])}, ${pp(w.ci95[1])}]` : '–',
    w.df === null ? '–' : w.df.toFixed(1),
    w.t === null ? '–' : w.t.toFixed(2),
    pValueText(w.p),
    w.note,
  ]);
  return { head, rows, align: ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'l'] };
}

// plain-text table with aligned columns (width counted in code points)
export function formatTable(t: Table): string {
  const len = (s: string): number => [...s].length;
  const widths = t.head.map((h, i) => Math.max(len(h), ...t.rows.map((r) => len(r[i] ?? ''))));
  const cell = (s: string, i: number): string => {
    const pad = ' '.repeat(widths[i]! - len(s));
    return (t.align?.[i] ?? 'l') === 'r' ? pad + s : s + pad;
  };
  const line = (r: string[]): string => r.map((c, i) => cell(c ?? '', i)).join('  ').trimEnd();
  return [line(t.head), widths.map((w) => '─'.repeat(w)).join('  '), ...t.rows.map(line)].join('\n');
}

export function summaryNotes(s?: StudySummary): string {
  const base = 'accuracies in %; sd = sample standard deviation (n-1); 95% CI of the mean from the t distribution (n-1 df); best-epoch = best epoch of each run chosen on the test set (optimistic).';
  return s !== undefined && flaggedNote(s) !== '' ? `${base}\n${flaggedNote(s)}` : base;
}

// said under the tables when a run diverged or collapsed
export function flaggedNote(s: StudySummary): string {
  const out: string[] = [];
  if (s.models.some((m) => (m.diverged ?? 0) > 0)) out.push('diverged = the loss became NaN or infinite and the run stopped: counted, kept in runs.jsonl, left out of every mean, sd and test');
  if (s.models.some((m) => (m.collapsed ?? 0) > 0)) out.push('collapsed = the run ends predicting one class for every test pair: included in the figures');
  return out.join('; ');
}

// the terminal table: summary, then the Welch tests
export function formatSummary(s: StudySummary): string {
  const out = [formatTable(summaryTable(s)), '', summaryNotes(s)];
  if (s.welch.length > 0) {
    out.push('', `Welch's t-test against ${s.baseline} (final test accuracy, two-sided):`, formatTable(welchTable(s)));
  }
  return out.join('\n');
}

function mdTable(t: Table): string {
  const esc = (c: string): string => c.replace(/\|/g, '\\|');
  const sep = t.head.map((_, i) => ((t.align?.[i] ?? 'l') === 'r' ? '---:' : '---'));
  return [t.head, sep, ...t.rows].map((r) => `| ${r.map(esc).join(' | ')} |`).join('\n');
}

export function summaryMarkdown(s: StudySummary): string {
  const out = [`# Study ${s.study}`.trimEnd(), '', mdTable(summaryTable(s)), '', summaryNotes(s)];
  if (s.welch.length > 0) {
    out.push('', `## Welch's t-test against ${s.baseline}`, '', mdTable(welchTable(s)));
  }
  return out.join('\n') + '\n';
}

const CSV_HEAD = [
  'model', 'planned', 'n', 'params', 'mean_seconds',
  'test_mean', 'test_sd', 'test_median', 'test_min', 'test_max', 'test_ci95_low', 'test_ci95_high',
  'best_mean', 'best_sd', 'best_median', 'best_min', 'best_max', 'best_ci95_low', 'best_ci95_high', 'mean_best_epoch',
  'published_mean', 'published_sd', 'published_min', 'published_max', 'published_best_epoch', 'diff_mean',
  'welch_baseline', 'welch_diff', 'welch_ci95_low', 'welch_ci95_high', 'welch_df', 'welch_t', 'welch_p',
  'diverged', 'collapsed',
];

// one row per model; fractions, not percentages; sd is sample (n-1); empty cell = not available
export function summaryCsv(s: StudySummary): string {
  const num = (x: number | null | undefined): string => (x === null || x === undefined || !Number.isFinite(x) ? '' : String(x));
  const q = (x: string): string => (/[",\n]/.test(x) ? `"${x.replace(/"/g, '""')}"` : x);
  const welchBy = new Map(s.welch.map((w) => [w.model, w]));
  const lines = [CSV_HEAD.join(',')];
  for (const m of s.models) {
    const w = welchBy.get(m.model);
    const f = m.published?.figure;
    lines.push([
      q(m.model), num(m.planned), num(m.n), num(m.params), num(m.meanSeconds),
      num(m.test.mean), num(m.test.sd), num(m.test.median), num(m.test.min), num(m.test.max), num(m.test.ci95?.[0]), num(m.test.ci95?.[1]),
      num(m.bestTest.mean), num(m.bestTest.sd), num(m.bestTest.median), num(m.bestTest.min), num(m.bestTest.max), num(m.bestTest.ci95?.[0]), num(m.bestTest.ci95?.[1]), num(m.meanBestEpoch),
      num(f?.mean), num(f?.sd), num(f?.min), num(f?.max), f ? String(f.bestEpoch) : '', num(m.published?.diffMean),
      w ? q(w.baseline) : '', num(w?.diff), num(w?.ci95?.[0]), num(w?.ci95?.[1]), num(w?.df), num(w?.t), num(w?.p),
      num(m.diverged), num(m.collapsed),
    ].join(','));
  }
  return lines.join('\n') + '\n';
}

function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

// writes summary.json, summary.csv and summary.md into dir (each atomically)
export function writeSummary(dir: string, s: StudySummary): { json: string; csv: string; md: string } {
  ensureDir(dir);
  const paths = { json: join(dir, 'summary.json'), csv: join(dir, 'summary.csv'), md: join(dir, 'summary.md') };
  writeAtomic(paths.json, JSON.stringify(s, null, 2) + '\n');
  writeAtomic(paths.csv, summaryCsv(s));
  writeAtomic(paths.md, summaryMarkdown(s));
  return paths;
}
