// the study page in a real browser: a synthetic study (3 models x 3 rounds) is written to a temp
// dir, the page is rendered, opened via file:// in headless Chromium; every chart and table must
// be present and non-empty, the page must log no errors. The HTML-only checks run without a browser; PAIRBENCH_KEEP_TMP=1 keeps the screenshots.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { RunRecord } from '../../src/train/types.js';
import type { ModelDescription, PublishedFigure, StudyMeta } from '../../src/study/types.js';
import { fakeMeta, fakeRun } from '../helpers/fake-study.js';
import { writeStudyPage } from '../../src/report/page.js';
import { CHROMIUM_PATH, skipUnless } from '../helpers/components.js';
import { tempDir } from '../helpers/tmp.js';


const MODELS = ['lenet-transfer/baseline', 'lenet-transfer/weight-sharing', 'lenet-transfer/transfer-learning'];
const LEVELS = [0.81, 0.86, 0.94];
const DESCRIPTIONS: ModelDescription[] = [
  { id: MODELS[0]!, params: 143906, description: 'flatten 392 -> 256 -> 128 -> 64 -> 32 -> 2', ours: ['layer sizes (the report has 146,588 parameters)'] },
  { id: MODELS[1]!, params: 63242, description: 'shared LeNet branch; concat 168 -> 20 -> 2', ours: ['batch 100'] },
];
const PUBLISHED: PublishedFigure[] = [
  { model: MODELS[0]!, report: 'lenet-transfer', mean: 0.81, bestEpoch: false, note: '' },
  { model: MODELS[2]!, report: 'lenet-transfer', mean: 0.94, bestEpoch: false, note: 'mean of 15 rounds' },
];

function writeStudy(dir: string, meta: StudyMeta, runs: RunRecord[], torn = false): void {
  writeFileSync(join(dir, 'study.json'), JSON.stringify(meta, null, 2));
  const text = runs.map((r) => JSON.stringify(r) + '\n').join('') + (torn ? '{"model":"lenet-transfer/baseline","rou' : '');
  writeFileSync(join(dir, 'runs.jsonl'), text);
}

interface PageCheck {
  charts: { kind: string; paths: number }[];
  tables: { cls: string; rows: number; cells: number }[];
  sections: string[];
}

async function inBrowser(file: string, screenshot: string): Promise<{ check: PageCheck; errors: string[] }> {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const errors: string[] = [];
  try {
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    page.on('requestfailed', (r) => errors.push(`requestfailed: ${r.url()}`));
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    const check = await page.evaluate(`(() => ({
      charts: [...document.querySelectorAll('figure.chart')].map((f) => ({
        kind: f.getAttribute('data-chart'),
        paths: f.querySelectorAll('svg path, svg rect, svg text').length,
        box: f.querySelector('svg') ? f.querySelector('svg').getBoundingClientRect().width : 0,
      })),
      tables: [...document.querySelectorAll('table')].map((t) => ({ cls: t.className, rows: t.querySelectorAll('tbody tr').length, cells: [...t.querySelectorAll('tbody td')].filter((td) => td.textContent.trim() !== '').length })),
      sections: [...document.querySelectorAll('section')].map((s) => s.id),
    }))()`) as PageCheck & { charts: { box: number }[] };
    for (const c of check.charts) assert.ok(c.box > 0, `chart ${c.kind} has zero width`);
    await page.screenshot({ path: screenshot, fullPage: true });
    return { check, errors };
  } finally {
    await browser.close();
  }
}

const skip = skipUnless('chromium', existsSync(CHROMIUM_PATH), `${CHROMIUM_PATH} not found: install Debian's chromium (apt-get install chromium) to run the study page in a browser`);

function fullStudy(dir: string): string {
  const runs = MODELS.flatMap((m, i) => [0, 1, 2].map((round) => fakeRun(m, round, LEVELS[i]!, 12, m.endsWith('transfer-learning') ? 6 : 0)));
  writeStudy(dir, fakeMeta(MODELS, 3, 12), runs);
  return writeStudyPage(dir, { models: DESCRIPTIONS, published: PUBLISHED });
}

function partialStudy(dir: string): string {
  const runs = [fakeRun(MODELS[0]!, 0, 0.81, 8), fakeRun(MODELS[0]!, 1, 0.81, 8), fakeRun(MODELS[1]!, 0, 0.86, 8, 0, false)];
  const noCounts = runs[2]! as unknown as Record<string, unknown>;
  noCounts['pairCounts'] = [];
  noCounts['errorCounts'] = [];
  writeStudy(dir, fakeMeta(MODELS, 3, 8), runs, true);
  return writeStudyPage(dir);
}

function emptyStudy(dir: string): string {
  writeStudy(dir, fakeMeta(MODELS, 2, 5), []);
  return writeStudyPage(dir);
}

// the HTML checks need no browser: they run everywhere
test('study page HTML: self-contained, titled heat map, sample sd, our choices marked', (t) => {
  const html = readFileSync(fullStudy(tempDir(t, 'report')), 'utf8');
  assert.doesNotMatch(html, /<script/i, 'the page needs no script');
  assert.doesNotMatch(html, /(src|href)="https?:/i, 'the page loads nothing from the network');
  assert.match(html, /<title>digit 1 = 3, digit 2 = 5: \d+ of \d+ test pairs misclassified/);
  assert.match(html, /<em>sample<\/em> standard deviation \(n−1\)/);
  assert.match(html, /ours<\/span> layer sizes/);
});

test('study page HTML of a partial study: one run, no runs, no digit counts, torn last line', (t) => {
  const html = readFileSync(partialStudy(tempDir(t, 'report-partial')), 'utf8');
  assert.match(html, /Partial study: 3 of 9 runs finished/);
  assert.match(html, /no per-digit counts recorded/);
  assert.match(html, /incomplete line/);
});

test('study page HTML of a study with no runs yet', (t) => {
  assert.match(readFileSync(emptyStudy(tempDir(t, 'report-empty')), 'utf8'), /No finished runs yet/);
});

test('study page in chromium: 3 models x 3 rounds, every chart and table present, no errors', { skip, timeout: 120_000 }, async (t) => {
  const dir = tempDir(t, 'report');
  const file = fullStudy(dir);
  const shot = join(dir, 'screenshot.png');
  const { check, errors } = await inBrowser(file, shot);
  assert.deepEqual(errors, []);
  const kinds = check.charts.map((c) => c.kind);
  for (const k of ['test-accuracy', 'train-loss', 'boxplot', 'cost']) assert.ok(kinds.includes(k), `chart ${k} missing (have ${kinds.join(', ')})`);
  assert.equal(kinds.filter((k) => k === 'heatmap').length, 3, 'one heat map per model');
  for (const c of check.charts) assert.ok(c.paths > 10, `chart ${c.kind} is empty (${c.paths} elements)`);
  const cls = check.tables.map((t) => t.cls);
  for (const k of ['summary', 'published', 'welch', 'kv', 'seeds']) assert.ok(cls.includes(k), `table ${k} missing (have ${cls.join(', ')})`);
  for (const t of check.tables) assert.ok(t.rows > 0 && t.cells > 0, `table ${t.cls} is empty`);
  for (const s of ['summary', 'curves', 'distribution', 'heatmaps', 'cost', 'welch', 'models', 'config']) assert.ok(check.sections.includes(s), `section ${s} missing`);
  assert.ok(existsSync(shot) && readFileSync(shot).length > 10_000, 'screenshot saved');
});

test('study page in chromium: a partial study renders without errors', { skip, timeout: 120_000 }, async (t) => {
  const dir = tempDir(t, 'report-partial');
  const { errors, check } = await inBrowser(partialStudy(dir), join(dir, 'screenshot.png'));
  assert.deepEqual(errors, []);
  assert.ok(check.charts.some((c) => c.kind === 'test-accuracy'));
});

test('study page in chromium: a study with no runs yet renders without errors', { skip, timeout: 60_000 }, async (t) => {
  const dir = tempDir(t, 'report-empty');
  const { errors } = await inBrowser(emptyStudy(dir), join(dir, 'screenshot.png'));
  assert.deepEqual(errors, []);
});
