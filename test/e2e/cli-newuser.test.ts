// what a new user meets at the command line: suggestions, one model described, report names as
// model lists, refused lists, a warning for more workers than cores, config paths, the screenshot
// name, the reproduce layout, plurals, train's rounds and counts
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { idList, positiveNumberList } from '../../src/cli/options.js';
import { loadMnist } from '../../src/data/mnist.js';
import { screenshotPath } from '../../src/report/screenshot.js';
import { cli, readLines, SMALL, tmp } from './cli-helpers.js';

test('every command\'s --help: an option\'s default said once', () => {
  for (const c of ['', 'models', 'train', 'study', 'start', 'reproduce', 'grid', 'worker', 'merge', 'report', 'evaluate', 'predict', 'export']) {
    const r = cli([...(c === '' ? [] : [c]), '--help']);
    assert.equal(r.status, 0, `${c} --help: ${r.stderr}`);
    const text = r.stdout.replace(/\s+/g, ' ');
    assert.doesNotMatch(text, /\(default[^)]*\) \(default: /, `${c} --help`);
  }
});

test('a one-cycle recipe on too few pairs for 2 optimizer steps: one line saying what to give more of', () => {
  const r = cli(['train', 'pairbench/digits', '--epochs', '1', '--train-pairs', '64', '--test-pairs', '50']);
  assert.equal(r.status, 1);
  assert.equal(r.stderr, 'pairbench: one-cycle schedule: this run has 1 optimizer step (epochs x batches per epoch), it needs at least 2: give more --epochs or --train-pairs [bad_argument]\n');
});

test('a mistyped command gets a suggestion on its one line', () => {
  const r = cli(['trian', 'lenet-transfer/cnn']);
  assert.equal(r.status, 2);
  assert.equal(r.stderr, "pairbench: unknown command 'trian' (Did you mean train?)\n");
});

test('models <id> describes that model (recipe, batch norm note)', () => {
  const r = cli(['models', 'pillonel2020/model4']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^pillonel2020\/model4 {2}\(195,019 parameters/);
  assert.match(r.stdout, /training: Adam lr 0\.001, batch 100, 60 epochs, 100 rounds/);
  assert.match(r.stdout, /batch norm: an incomplete last batch of one sample is dropped/);
  assert.doesNotMatch(r.stdout, /pillonel2020\/model3/);
  // the choices of an enum hyperparameter, so that --set optimizer=... can be written without the docs
  assert.match(r.stdout.replace(/\s+/g, ' '), /hyperparameters \(train --set key=value, .*\): optimizer adam \(adam\|adamw\|sgd\), lr 0\.001, momentum \(with sgd\)/);
  assert.equal(cli(['models', 'lenet-transfer/nope']).status, 1);
  for (const line of cli(['models']).stdout.split('\n')) assert.ok([...line].length <= 100, line);
  const described = cli(['models', '--describe']).stdout;
  for (const line of described.split('\n')) assert.ok([...line].length <= 100, line);
  assert.match(cli(['models', 'kropfhamer2022/pretraining']).stdout, /chosen on the test set among the pair epochs/);
});

test('lists: a report name stands for its models; empty items are refused', () => {
  assert.equal(idList('lenet-transfer').length, 6);
  assert.deepEqual(idList('kropfhamer2022/feedforward, lenet-transfer').slice(0, 2), ['kropfhamer2022/feedforward', 'lenet-transfer/baseline']);
  assert.throws(() => positiveNumberList('1,,2'), /empty item/);
  assert.throws(() => idList('a,'), /empty item/);
  const r = cli(['grid', '--lrs', '1,,2']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /'1,,2' has an empty item/);
});

test('the screenshot name: .png added to a bare name, a directory refused in one line', () => {
  const dir = tmp('shot');
  assert.equal(screenshotPath(join(dir, 'page')), join(dir, 'page.png'));
  assert.equal(screenshotPath(join(dir, 'page.png')), join(dir, 'page.png'));
  assert.throws(() => screenshotPath(dir), /is a directory: give a file name/);
  assert.throws(() => screenshotPath(join(dir, 'page.gif')), /must end in \.png/);
  const r = cli(['report', dir, '--screenshot', dir]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^pairbench: --screenshot .* is a directory: give a file name.*\[bad_argument\]\n$/);
  const h = cli(['report', dir, '--screenshot-height', '100']);
  assert.equal(h.status, 1);
  assert.equal(h.stderr, 'pairbench: --screenshot-height clips a screenshot: give --screenshot <png> too [bad_argument]\n');
});

test('train: rounds numbered from 0 as in a study; the real pair counts; 1 epoch', () => {
  const r = cli(['train', 'lenet-transfer/cnn', '--rounds', '2', '--epochs', '1', '--train-pairs', '100', '--test-pairs', '300', '-v']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /: \d[\d,]* parameters, 1 epoch \(recipe: 100\),/);
  assert.match(r.stdout, /^\[1\/2\] round 0 {2}seed /m);
  assert.match(r.stdout, /^\[2\/2\] round 1 {2}seed /m);
  assert.match(r.stdout, /100 training pairs, 150 test pairs \(and 150 validation pairs\)/);
  const pre = cli(['train', 'kropfhamer2022/pretraining', '--epochs', '2', '--train-pairs', '100', '--test-pairs', '100', '-v']);
  assert.equal(pre.status, 0, pre.stderr);
  assert.match(pre.stdout, /epoch 1\/2 \(digits\) loss [\d.]+ {2}train digits [\d.]+%/);
  assert.match(pre.stdout, /epoch 2\/2 loss [\d.]+ {2}train [\d.]+%/);
  assert.match(pre.stdout, /best epoch [\d.]+% \(epoch 2,/);
});

test('study: a config\'s out is relative to the file; more workers than cores: a note; 1 round = 1 run; study.json records mnistDir', () => {
  const base = tmp('rel');
  mkdirSync(join(base, 'cfg'));
  writeFileSync(join(base, 'cfg', 'study.json'), JSON.stringify({ models: ['kropfhamer2022/feedforward'], rounds: 1, out: 'out', workers: 64 }));
  const r = cli(['study', '--config', join('cfg', 'study.json'), ...SMALL], { cwd: base });
  assert.equal(r.status, 0, r.stderr);
  assert.ok(existsSync(join(base, 'cfg', 'out', 'runs.jsonl')), 'out next to the config');
  assert.equal(readLines(join(base, 'cfg', 'out')).length, 1);
  assert.match(r.stdout, /1 model x 1 round = 1 run, 1 epoch,/);
  if (availableParallelism() < 64) assert.match(r.stdout, new RegExp(`note: 64 workers on ${availableParallelism()} cores?: they share the cores`));
  assert.match(r.stdout, /pairs per run: 200 training pairs, 200 test pairs/);
  const meta = JSON.parse(readFileSync(join(base, 'cfg', 'out', 'study.json'), 'utf8'));
  assert.equal(meta.config.workers, 64);
  assert.equal(meta.config.mnistDir, loadMnist().dir); // the directory the data came from
});

test('reproduce: one report and all share one layout, studies/reproduce/<report>', () => {
  const base = tmp('repro');
  const r = cli(['reproduce', 'kropfhamer2022', '--rounds', '1', ...SMALL, '--workers', '2'], { cwd: base });
  assert.equal(r.status, 0, r.stderr);
  assert.ok(existsSync(join(base, 'studies', 'reproduce', 'kropfhamer2022', 'runs.jsonl')));
  assert.match(r.stdout, /1 round instead of 30, 1 epoch instead of 20-40/);
});
