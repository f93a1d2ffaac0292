// the CLI commands the other tests do not run: reproduce all (tiny), report (and --screenshot), start
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, cpSync, existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { modelsOfReport, REPORTS } from '../../src/models/registry.js';
import { CHROMIUM_PATH, skipUnless } from '../helpers/components.js';
import { fakeRun } from '../helpers/fake-study.js';
import { cli, cliAsync, readLines, tmp } from './cli-helpers.js';

const TINY = ['--rounds', '1', '--epochs', '1', '--train-pairs', '20', '--test-pairs', '20', '--workers', '2'];

// one small `reproduce all` shared by the report tests below
let reproduced: string | null = null;
function reproduceAll(): string {
  if (reproduced !== null) return reproduced;
  const dir = join(tmp('repro-all'), 'out');
  const r = cli(['reproduce', 'all', ...TINY, '--out', dir]);
  assert.equal(r.status, 0, r.stderr);
  reproduced = dir;
  return dir;
}

test('reproduce all: one study per report, each with its models, protocol and published figures', () => {
  const base = reproduceAll();
  for (const report of REPORTS) {
    const dir = join(base, report);
    const meta = JSON.parse(readFileSync(join(dir, 'study.json'), 'utf8'));
    assert.equal(meta.kind, 'reproduce', report);
    assert.equal(meta.config.report, report);
    assert.equal(meta.config.shortened, true);
    assert.deepEqual(meta.config.models, modelsOfReport(report).map((m) => m.id));
    assert.equal(readLines(dir).length, modelsOfReport(report).length, `${report}: one run per model`);
    for (const f of ['summary.json', 'summary.md', 'index.html']) assert.ok(existsSync(join(dir, f)), `${report}/${f}`);
  }
});

test('reproduce all --shard, resumed: the plan up front counts each shard\'s own finished runs', () => {
  const base = join(tmp('repro-shard'), 'out');
  cpSync(reproduceAll(), base, { recursive: true });
  for (const report of REPORTS) renameSync(join(base, report, 'runs.jsonl'), join(base, report, 'runs.shard-1-of-1.jsonl'));
  const r = cli(['reproduce', 'all', ...TINY, '--out', base, '--shard', '1/1']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^all 5 reports: 0 runs to train/m);
  assert.doesNotMatch(r.stdout, /^plan:/m);
  assert.equal((r.stdout.match(/runs finished; once every shard has: pairbench merge/g) ?? []).length, REPORTS.length);
});

test('report: rewrites the summaries and the page from runs.jsonl; a directory without a study is one clear line', () => {
  const dir = join(reproduceAll(), 'pillonel2020');
  const before = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
  for (const f of ['summary.json', 'summary.csv', 'summary.md', 'index.html']) rmSync(join(dir, f), { force: true });
  const r = cli(['report', dir]);
  assert.equal(r.status, 0, r.stderr);
  const after = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
  assert.deepEqual(after.models.map((m: { model: string; n: number }) => [m.model, m.n]), before.models.map((m: { model: string; n: number }) => [m.model, m.n]));
  assert.equal(after.models.length, 4);
  assert.ok(existsSync(join(dir, 'summary.csv')) && existsSync(join(dir, 'summary.md')));
  assert.match(readFileSync(join(dir, 'index.html'), 'utf8'), /pillonel2020\/model1/);
  const empty = tmp('no-study');
  const bad = cli(['report', empty]);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /^pairbench: .*study\.json does not exist: not a study directory.*\n$/);
});

const chromiumSkip = skipUnless('chromium', existsSync(CHROMIUM_PATH), `${CHROMIUM_PATH} not found: install Debian's chromium to test report --screenshot`);

test('report --screenshot: a PNG of the page', { skip: chromiumSkip, timeout: 120_000 }, () => {
  const dir = join(reproduceAll(), 'kropfhamer2022');
  const png = join(tmp('shot'), 'page.png');
  const r = cli(['report', dir, '--screenshot', png, '--screenshot-height', '600']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /screenshot: .*page\.png/);
  const bytes = readFileSync(png);
  assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'a PNG signature');
  assert.equal(bytes.readUInt32BE(16), 1200, 'the default width');
  assert.equal(bytes.readUInt32BE(20), 600, 'clipped to --screenshot-height');
});

test('start: the headline study (six lenet-transfer models, 10 rounds of 25 epochs, seed 1), resumed to the end', async () => {
  const dir = join(tmp('start'), 'headline');
  // the real command plans the study and starts training; stopped as soon as study.json exists
  const child = cliAsync(['start', '--out', dir, '--workers', '1']);
  const exited = new Promise((res) => child.on('exit', res));
  const t0 = Date.now();
  while (!existsSync(join(dir, 'study.json')) && Date.now() - t0 < 60_000) await sleep(50);
  child.kill('SIGKILL');
  await exited;
  const meta = JSON.parse(readFileSync(join(dir, 'study.json'), 'utf8'));
  assert.deepEqual(meta.config.models, modelsOfReport('lenet-transfer').map((m) => m.id));
  assert.equal(meta.config.rounds, 10);
  assert.equal(meta.config.epochs, 25);
  assert.equal(meta.config.seed, 1);
  assert.equal(meta.config.baseline, 'lenet-transfer/baseline');
  assert.equal(meta.runs.length, 60);
  // every planned run finished (synthetic records with the planned seeds): the rerun trains nothing and reports
  const have = existsSync(join(dir, 'runs.jsonl')) ? readLines(dir).map((l) => `${l.model}|${l.round}`) : [];
  const text = (meta.runs as { model: string; round: number; seed: number }[])
    .filter((p) => !have.includes(`${p.model}|${p.round}`))
    .map((p) => JSON.stringify({ ...fakeRun(p.model, p.round, 0.8, 25), seed: p.seed, backend: 'reference' }) + '\n').join('');
  appendFileSync(join(dir, 'runs.jsonl'), text);
  const r = cli(['start', '--out', dir, '--workers', '1']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /the headline study: lenet-transfer's six models, 10 rounds of 25 epochs/);
  assert.match(r.stdout, /all 60 planned runs were already finished/);
  assert.equal(readLines(dir).length, 60);
  const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
  assert.equal(summary.models.length, 6);
  assert.ok(existsSync(join(dir, 'index.html')));
});
