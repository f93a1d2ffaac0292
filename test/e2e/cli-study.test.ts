// studies under stress: the same seed gives the same records with 1 or 2 workers; a study killed
// with SIGKILL resumes with every planned run exactly once; Ctrl-C (SIGINT) stops cleanly
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { cli, cliAsync, readLines, SMALL, tmp, untimed } from './cli-helpers.js';

const sortKey = (a: { model: string; round: number }): string => `${a.model}|${String(a.round).padStart(4, '0')}`;

test('determinism: 1 and 2 workers give identical runs.jsonl records apart from timing', () => {
  const base = tmp('det');
  const models = 'lenet-transfer/cnn,kropfhamer2022/feedforward,lenet-transfer/transfer-learning';
  const runs: unknown[][] = [];
  for (const w of ['1', '2']) {
    const dir = join(base, `w${w}`);
    const r = cli(['study', '--models', models, '--rounds', '2', '--seed', '11', '--workers', w, '--out', dir, '--epochs', '2', '--train-pairs', '200', '--test-pairs', '200']);
    assert.equal(r.status, 0, r.stderr);
    runs.push(readLines(dir).sort((a, b) => sortKey(a).localeCompare(sortKey(b))).map(untimed));
  }
  assert.equal(runs[0]!.length, 6);
  assert.deepEqual(runs[0], runs[1]);
  const seeds = JSON.parse(readFileSync(join(base, 'w1', 'study.json'), 'utf8')).runs;
  assert.deepEqual(seeds, JSON.parse(readFileSync(join(base, 'w2', 'study.json'), 'utf8')).runs);
});

async function waitForLines(path: string, n: number, timeoutMs = 60_000): Promise<void> {
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    if (existsSync(path) && readFileSync(path, 'utf8').split('\n').length - 1 >= n) return;
    await sleep(50);
  }
  throw new Error(`${path}: fewer than ${n} lines after ${timeoutMs} ms`);
}

test('SIGKILL mid-study, then rerun: every planned run exactly once, no torn line survives', async () => {
  const dir = join(tmp('kill'), 'out');
  const args = ['study', '--models', 'lenet-transfer/cnn,kropfhamer2022/feedforward', '--rounds', '6', '--workers', '2', '--out', dir, '--epochs', '2', '--train-pairs', '300', '--test-pairs', '200'];
  const child = cliAsync(args);
  const exited = new Promise((res) => child.on('exit', res));
  await waitForLines(join(dir, 'runs.jsonl'), 2);
  child.kill('SIGKILL');
  await exited;
  const kept = readLines(dir).length;
  assert.ok(kept >= 2 && kept < 12, `killed mid-study: ${kept} lines`);
  // as if the kill had landed inside a write: a torn tail
  appendFileSync(join(dir, 'runs.jsonl'), '{"model":"lenet-transfer/cnn","round":5,"se');
  const r = cli(args);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /repaired .*runs\.jsonl/);
  assert.match(r.stdout, new RegExp(`resuming .*: ${kept} of 12 runs already finished`));
  const lines = readLines(dir); // throws on a torn or unparsable line
  const meta = JSON.parse(readFileSync(join(dir, 'study.json'), 'utf8'));
  const planned = meta.runs.map((p: { model: string; round: number; seed: number }) => `${p.model}|${p.round}|${p.seed}`).sort();
  assert.deepEqual(lines.map((l) => `${l.model}|${l.round}|${l.seed}`).sort(), planned);
});

test('SIGINT stops cleanly: exit 130, whole lines only, how to resume; the rerun finishes', async () => {
  const dir = join(tmp('int'), 'out');
  const args = ['study', '--models', 'lenet-transfer/cnn', '--rounds', '8', '--workers', '2', '--out', dir, '--epochs', '2', '--train-pairs', '300', '--test-pairs', '200'];
  const child = cliAsync(args);
  let stdout = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  await waitForLines(join(dir, 'runs.jsonl'), 1);
  child.kill('SIGINT');
  const code = await exited;
  assert.equal(code, 130, stdout);
  assert.match(stdout, /stopped: \d+ finished runs? kept in/);
  assert.match(stdout, /resume with the same command: pairbench study /);
  const text = readFileSync(join(dir, 'runs.jsonl'), 'utf8');
  assert.ok(text.endsWith('\n'));
  const n = readLines(dir).length;
  assert.ok(n >= 1 && n < 8);
  assert.ok(statSync(join(dir, 'summary.json')).size > 0, 'the partial summary is written');
  const r = cli(args);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(readLines(dir).length, 8);
});

test('grid: search on the 70/30 split, winner, final rounds; resumable', () => {
  const dir = join(tmp('grid'), 'out');
  const args = ['grid', '--models', 'carparelli2019/shallow-sharing-aux', '--lambdas', '0.5,1', '--lrs', '0.001', '--hidden', '20', '--k', '2', '--rounds', '2', '--workers', '2', '--out', dir, ...SMALL];
  const r = cli(args);
  assert.equal(r.status, 0, r.stderr);
  const lines = readLines(dir) as unknown as { grid: { stage: string; hidden: number; lr: number; lambda: number }; validationAccuracy?: number }[];
  const search = lines.filter((l) => l.grid.stage === 'search');
  const final = lines.filter((l) => l.grid.stage === 'final');
  assert.equal(search.length, 4); // 2 lambdas x 2 seeds
  assert.equal(final.length, 2);
  for (const s of search) assert.equal(typeof s.validationAccuracy, 'number');
  const grid = JSON.parse(readFileSync(join(dir, 'grid.json'), 'utf8'));
  const best = grid.winners[0].best;
  for (const f of final) assert.deepEqual({ hidden: f.grid.hidden, lr: f.grid.lr, lambda: f.grid.lambda }, best);
  const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
  assert.equal(summary.models[0].n, 2, 'the summary describes the final rounds only');
  const again = cli(args);
  assert.equal(again.status, 0, again.stderr);
  assert.equal(readLines(dir).length, 6);
});

test('reproduce: the report\'s protocol, shortened and said so, published figures beside ours', () => {
  const dir = join(tmp('repro'), 'out');
  const r = cli(['reproduce', 'pillonel2020', '--rounds', '2', '--workers', '2', '--out', dir, ...SMALL]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /protocol SHORTENED: 2 rounds instead of 100, 1 epoch instead of 60/);
  assert.match(r.stdout, /published %/);
  assert.match(r.stdout, /pillonel2020\/model1 .*83\.75 ± 0\.95/);
  assert.equal(readLines(dir).length, 8);
  const meta = JSON.parse(readFileSync(join(dir, 'study.json'), 'utf8'));
  assert.equal(meta.kind, 'reproduce');
  assert.equal(meta.config.shortened, true);
});
