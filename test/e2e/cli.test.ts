// the CLI end to end: models, train --json, a small study and its outputs, resume, conflicts,
// and every bad-input case (one line on stderr, non-zero exit, no stack trace, nothing written)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, readLines, SMALL, tmp } from './cli-helpers.js';

test('models lists every id with parameters; --describe shows recipes and the choices that are ours', () => {
  const r = cli(['models']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /lenet-transfer\/cnn\s+60,278\s/);
  assert.match(r.stdout, /carparelli2019\/conv2-sharing-aux\s+164,280\s/);
  const d = cli(['models', 'lenet-transfer', '--describe']);
  assert.equal(d.status, 0, d.stderr);
  assert.match(d.stdout, /training: Adam lr 0\.001, batch 100, 100 epochs, 15 rounds/);
  assert.match(d.stdout, /\(ours\)/);
  assert.doesNotMatch(d.stdout, /kropfhamer2022/);
});

// 3 epochs on 300 pairs learn: measured 75.7% and 72.7% test accuracy; always answering the majority class scores ~55%
const LEARNS = ['--epochs', '3', '--train-pairs', '300', '--test-pairs', '300'];

test('train --json prints exactly one JSON object on stdout; the model learns', () => {
  const r = cli(['train', 'kropfhamer2022/feedforward', '--rounds', '2', '--seed', '7', '--json', ...LEARNS]);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 1, r.stdout);
  const o = JSON.parse(lines[0]!) as Record<string, unknown>;
  assert.deepEqual(Object.keys(o), ['model', 'params', 'epochs', 'backend', 'trainPairs', 'validationPairs', 'testPairs', 'rounds', 'meanAccuracy', 'sdAccuracy']);
  assert.deepEqual([o['trainPairs'], o['validationPairs'], o['testPairs']], [300, 0, 300]);
  assert.equal(o['model'], 'kropfhamer2022/feedforward');
  assert.equal(o['params'], 66945);
  assert.equal(o['epochs'], 3);
  const rounds = o['rounds'] as { round: number; seed: number; testAccuracy: number; trainSeconds: number }[];
  assert.equal(rounds.length, 2);
  for (const [i, x] of rounds.entries()) {
    assert.equal(x.round, i);
    assert.ok(x.testAccuracy >= 0.65 && x.testAccuracy <= 1, `round ${i}: test accuracy ${x.testAccuracy}, chance is about 0.55`);
    assert.ok(x.trainSeconds > 0);
  }
  assert.notEqual(rounds[0]!.seed, rounds[1]!.seed);
  const mean = (rounds[0]!.testAccuracy + rounds[1]!.testAccuracy) / 2;
  assert.ok(Math.abs((o['meanAccuracy'] as number) - mean) < 1e-12);
  assert.equal(typeof o['sdAccuracy'], 'number');
  // human output: per round and mean ± sd
  const h = cli(['train', 'kropfhamer2022/feedforward', '--rounds', '2', '-v', ...LEARNS]);
  assert.equal(h.status, 0, h.stderr);
  const losses = [...h.stdout.matchAll(/epoch \d+\/3 loss (\d+\.\d+)/g)].map((m) => Number(m[1]));
  assert.equal(losses.length, 6, h.stdout);
  for (const k of [0, 3]) assert.ok(losses[k + 2]! < 0.97 * losses[k]!, `the loss falls over a round: ${losses.slice(k, k + 3).join(', ')}`);
  assert.match(h.stdout, /^\[1\/2\] round 0 .*test \d+\.\d+%/m);
  assert.match(h.stdout, /test accuracy \d+\.\d+% ± \d+\.\d+ \(sample sd, n-1\) over 2 rounds/);
});

test('study writes study.json, runs.jsonl, summary.*, index.html; a rerun resumes; another config is refused unless --force', () => {
  const dir = join(tmp('study'), 'out');
  const withRounds = (n: string): string[] => ['study', '--models', 'lenet-transfer/baseline,kropfhamer2022/feedforward', '--rounds', n, '--seed', '3', '--workers', '2', '--out', dir, ...SMALL];
  const args = withRounds('2');
  const r = cli(args);
  assert.equal(r.status, 0, r.stderr);
  for (const f of ['study.json', 'runs.jsonl', 'summary.json', 'summary.csv', 'summary.md', 'index.html']) assert.ok(existsSync(join(dir, f)), f);
  const meta = JSON.parse(readFileSync(join(dir, 'study.json'), 'utf8'));
  assert.equal(meta.config.seed, 3);
  assert.equal(meta.runs.length, 4);
  const lines = readLines(dir);
  assert.equal(lines.length, 4);
  const planned = new Set(meta.runs.map((p: { model: string; round: number; seed: number }) => `${p.model}|${p.round}|${p.seed}`));
  for (const l of lines) {
    assert.ok(planned.has(`${l.model}|${l.round}|${l.seed}`), 'every run was planned with its seed');
    assert.ok(typeof l['testAccuracy'] === 'number' && l.metrics.length === 1);
  }
  assert.match(r.stdout, /test acc % \(mean ± sd\)/);
  assert.match(r.stdout, /Welch's t-test against lenet-transfer\/baseline/);
  assert.match(r.stdout, new RegExp(`study page: ${join(dir, 'index.html').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
  assert.equal(summary.models.length, 2);
  assert.ok(readFileSync(join(dir, 'index.html'), 'utf8').startsWith('<!doctype html>') || readFileSync(join(dir, 'index.html'), 'utf8').toLowerCase().startsWith('<!doctype html>'));

  // same command: nothing to train, nothing appended
  const again = cli(args);
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stdout, /all 4 planned runs were already finished/);
  assert.equal(readLines(dir).length, 4);

  // fewer rounds: refused, nothing touched
  const before = readFileSync(join(dir, 'study.json'), 'utf8');
  const other = cli(withRounds('1'));
  assert.equal(other.status, 1);
  assert.match(other.stderr, /^pairbench: .*holds a different study \(rounds 2 there, 1 here \(rounds can be added, not removed\)\).*--force.*\[study_conflict\]\n$/);
  assert.equal(readFileSync(join(dir, 'study.json'), 'utf8'), before);
  assert.equal(readLines(dir).length, 4);

  // more rounds: the study grows, the finished runs are kept; study.json keeps its workers
  const grown = cli([...withRounds('3'), '--workers', '1']);
  assert.equal(grown.status, 0, grown.stderr);
  assert.match(grown.stdout, /resuming .*: 4 of 6 runs already finished, 2 to go/);
  const lines6 = readLines(dir);
  assert.equal(lines6.length, 6);
  assert.deepEqual(lines6.slice(0, 4), readLines(dir).slice(0, 4));
  const meta3 = JSON.parse(readFileSync(join(dir, 'study.json'), 'utf8'));
  assert.equal(meta3.runs.length, 6);
  assert.equal(meta3.config.rounds, 3);
  assert.equal(meta3.config.workers, 2);

  // --force replaces it; the old runs are kept aside
  const forced = cli(['study', '--models', 'kropfhamer2022/feedforward', '--rounds', '1', '--workers', '1', '--out', dir, '--force', ...SMALL]);
  assert.equal(forced.status, 0, forced.stderr);
  assert.equal(readLines(dir).length, 1);
  assert.match(forced.stdout, /runs\.jsonl\.replaced-/);
});

test('study reads a JSON config; flags override it', () => {
  const base = tmp('config');
  const cfg = join(base, 'study.json');
  const out = join(base, 'out');
  writeFileSync(cfg, JSON.stringify({ models: ['kropfhamer2022/feedforward'], rounds: 3, epochs: 1, seed: 5, workers: 1, out, trainPairs: 200, testPairs: 200 }));
  const r = cli(['study', '--config', cfg, '--rounds', '2']);
  assert.equal(r.status, 0, r.stderr);
  const meta = JSON.parse(readFileSync(join(out, 'study.json'), 'utf8'));
  assert.equal(meta.config.rounds, 2);
  assert.equal(meta.config.seed, 5);
  assert.equal(meta.config.trainPairs, 200);
  assert.equal(readLines(out).length, 2);
});

// every bad input: exit code != 0, exactly one line on stderr naming the problem, no stack, no files
function bad(args: string[], pattern: RegExp, status = 1, noDir?: string): void {
  const r = cli(args);
  assert.equal(r.status, status, `${args.join(' ')}: status ${r.status}\n${r.stderr}`);
  assert.equal(r.stderr.split('\n').filter((l) => l !== '').length, 1, `one line: ${r.stderr}`);
  assert.match(r.stderr, /^pairbench: /);
  assert.match(r.stderr, pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
  if (noDir !== undefined) assert.ok(!existsSync(noDir), `${noDir} must not be created`);
}

test('bad input: one line, non-zero exit, nothing half-written', () => {
  const base = tmp('bad');
  const out = join(base, 'never');
  const models = ['--models', 'kropfhamer2022/feedforward'];
  bad(['study', '--models', 'lenet-transfer/basline', '--out', out], /unknown model id 'lenet-transfer\/basline'; nearest: lenet-transfer\/baseline/, 1, out);
  bad(['train', 'lenet-transfer/cnnn'], /unknown model id 'lenet-transfer\/cnnn'; nearest: lenet-transfer\/cnn/);
  bad(['study', ...models, '--rounds', '0', '--out', out], /--rounds.*'0' is invalid.*positive integer/, 2, out);
  bad(['study', ...models, '--workers', 'abc', '--out', out], /--workers.*'abc' is invalid/, 2, out);
  bad(['train', 'kropfhamer2022/feedforward', '--epochs', '1.5'], /--epochs.*'1\.5' is invalid/, 2);
  bad(['study', ...models, '--seed', '-3', '--out', out], /--seed.*'-3' is invalid/, 2, out);
  bad(['study', '--rounds', '2', '--out', out], /no models: give --models/, 1, out);
  bad(['study', ...models, '--baseline', 'lenet-transfer/cnn', '--out', out], /baseline 'lenet-transfer\/cnn' is not one of the study's models/, 1, out);
  bad(['bogus'], /unknown command 'bogus'/, 2);
  bad(['reproduce', 'nope'], /unknown report 'nope'; one of: kropfhamer2022/);
  bad(['grid', '--models', 'lenet-transfer/cnn', '--out', out], /grid search takes carparelli2019 models only/, 1, out);

  const missing = join(base, 'missing.json');
  bad(['study', '--config', missing, '--out', out], /cannot read config .*missing\.json: no such file/, 1, out);
  const notJson = join(base, 'broken.json');
  writeFileSync(notJson, '{"models": [');
  bad(['study', '--config', notJson, '--out', out], /broken\.json is not valid JSON/, 1, out);
  const invalid = join(base, 'invalid.json');
  writeFileSync(invalid, JSON.stringify({ models: ['kropfhamer2022/feedforward'], rounds: 0, epochz: 3, workers: 'two' }));
  bad(['study', '--config', invalid, '--out', out], /rounds: .*>=1.*unknown key "epochz"|unknown key "epochz".*rounds/, 1, out);
  bad(['study', '--config', invalid, '--out', out], /workers: /, 1, out);

  const file = join(base, 'a-file');
  writeFileSync(file, 'x');
  bad(['study', ...models, '--out', join(file, 'sub')], /cannot create study directory .*a-file.* is a file, not a directory/, 1);
  bad(['study', ...models, '--out', file], /cannot use study directory .*a-file: it is a file/, 1);
  bad(['train', 'kropfhamer2022/feedforward', '--mnist-dir', base], /MNIST|idx/);
  assert.ok(!existsSync(out));
});
