// a study's summary as people read it: the terminal table, summary.md / .csv / .json (the numbers
// come from src/study/stats.ts)
import { join } from 'node:path';
import { ensureDir, writeFileAtomic } from '../study/files.js';
import type { ModelSummary, PairCounts, PublishedComparison, PublishedFigure, StudySummary } from '../study/types.js';

// a fraction as a percentage: 0.9512 -> '95.12' (the tables name the unit), '95.12%' with unit '%'; '–' when missing
export function pct(x: number | null | undefined, digits = 2, unit = ''): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '–' : `${(x * 100).toFixed(digits)}${unit}`;
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

// '10/10', '10/10, 2 diverged, 1 collapsed': the finished runs and the flagged ones beside them
export function runsText(m: Pick<ModelSummary, 'n' | 'planned' | 'diverged' | 'collapsed'>, sep = '/'): string {
  const parts = [m.planned > 0 ? `${m.n}${sep}${m.planned}` : String(m.n)];
  if ((m.diverged ?? 0) > 0) parts.push(`${m.diverged} diverged`);
  if ((m.collapsed ?? 0) > 0) parts.push(`${m.collapsed} collapsed`);
  return parts.join(', ');
}

// said under the tables when a run diverged or collapsed ('' otherwise)
export function flaggedNote(s: StudySummary): string {
  const out: string[] = [];
  if (s.models.some((m) => (m.diverged ?? 0) > 0)) out.push('diverged = the loss became NaN or infinite and the run stopped: counted, kept in runs.jsonl, left out of every mean, sd and test');
  if (s.models.some((m) => (m.collapsed ?? 0) > 0)) out.push('collapsed = the run ends predicting one class for every test pair: included in the figures');
  return out.join('; ');
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

// a terminal's width the tables fit in: wider tables are cut into blocks of columns, each
// repeating the first (model) column
export const TABLE_WIDTH = 100;

// plain-text table with aligned columns (width counted in code points)
export function formatTable(t: Table, maxWidth = TABLE_WIDTH): string {
  const len = (s: string): number => [...s].length;
  // a column with no value in any row (e.g. Welch notes when every test ran) is left out
  const shown = t.head.map((_, i) => i === 0 || t.rows.some((r) => (r[i] ?? '') !== ''));
  const widths = t.head.map((h, i) => Math.max(len(h), ...t.rows.map((r) => len(r[i] ?? ''))));
  const cell = (s: string, i: number): string => {
    const pad = ' '.repeat(widths[i]! - len(s));
    return (t.align?.[i] ?? 'l') === 'r' ? pad + s : s + pad;
  };
  const blocks: number[][] = [];
  let cur = [0];
  let used = widths[0]!;
  for (let i = 1; i < widths.length; i++) {
    if (!shown[i]) continue;
    if (cur.length > 1 && used + 2 + widths[i]! > maxWidth) {
      blocks.push(cur);
      cur = [0];
      used = widths[0]!;
    }
    cur.push(i);
    used += 2 + widths[i]!;
  }
  blocks.push(cur);
  const block = (cols: number[]): string => {
    const line = (r: string[]): string => cols.map((i) => cell(r[i] ?? '', i)).join('  ').trimEnd();
    return [line(t.head), cols.map((i) => '─'.repeat(widths[i]!)).join('  '), ...t.rows.map(line)].join('\n');
  };
  return blocks.map(block).join('\n\n');
}

function countsText(c: PairCounts): string {
  const n = (k: number, what: string): string => `${intText(k)} ${what} pair${k === 1 ? '' : 's'}`;
  return `${n(c.train, 'training')}, ${n(c.test, 'test')}${c.validation > 0 ? ` (and ${n(c.validation, 'validation')})` : ''}${c.varied ? ' in the first run (the runs differ)' : ''}`;
}

// the pair counts the runs really used, grouped: '1,000 training pairs, 500 test pairs ... (a, b); ...'
// null when no run recorded them
export function pairCountsText(models: readonly ModelSummary[], label: (id: string) => string = (id) => id): string | null {
  const groups = new Map<string, { c: PairCounts; ids: string[] }>();
  for (const m of models) {
    if (m.pairs === null) continue;
    const k = JSON.stringify(m.pairs);
    const g = groups.get(k);
    if (g) g.ids.push(m.model);
    else groups.set(k, { c: m.pairs, ids: [m.model] });
  }
  if (groups.size === 0) return null;
  const list = [...groups.values()];
  if (list.length === 1 && list[0]!.ids.length === models.filter((m) => m.n > 0).length) return countsText(list[0]!.c);
  return list.map((g) => `${countsText(g.c)} (${g.ids.map(label).join(', ')})`).join('; ');
}

export function summaryNotes(): string {
  return 'accuracies in %; sd = sample standard deviation (n-1); 95% CI of the mean from the t distribution (n-1 df), from 3 runs on, clamped to 0-100%; best-epoch = best epoch of each run chosen on the test set (optimistic).';
}

// text cut into lines of at most `width` characters at spaces (a longer word stays whole)
export function wrapWords(text: string, width = TABLE_WIDTH): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && [...line].length + 1 + [...word].length > width) {
      out.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  out.push(line);
  return out;
}

// the terminal table: summary, then the Welch tests
export function formatSummary(s: StudySummary): string {
  const out = [formatTable(summaryTable(s)), '', ...wrapWords(summaryNotes())];
  if (flaggedNote(s) !== '') out.push(...wrapWords(flaggedNote(s)));
  const pairs = pairCountsText(s.models);
  if (pairs !== null) out.push(...wrapWords(`pairs per run: ${pairs}`));
  if (s.welch.length > 0) {
    out.push('', ...wrapWords(`Welch's t-test against ${s.baseline} (final test accuracy, two-sided; CI of the difference clamped to ±100 pp):`), formatTable(welchTable(s)));
  }
  return out.join('\n');
}

function mdTable(t: Table): string {
  const esc = (c: string): string => c.replace(/\|/g, '\\|');
  const sep = t.head.map((_, i) => ((t.align?.[i] ?? 'l') === 'r' ? '---:' : '---'));
  return [t.head, sep, ...t.rows].map((r) => `| ${r.map(esc).join(' | ')} |`).join('\n');
}

export function summaryMarkdown(s: StudySummary): string {
  const out = [`# Study ${s.study}`.trimEnd(), '', mdTable(summaryTable(s)), '', summaryNotes()];
  if (flaggedNote(s) !== '') out.push('', flaggedNote(s));
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

// writes summary.json, summary.csv and summary.md into dir (each atomically)
export function writeSummary(dir: string, s: StudySummary): { json: string; csv: string; md: string } {
  ensureDir(dir);
  const paths = { json: join(dir, 'summary.json'), csv: join(dir, 'summary.csv'), md: join(dir, 'summary.md') };
  writeFileAtomic(paths.json, JSON.stringify(s, null, 2) + '\n');
  writeFileAtomic(paths.csv, summaryCsv(s));
  writeFileAtomic(paths.md, summaryMarkdown(s));
  return paths;
}
