// the study page: one self-contained index.html (inline CSS and SVG, no script, no network)
import { join } from 'node:path';
import type { RunRecord } from '../train/types.js';
import { ensureDir, readMetaIfPresent, readRunsFile, writeFileAtomic } from '../study/files.js';
import { fiveNumbers, groupRuns, summarizeStudy } from '../study/stats.js';
import { ciText, flaggedNote, intText, meanSd, pairCountsText, pct, pp, pValueText, rangeText, runsText, secondsText } from './summary.js';
import { comboText, type GridPageInfo } from '../study/grid.js';
import type { ModelDescription, ModelSummary, PublishedFigure, SampleStats, StudyMeta, StudySummary } from '../study/types.js';
import { boxplotOption, colorFor, costOption, curveBandOption, HEAT, heatmapOption } from './charts.js';
import type { BoxGroup, CostRow } from './charts.js';
import { epochCurve, pairMatrix, pretrainEpochs, shortLabels } from './data.js';
import type { ModelCurve, PairMatrix } from './data.js';
import { renderSvg } from './svg.js';

export interface StudyPageInput {
  meta: StudyMeta | null; // null when study.json is missing: the page still renders the runs
  runs: RunRecord[];
  models?: ModelDescription[]; // descriptions with the choices that are ours
  published?: PublishedFigure[]; // a report's figures, shown beside ours
  baseline?: string; // for the Welch tests (default: config.baseline, else the first model)
  summary?: StudySummary; // computed from runs when absent
  generated?: string; // ISO time of rendering (default: now)
  tornLastLine?: boolean; // runs.jsonl ended in a torn line (skipped)
  grid?: GridPageInfo; // a grid search: its search stage (the runs above are its final rounds)
  rejectedLines?: number[]; // damaged lines of runs.jsonl that were skipped
}

// what writeStudyPage takes: meta and runs are read from the directory unless given
export type StudyPageOptions = Omit<StudyPageInput, 'meta' | 'runs' | 'tornLastLine' | 'rejectedLines'> & { meta?: StudyMeta | null; runs?: RunRecord[] };

const WIDTH = 960;

export function esc(s: unknown): string {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

interface Cell {
  html: string;
  num?: boolean;
  cls?: string;
}

function table(head: (string | Cell)[], rows: (string | Cell)[][], cls = ''): string {
  const c = (x: string | Cell): Cell => (typeof x === 'string' ? { html: esc(x) } : x);
  const th = head.map((h) => {
    const x = c(h);
    return `<th${x.num ? ' class="num"' : ''}>${x.html}</th>`;
  });
  const tr = rows.map(
    (r) =>
      `<tr>${r
        .map((v) => {
          const x = c(v);
          const k = [x.num ? 'num' : '', x.cls ?? ''].filter(Boolean).join(' ');
          return `<td${k ? ` class="${k}"` : ''}>${x.html}</td>`;
        })
        .join('')}</tr>`,
  );
  return `<div class="table-wrap"><table${cls ? ` class="${cls}"` : ''}><thead><tr>${th.join('')}</tr></thead><tbody>${tr.join('\n')}</tbody></table></div>`;
}

const num = (s: string): Cell => ({ html: esc(s), num: true });

function figure(kind: string, svg: string, caption: string): string {
  return `<figure class="chart" data-chart="${esc(kind)}">${svg}<figcaption><strong>How to read:</strong> ${caption}</figcaption></figure>`;
}

function empty(text: string): string {
  return `<p class="empty">${esc(text)}</p>`;
}

interface Model {
  id: string;
  label: string;
  color: string;
  runs: RunRecord[];
}

function legend(models: readonly Model[]): string {
  const items = models.map(
    (m) => `<span class="key${m.runs.length === 0 ? ' none' : ''}"><i style="background:${m.color}"></i>${esc(m.label)}${m.runs.length === 0 ? ' (no runs yet)' : ''}</span>`,
  );
  return `<div class="legend">${items.join('')}</div>`;
}

function curvesSection(models: readonly Model[]): string {
  const withRuns = models.filter((m) => m.runs.length > 0);
  if (withRuns.length === 0) return `<section id="curves"><h2>Learning curves</h2>${empty('No finished runs yet.')}</section>`;
  const curves = (pick: (r: RunRecord['metrics'][number]) => number | undefined): ModelCurve[] =>
    withRuns.map((m) => ({ model: m.id, label: m.label, color: m.color, points: epochCurve(m.runs, pick), pretrainEpochs: pretrainEpochs(m.runs) }));
  const acc = curves((e) => e.testAccuracy);
  const loss = curves((e) => e.trainLoss);
  const pre = acc.filter((c) => c.pretrainEpochs > 0);
  const preNote = pre.length > 0 ? ` Epochs 1–${Math.max(...pre.map((c) => c.pretrainEpochs))} of ${pre.map((c) => esc(c.label)).join(', ')} are a pretraining phase on single digits.` : '';
  const oneRun = withRuns.filter((m) => m.runs.length === 1);
  const oneNote = oneRun.length > 0 ? ` ${oneRun.map((m) => esc(m.label)).join(', ')}: one run so far, no band.` : '';
  return `<section id="curves"><h2>Learning curves</h2>${legend(models)}
<h3>Test accuracy per epoch</h3>
${figure('test-accuracy', renderSvg(curveBandOption(acc, { yName: 'test accuracy (%)', percent: true, floor: 0, ceiling: 1 }), WIDTH, 400), `each line is a model's mean test accuracy over its runs at that epoch; the shaded band spans mean ± 1 sd (sample sd, n−1), cut at 0 and 100%.${oneNote}${preNote}`)}
<h3>Training loss per epoch</h3>
${figure('train-loss', renderSvg(curveBandOption(loss, { yName: 'train loss', percent: false, floor: 0 }), WIDTH, 360), `mean ± 1 sd (cut at 0) of the total training loss (auxiliary terms included), averaged over each epoch's batches. Models with different losses (BCE, cross-entropy, MSE, weighted auxiliary terms) are not on one scale: compare shapes, not heights.`)}
</section>`;
}

function boxSection(models: readonly Model[]): string {
  if (models.every((m) => m.runs.length === 0)) return `<section id="distribution"><h2>Final test accuracy per run</h2>${empty('No finished runs yet.')}</section>`;
  const groups: BoxGroup[] = models.map((m) => {
    const values = m.runs.map((r) => r.testAccuracy).filter((v) => Number.isFinite(v));
    return { model: m.id, label: m.label, color: m.color, values, five: fiveNumbers(values) };
  });
  const h = 70 + 36 * models.length;
  return `<section id="distribution"><h2>Final test accuracy per run</h2>
${figure('boxplot', renderSvg(boxplotOption(groups, { xName: 'final-epoch test accuracy (%)', percent: true }), WIDTH, h), 'the box holds the middle half of the runs (first to third quartile), the line inside it is the median, the whiskers reach the lowest and highest run; each dot is one run. A model with one run is a single line.')}
</section>`;
}

function heatCard(m: Model, pm: PairMatrix | null, max: number): string {
  if (m.runs.length === 0) return `<div class="heat-card"><h4>${esc(m.label)}</h4>${empty('no runs yet')}</div>`;
  if (pm === null) return `<div class="heat-card"><h4>${esc(m.label)}</h4>${empty('no per-digit counts recorded')}</div>`;
  const svg = renderSvg(heatmapOption({ pairs: pm.pairs, errors: pm.errors, max }), HEAT.width, HEAT.height).replace(/^<svg /, '<svg x="0" y="0" ');
  const cell = HEAT.size / 10;
  const rects: string[] = [];
  let errs = 0;
  let total = 0;
  for (let i = 0; i < 10; i++) {
    for (let j = 0; j < 10; j++) {
      const n = pm.pairs[i]![j]!;
      const e = pm.errors[i]![j]!;
      errs += e;
      total += n;
      const share = n > 0 ? ` (${((e / n) * 100).toFixed(1)}%)` : '';
      rects.push(
        `<rect x="${HEAT.left + j * cell}" y="${HEAT.top + i * cell}" width="${cell}" height="${cell}" fill="transparent"><title>digit 1 = ${i}, digit 2 = ${j}: ${e} of ${n} test pairs misclassified${share}</title></rect>`,
      );
    }
  }
  const overall = total > 0 ? `${((errs / total) * 100).toFixed(1)}% of ${total.toLocaleString('en-US')} pairs wrong` : '';
  return `<div class="heat-card"><h4>${esc(m.label)}</h4><figure class="chart heat" data-chart="heatmap"><svg width="${HEAT.width}" height="${HEAT.height}" viewBox="0 0 ${HEAT.width} ${HEAT.height}" xmlns="http://www.w3.org/2000/svg">${svg}<g class="hover">${rects.join('')}</g></svg></figure><p class="sub">${esc(overall)} · ${pm.runs} run${pm.runs === 1 ? '' : 's'}</p></div>`;
}

function heatSection(models: readonly Model[]): string {
  const mats = models.map((m) => pairMatrix(m.runs));
  let max = 0;
  for (const pm of mats) {
    if (pm === null) continue;
    for (let i = 0; i < 10; i++) for (let j = 0; j < 10; j++) if (pm.pairs[i]![j]! > 0) max = Math.max(max, pm.errors[i]![j]! / pm.pairs[i]![j]!);
  }
  if (max === 0) max = 0.01;
  const scale = `<div class="scale"><span>0%</span><i></i><span>${(max * 100).toFixed(0)}%</span></div>`;
  return `<section id="heatmaps"><h2>Where the models err: digit pairs</h2>
<p class="how"><strong>How to read:</strong> row = first digit, column = second digit; each cell is the share of those test pairs the model got wrong, in %, summed over all its runs (hover a cell for the counts). Equal and neighbouring digits (on and next to the diagonal) are the hard cases. The colour scale is the same for every model:</p>${scale}
<div class="heat-grid">${models.map((m, i) => heatCard(m, mats[i]!, max)).join('\n')}</div></section>`;
}

function costSection(models: readonly Model[], s: StudySummary): string {
  const by = new Map(s.models.map((m) => [m.model, m]));
  const rows: CostRow[] = models.map((m) => ({ label: m.label, color: m.color, seconds: by.get(m.id)?.meanSeconds ?? null, params: by.get(m.id)?.params ?? null }));
  if (rows.every((r) => r.seconds === null && r.params === null)) return `<section id="cost"><h2>Cost</h2>${empty('No finished runs yet.')}</section>`;
  const h = 50 + 30 * models.length;
  return `<section id="cost"><h2>Cost: time and size</h2>
${figure('cost', renderSvg(costOption(rows), WIDTH, h), 'mean wall-clock training seconds per run on this machine (see Environment below; workers ran in parallel, so a run\'s time depends on the load), and the number of trainable parameters.')}
</section>`;
}

function summarySection(s: StudySummary, models: readonly Model[]): string {
  const color = new Map(models.map((m) => [m.id, m]));
  const name = (id: string): Cell => {
    const md = color.get(id);
    return { html: `<span class="dot" style="background:${md?.color ?? '#999'}"></span>${esc(md?.label ?? id)}`, cls: 'model' };
  };
  const head: (string | Cell)[] = ['model', num('runs'), num('test acc. % mean ± sd'), num('95% CI of mean'), num('median'), num('min–max'), num('best epoch % ¹'), num('s / run'), num('params')];
  const rows = s.models.map((m) => {
    return [name(m.model), num(runsText(m, ' / ')), { html: `<strong>${esc(meanSd(m.test))}</strong>`, num: true }, num(ciText(m.test.ci95)), num(pct(m.test.median)), num(rangeText(m.test)), num(meanSd(m.bestTest)), num(secondsText(m.meanSeconds)), num(intText(m.params))];
  });
  let published = '';
  const pubs = s.models.filter((m) => m.published !== null);
  if (pubs.length > 0) {
    const diff = (d: number | null): Cell => ({ html: esc(pp(d)), num: true, cls: d === null ? '' : d >= 0 ? 'pos' : 'neg' });
    const ours = (m: ModelSummary): SampleStats => (m.published!.against === 'bestTestAccuracy' ? m.bestTest : m.test);
    // only the columns some figure fills
    const cols: { head: string | Cell; show: boolean; cell: (m: ModelSummary) => string | Cell }[] = [
      { head: 'model', show: true, cell: (m) => name(m.model) },
      { head: 'selection', show: true, cell: (m) => ({ html: m.published!.against === 'bestTestAccuracy' ? '<span class="tag">best epoch</span>' : 'final epoch', cls: 'nowrap' }) },
      { head: num('published %'), show: true, cell: (m) => { const f = m.published!.figure; return num(f.mean !== undefined ? meanSd(f) : f.sd !== undefined ? `sd ${pct(f.sd)}` : '–'); } },
      { head: num('published range'), show: pubs.some((m) => m.published!.figure.min !== undefined || m.published!.figure.max !== undefined), cell: (m) => num(rangeText({ min: m.published!.figure.min ?? null, max: m.published!.figure.max ?? null })) },
      { head: num('ours %'), show: true, cell: (m) => ({ html: `<strong>${esc(meanSd(ours(m)))}</strong>`, num: true }) },
      { head: num('ours range'), show: true, cell: (m) => num(rangeText(ours(m))) },
      { head: num('Δ mean'), show: pubs.some((m) => m.published!.diffMean !== null), cell: (m) => diff(m.published!.diffMean) },
      { head: num('Δ sd'), show: pubs.some((m) => m.published!.diffSd !== null), cell: (m) => diff(m.published!.diffSd) },
      { head: num('Δ min'), show: pubs.some((m) => m.published!.diffMin !== null), cell: (m) => diff(m.published!.diffMin) },
      { head: num('Δ max'), show: pubs.some((m) => m.published!.diffMax !== null), cell: (m) => diff(m.published!.diffMax) },
      { head: 'note', show: pubs.some((m) => m.published!.figure.note !== '' || m.published!.figure.rounds !== undefined), cell: (m) => { const f = m.published!.figure; const r = f.rounds !== undefined ? `${f.rounds} run${f.rounds === 1 ? '' : 's'}. ` : ''; return { html: esc(r + f.note), cls: 'sub' }; } },
    ];
    const shown = cols.filter((c) => c.show);
    const phead = shown.map((c) => c.head);
    const prow = pubs.map((m) => shown.map((c) => c.cell(m)));
    published = `<h3>Beside the published figures</h3>
${table(phead, prow, 'published')}
<p class="notes">Accuracies in % as mean ± sd (or the sd alone where a report gives no mean). Δ = ours − published, in percentage points, each compared with our figure of the same selection: the final epoch, or the best epoch of each run chosen on the test set where the report did that.</p>`;
  }
  return `<section id="summary"><h2>Summary</h2>
${table(head, rows, 'summary')}
${flaggedNote(s) !== '' ? `<p class="notes"><strong>${esc(flaggedNote(s))}.</strong></p>\n` : ''}<p class="notes">Accuracy on the test pairs at the final epoch, in %. sd is the <em>sample</em> standard deviation (n−1); the 95% confidence interval of the mean uses the t distribution with n−1 degrees of freedom (shown once a model has 3 runs, clamped to 0–100%). ¹ Best epoch: the best epoch of each run, chosen on the test set, as some reports did; it is optimistic and is shown only for comparison with them. For context: public results on this task reach about 87–88% using the binary target alone and about 97–98% when the digit labels are used for training.</p>
${published}
</section>`;
}

function gridSection(g: GridPageInfo, labels: Map<string, string>): string {
  const name = (id: string): string => labels.get(id) ?? id;
  const score = (v: number, sd: number | null): string => (Number.isFinite(v) ? `${pct(v)}${sd === null ? '' : ` ± ${pct(sd)}`}` : '–');
  const same = (x: Readonly<Record<string, unknown>>, c: Readonly<Record<string, unknown>>): boolean => g.axes.every((a) => (x[a.tag] ?? null) === (c[a.tag] ?? null));
  const winners = g.winners.map((w) => {
    const best = w.best === null ? null : w.scores.find((x) => same(x, w.best!)) ?? null;
    const trained = w.scores.filter((x) => x.n > 0).length;
    return [
      name(w.model),
      w.best === null ? { html: '<em>no winner (no search run finished)</em>' } : { html: `${esc(comboText(w.best, w.model))}${w.complete ? '' : ' <span class="tag">provisional</span>'}` },
      num(best === null ? '–' : score(best.validation, best.sd)),
      num(`${trained} / ${w.scores.length}`),
    ];
  });
  const all = g.winners.flatMap((w) =>
    [...w.scores]
      .sort((a, b) => (Number.isFinite(b.validation) ? b.validation : -1) - (Number.isFinite(a.validation) ? a.validation : -1))
      .map((x) => {
        const win = w.best !== null && same(x, w.best);
        return [name(w.model), ...g.axes.map((a) => num(x[a.tag] === null || x[a.tag] === undefined ? '–' : String(x[a.tag]))), { html: win ? `<strong>${esc(score(x.validation, x.sd))}</strong>` : esc(score(x.validation, x.sd)), num: true }, num(`${x.n} / ${g.k}`)];
      }),
  );
  const part = Math.round(g.validationFraction * 100);
  const names = g.axes.map((a) => a.name);
  return `<section id="grid"><h2>Grid search</h2>
${table(['model', `winner (${g.axes.map((a) => a.key).join(', ')})`, num('validation % mean ± sd'), num('combinations trained')], winners, 'grid')}
<p class="notes">Each combination of ${esc(names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}` : names.join(''))} (where the model has it) trained on ${100 - part}% of the training pairs over ${g.k} seed${g.k === 1 ? '' : 's'} and scored on the other ${part}% at the final epoch (the test pairs are never used to select); the best mean validation accuracy wins. The summary above holds the final rounds with each winner, trained on all training pairs. ${esc(`${g.searchDone} of ${g.searchPlanned} search runs finished.`)}</p>
<details><summary>Every combination (${all.length})</summary>${table(['model', ...g.axes.map((a) => num(a.key)), num('validation % mean ± sd'), num('seeds')], all, 'grid-all')}</details>
</section>`;
}

function welchSection(s: StudySummary, models: readonly Model[]): string {
  const label = new Map(models.map((m) => [m.id, m.label]));
  if (s.baseline === null || s.welch.length === 0) return `<section id="welch"><h2>Differences against the baseline</h2>${empty('Needs at least two models.')}</section>`;
  const rows = s.welch.map((w) => {
    const sig = w.p !== null && w.p < 0.05;
    return [
      label.get(w.model) ?? w.model,
      num(`${w.nModel} vs ${w.nBaseline}`),
      { html: esc(pp(w.diff)), num: true, cls: w.diff === null ? '' : w.diff >= 0 ? 'pos' : 'neg' },
      num(w.ci95 ? `[${pp(w.ci95[0])}, ${pp(w.ci95[1])}]` : '–'),
      num(w.df === null ? '–' : w.df.toFixed(1)),
      num(w.t === null ? '–' : w.t.toFixed(2)),
      { html: sig ? `<strong>${esc(pValueText(w.p))}</strong>` : esc(pValueText(w.p)), num: true },
      w.note,
    ];
  });
  return `<section id="welch"><h2>Differences against the baseline: ${esc(label.get(s.baseline) ?? s.baseline)}</h2>
${table(['model', num('runs'), num('diff (pp)'), num('95% CI of diff (pp)'), num('df'), num('t'), num('p'), 'note'], rows, 'welch')}
<p class="notes"><strong>How to read:</strong> diff = the model's mean final test accuracy minus the baseline's, in percentage points. Welch's two-sample t-test (unequal variances, Welch–Satterthwaite degrees of freedom), two-sided; p below 0.05 in bold; the CI of the difference is clamped to ±100 pp. No correction for multiple comparisons: with many models, expect some small p by chance.</p>
</section>`;
}

function modelsSection(models: readonly Model[], desc: readonly ModelDescription[] | undefined): string {
  const by = new Map((desc ?? []).map((d) => [d.id, d]));
  const items = models.map((m) => {
    const d = by.get(m.id);
    const params = d ? `<span class="sub">${intText(d.params)} parameters</span>` : '';
    const body = d ? `<p>${esc(d.description)}</p>` : `<p class="sub">No description supplied.</p>`;
    const ours = d && d.ours.length > 0 ? `<ul class="ours">${d.ours.map((o) => `<li><span class="tag ours">ours</span> ${esc(o)}</li>`).join('')}</ul>` : '';
    return `<div class="model-card" style="border-left-color:${m.color}"><h4>${esc(m.id)} ${params}</h4>${body}${ours}</div>`;
  });
  return `<section id="models"><h2>Models</h2><p class="how">Where a report is silent, the choice is pairbench's own and is marked <span class="tag ours">ours</span>.</p>${items.join('\n')}</section>`;
}

function kv(rows: [string, string][]): string {
  return table(['', ''], rows.map(([k, v]) => [{ html: esc(k), cls: 'key' }, v]), 'kv');
}

function configSection(meta: StudyMeta | null, models: readonly Model[]): string {
  if (meta === null) return `<section id="config"><h2>Study configuration</h2>${empty('study.json is missing: configuration unknown.')}</section>`;
  const c = meta.config;
  const recipe = (v: number | null | undefined): string => (v === null || v === undefined ? "each model's own recipe" : String(v));
  const rows: [string, string][] = [
    ['study', meta.name],
    ['kind', meta.kind],
    ['models', c.models.join(', ')],
    ['rounds', recipe(c.rounds)],
    ['epochs', recipe(c.epochs)],
    ['batch size', recipe(c.batchSize)],
    ['study seed', String(c.seed)],
    ['workers', String(c.workers)],
  ];
  if (c.baseline !== undefined) rows.push(['baseline', c.baseline]);
  if (c.report !== undefined) rows.push(['report', c.report]);
  if (c.shortened !== undefined) rows.push(['protocol', c.shortened ? "shortened (fewer rounds or epochs than the report's)" : "the report's own"]);
  if (c.trainPairs !== undefined) rows.push(['train pairs', String(c.trainPairs)]);
  if (c.testPairs !== undefined) rows.push(['test pairs', String(c.testPairs)]);
  for (const [k, v] of Object.entries(c.extra ?? {})) rows.push([k, typeof v === 'string' ? v : JSON.stringify(v)]);
  for (const [name, v] of Object.entries(c.variants ?? {})) rows.push([`variant ${name}`, `${v.id} with ${Object.entries(v.set).map(([k, x]) => `${k} ${x}`).join(', ') || 'its defaults'}`]);
  if (c.grid !== undefined) rows.push(['grid', `${Object.entries(c.grid.axes).map(([k, xs]) => `${k} ${xs.join(', ')}`).join('; ')}; ${c.grid.k} seeds per combination; ${Math.round(c.grid.validationFraction * 100)}% of the training pairs to select on`]);
  const e = meta.environment;
  const env: [string, string][] = e
    ? [
        ['pairbench', e.pairbench],
        ['node', e.node],
        ['os', e.os],
        ['cpu', `${e.cpu} (${e.cores} cores)`],
        ['backend', e.backend],
        ['created', e.created],
      ]
    : [];
  // the machines that trained the runs (a queue study spreads them over several)
  const hosts = new Map<string, number>();
  for (const m of models) {
    for (const r of m.runs as readonly { host?: unknown }[]) if (typeof r.host === 'string') hosts.set(r.host, (hosts.get(r.host) ?? 0) + 1);
  }
  if (hosts.size > 0) env.push(['trained on', [...hosts].map(([h, n]) => `${h} (${n} run${n === 1 ? '' : 's'})`).join(', ')]);
  // seeds: per model, round:seed, finished ones set apart from pending ones
  const done = new Set(models.flatMap((m) => m.runs.map((r) => `${r.model}#${r.round}`)));
  const byModel = new Map<string, string[]>();
  for (const p of meta.runs) {
    const list = byModel.get(p.model) ?? [];
    const ok = done.has(`${p.model}#${p.round}`);
    list.push(`<span class="${ok ? 'done' : 'pending'}" title="round ${p.round}${ok ? ', finished' : ', not finished yet'}">${p.round}:${p.seed}</span>`);
    byModel.set(p.model, list);
  }
  const seedRows = [...byModel.entries()].map(([id, list]) => [id, { html: `<span class="seeds">${list.join(' ')}</span>` }]);
  const seeds =
    seedRows.length > 0
      ? `<details><summary>Per-run seeds (round:seed; grey = not finished yet)</summary>${table(['model', 'seeds'], seedRows, 'seeds')}</details>`
      : empty('No planned runs recorded.');
  return `<section id="config"><h2>Study configuration</h2><div class="two-col"><div><h3>Config</h3>${kv(rows)}</div><div><h3>Environment</h3>${env.length > 0 ? kv(env) : empty('not recorded')}</div></div><h3>Seeds</h3>${seeds}</section>`;
}

const CSS = `
:root{--fg:#1f2937;--muted:#6b7280;--line:#e5e7eb;--bg:#ffffff;--soft:#f8fafc;--accent:#2563eb}
*{box-sizing:border-box}
body{margin:0;background:var(--soft);color:var(--fg);font:15px/1.55 -apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,sans-serif}
main{max-width:1180px;margin:0 auto;padding:28px 24px 64px}
header{margin-bottom:12px}
h1{font-size:28px;margin:0 0 4px;letter-spacing:-.01em}
h2{font-size:20px;margin:0 0 14px;padding-bottom:6px;border-bottom:1px solid var(--line)}
h3{font-size:15px;margin:18px 0 8px;color:#374151}
h4{font-size:14px;margin:0 0 6px}
section{background:var(--bg);border:1px solid var(--line);border-radius:10px;padding:20px 22px;margin:18px 0;box-shadow:0 1px 2px rgba(0,0,0,.03)}
nav{display:flex;flex-wrap:wrap;gap:6px 14px;font-size:13px;margin:10px 0 0}
nav a{color:var(--accent);text-decoration:none}
.meta-line{color:var(--muted);font-size:14px}
.banner{background:#fff7ed;border:1px solid #fed7aa;color:#9a3412;border-radius:8px;padding:8px 12px;margin:12px 0;font-size:14px}
.table-wrap{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:13.5px}
table.summary{font-size:13px}
table.summary th,table.summary td{padding:6px 7px}
th,td{padding:6px 10px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{font-weight:600;color:#374151;background:var(--soft);white-space:nowrap}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tbody tr:hover{background:#f1f5f9}
td.model{white-space:nowrap;font-weight:500}
td.nowrap{white-space:nowrap}
table.published{font-size:13px}
td.pos{color:#15803d}td.neg{color:#b91c1c}
.dot{display:inline-block;width:10px;height:10px;border-radius:50%;margin-right:7px;vertical-align:0}
.notes,.how,figcaption,.sub{color:var(--muted);font-size:13px}
.notes{margin:12px 0 0}
figure{margin:0}
figure.chart svg{display:block;max-width:100%;height:auto}
figcaption{margin-top:6px}
.legend{display:flex;flex-wrap:wrap;gap:4px 16px;font-size:13px;margin:0 0 4px}
.legend .key i{display:inline-block;width:18px;height:4px;border-radius:2px;margin-right:6px;vertical-align:middle}
.legend .key.none{color:var(--muted)}
.heat-grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(320px,1fr));gap:14px}
.heat-card{border:1px solid var(--line);border-radius:8px;padding:10px 10px 8px;background:#fff}
.heat-card figure svg{margin:0 auto}
.heat-card .sub{text-align:center}
.heat-card .sub{margin:2px 0 0}
.heat g.hover rect:hover{stroke:#111827;stroke-width:1.5}
.scale{display:flex;align-items:center;gap:6px;font-size:12px;color:var(--muted);margin:0 0 12px}
.scale i{display:inline-block;width:120px;height:10px;border-radius:2px;background:linear-gradient(90deg,#f7fbff,#fde6c8,#fdae6b,#e6550d,#a63603)}
.tag{display:inline-block;font-size:11px;padding:0 6px;border-radius:9px;background:#e0e7ff;color:#3730a3;vertical-align:1px}
.tag.ours{background:#fef3c7;color:#92400e}
.model-card{border-left:4px solid #999;padding:6px 12px;margin:10px 0}
.model-card p{margin:4px 0}
ul.ours{margin:4px 0;padding-left:18px;font-size:13.5px;list-style:none}
.two-col{display:grid;grid-template-columns:1fr 1fr;gap:20px}
@media (max-width:800px){.two-col{grid-template-columns:1fr}}
table.kv td.key{color:var(--muted);white-space:nowrap;width:1%}
table.kv thead{display:none}
.seeds{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12px;word-spacing:4px}
.seeds .pending{color:#9ca3af}
details summary{cursor:pointer;color:var(--accent);font-size:14px}
.empty{color:var(--muted);font-style:italic}
footer{color:var(--muted);font-size:12px;text-align:center}
`;

// what each run trained and was tested on: the counts recorded in the runs, else the configured ones
function pairsLine(s: StudySummary, meta: StudyMeta | null, labels: Map<string, string>): string {
  const recorded = pairCountsText(s.models, (id) => labels.get(id) ?? id);
  if (recorded !== null) return `Each run trains a fresh model on freshly drawn pairs and is tested on unseen pairs: ${recorded}.`;
  if (meta === null) return 'Each run trains a fresh model on freshly drawn pairs and is tested on unseen pairs.';
  const c = meta.config;
  return `Each run trains a fresh model on ${intText(c.trainPairs ?? 1000)} freshly drawn pairs and tests it on ${intText(c.testPairs ?? 1000)} unseen pairs (as configured; a recipe with a validation split uses half of them for validation).`;
}

export function renderStudyPage(input: StudyPageInput): string {
  const { meta, runs } = input;
  const opts: { baseline?: string; published?: PublishedFigure[] } = {};
  if (input.baseline !== undefined) opts.baseline = input.baseline;
  if (input.published !== undefined) opts.published = input.published;
  const s = input.summary ?? summarizeStudy(meta, runs, opts);
  const groups = groupRuns(runs);
  const ids = s.models.map((m) => m.model);
  const labels = shortLabels(ids);
  const models: Model[] = ids.map((id, i) => ({ id, label: labels.get(id) ?? id, color: colorFor(i), runs: groups.get(id) ?? [] }));
  const grid = input.grid;
  const title = meta?.kind === 'grid' ? `Grid search${meta.config.report ? ` · ${meta.config.report}` : ''}${meta.name && meta.name !== 'grid' ? ` · ${meta.name}` : ''}` : meta?.name ? `Study ${meta.name}` : 'Study';
  const planned = meta?.runs.length ?? 0;
  const finished = runs.length;
  const kind = meta ? `${meta.kind}${meta.config.report ? ` of ${meta.config.report}` : ''}` : 'study';
  const created = meta?.environment?.created ? ` · created ${esc(meta.environment.created)}` : '';
  const finalProgress = planned > 0 ? `${finished} of ${planned} planned run${planned === 1 ? '' : 's'} finished` : `${finished} run${finished === 1 ? '' : 's'}`;
  const progress = grid ? `search: ${grid.searchDone} of ${grid.searchPlanned} runs · final rounds: ${finalProgress}` : finalProgress;
  const banners: string[] = [];
  if (grid && grid.searchDone < grid.searchPlanned) banners.push(`Partial grid search: ${grid.searchDone} of ${grid.searchPlanned} search runs finished. Winners are provisional (among the combinations trained so far); a model with no finished search run has no winner.`);
  if (grid && planned === 0) banners.push('The final rounds have not started: the figures below fill in once the winners train.');
  if (planned > 0 && finished < planned) banners.push(`Partial study: ${finished} of ${planned} runs finished so far. Figures cover the finished runs only.`);
  if (meta?.config.shortened) banners.push("Shortened protocol: fewer rounds or epochs than the report used; its published figures are not directly comparable.");
  if ((input.rejectedLines ?? []).length > 0) banners.push(`runs.jsonl has damaged lines (${input.rejectedLines!.join(', ')}) that were skipped; resuming the study moves them to runs.rejected.jsonl and trains those runs again.`);
  if (input.tornLastLine) banners.push('runs.jsonl ended in an incomplete line (a run interrupted while being written); it was skipped.');
  if (meta === null) banners.push('study.json is missing: configuration and planned runs unknown.');
  const generated = input.generated ?? new Date().toISOString();
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} · pairbench</title>
<style>${CSS}</style></head>
<body><main>
<header><h1>${esc(title)}</h1>
<div class="meta-line">pairbench ${esc(kind)} · ${models.length} model${models.length === 1 ? '' : 's'} · ${esc(progress)}${created}</div>
<p class="meta-line">Task: two 14×14 MNIST digits in, predict whether the first is ≤ the second. ${esc(pairsLine(s, meta, labels))}</p>
${banners.map((b) => `<div class="banner">${esc(b)}</div>`).join('\n')}
<nav><a href="#summary">Summary</a>${grid ? '<a href="#grid">Grid search</a>' : ''}<a href="#curves">Learning curves</a><a href="#distribution">Per-run accuracy</a><a href="#heatmaps">Digit pairs</a><a href="#cost">Cost</a><a href="#welch">Welch tests</a><a href="#models">Models</a><a href="#config">Configuration</a></nav>
</header>
${summarySection(s, models)}
${grid ? gridSection(grid, labels) : ''}
${curvesSection(models)}
${boxSection(models)}
${heatSection(models)}
${costSection(models, s)}
${welchSection(s, models)}
${modelsSection(models, input.models)}
${configSection(meta, models)}
<footer>Generated by pairbench ${esc(meta?.environment?.pairbench ?? '')} on ${esc(generated)}. Self-contained page: no scripts, no network.</footer>
</main></body></html>
`;
}

// writes dir/index.html (atomically), from study.json + runs.jsonl unless meta and runs are given;
// the one way a page is written (the CLI's finishStudy comes here too). Returns its path.
export function writeStudyPage(dir: string, opts: StudyPageOptions = {}): string {
  const { meta: givenMeta, runs: givenRuns, ...rest } = opts;
  const meta = givenMeta !== undefined ? givenMeta : readMetaIfPresent(dir);
  const rf = givenRuns !== undefined ? { runs: givenRuns, tornLastLine: false, rejected: [] } : readRunsFile(dir);
  const html = renderStudyPage({ ...rest, meta, runs: rf.runs, tornLastLine: rf.tornLastLine, rejectedLines: rf.rejected.map((r) => r.line) });
  ensureDir(dir);
  const path = join(dir, 'index.html');
  writeFileAtomic(path, html);
  return path;
}
