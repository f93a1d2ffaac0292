// hyperparameters from the command line and a study config: validated in one line, recorded, shown
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { cli, readLines, SMALL, tmp } from './cli-helpers.js';

test('train --set: unknown or ill-typed keys are one line naming them; a good one trains the variant', () => {
  const bad = cli(['train', 'lenet-transfer/cnn', '--set', 'lr=abc', ...SMALL]);
  assert.equal(bad.status, 1);
  assert.equal(bad.stderr, 'pairbench: --set lr=abc: lr takes a number [bad_argument]\n');
  const unknown = cli(['train', 'lenet-transfer/cnn', '--set', 'H=50', ...SMALL]);
  assert.equal(unknown.status, 1);
  assert.match(unknown.stderr, /^pairbench: --set H=50: lenet-transfer\/cnn has no hyperparameter 'H' \(its hyperparameters: optimizer, lr, momentum, weightDecay, batchSize, epochs, dropout\) \[bad_argument\]\n$/);
  const ok = cli(['train', 'lenet-transfer/cnn', '--set', 'lr=0.01', '--set', 'optimizer=sgd', '--json', ...SMALL]);
  assert.equal(ok.status, 0, ok.stderr);
  assert.deepEqual(JSON.parse(ok.stdout).set, { lr: 0.01, optimizer: 'sgd' });
  const adamw = cli(['train', 'lenet-transfer/baseline', '--set', 'optimizer=adamw', '--set', 'weightDecay=0.01', ...SMALL]);
  assert.equal(adamw.status, 0, adamw.stderr);
  assert.match(adamw.stdout, /AdamW lr 0\.001 weight decay 0\.01/);
});

test('a study config\'s variant: its own name in runs, summary and page; recorded in study.json; a bad set fails first', () => {
  const dir = tmp('hyper');
  const cfg = join(dir, 'c.json');
  writeFileSync(cfg, JSON.stringify({ models: ['lenet-transfer/cnn', { id: 'lenet-transfer/cnn', as: 'cnn-lr1e-2', set: { lr: 0.01 } }], rounds: 1, workers: 1 }));
  const out = join(dir, 's');
  const r = cli(['study', '--config', cfg, '--out', out, ...SMALL]);
  assert.equal(r.status, 0, r.stderr);
  const meta = JSON.parse(readFileSync(join(out, 'study.json'), 'utf8'));
  assert.deepEqual(meta.config.variants, { 'cnn-lr1e-2': { id: 'lenet-transfer/cnn', set: { lr: 0.01 } } });
  const runs = readLines(out);
  assert.deepEqual(runs.map((x) => x.model).sort(), ['cnn-lr1e-2', 'lenet-transfer/cnn']);
  assert.deepEqual(runs.find((x) => x.model === 'cnn-lr1e-2')!['variantOf'], { id: 'lenet-transfer/cnn', set: { lr: 0.01 } });
  assert.match(r.stdout, /cnn-lr1e-2\s+1\/1/);
  const html = readFileSync(join(out, 'index.html'), 'utf8');
  assert.match(html, /variant cnn-lr1e-2/);
  assert.match(html, /variant of lenet-transfer\/cnn: lr 0.01/);

  writeFileSync(cfg, JSON.stringify({ models: [{ id: 'lenet-transfer/cnn', as: 'x', set: { depth: 3 } }] }));
  const bad = cli(['study', '--config', cfg, '--out', join(dir, 'bad'), ...SMALL]);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /^pairbench: models\[0\] \(x\): lenet-transfer\/cnn has no hyperparameter 'depth' .*\[bad_config\]\n$/);
});
