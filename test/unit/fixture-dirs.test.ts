// PAIRBENCH_FIXTURES: a directory of model cases only runs them (absent kinds skipped by name), a
// directory with no case fails, and a model case is built with its config (a key the model lacks fails)
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { readFixture, repoRoot } from '../helpers/fixtures.js';

const parity = (f: string): string => fileURLToPath(new URL(`../parity/${f}`, import.meta.url));
const CASE = 'lenet-transfer__weight-sharing';

function runParity(dir: string, files: string[]): { status: number | null; out: string } {
  // without NODE_TEST_CONTEXT: node would take the child for a recursive run and skip its files
  const { NODE_TEST_CONTEXT: _, ...env } = process.env;
  const r = spawnSync(process.execPath, ['--test', ...files.map(parity)], { encoding: 'utf8', env: { ...env, PAIRBENCH_FIXTURES: dir }, timeout: 120_000 });
  return { status: r.status, out: r.stdout + r.stderr };
}

function modelDir(config?: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'pairbench-fixtures-'));
  mkdirSync(join(dir, 'models'));
  const src = join(repoRoot(), 'test', 'fixtures', 'models');
  copyFileSync(join(src, `${CASE}.grads.json.gz`), join(dir, 'models', `${CASE}.grads.json.gz`));
  if (config === undefined) copyFileSync(join(src, `${CASE}.json.gz`), join(dir, 'models', `${CASE}.json.gz`));
  else writeFileSync(join(dir, 'models', `${CASE}.json`), JSON.stringify({ ...readFixture<Record<string, unknown>>(join(src, `${CASE}.json.gz`)), config }));
  return dir;
}

test('a directory of model cases only: the model cases run, ops and optim are skipped by name', () => {
  const dir = modelDir();
  const r = runParity(dir, ['models.test.js', 'ops.test.js', 'optim.test.js']);
  assert.equal(r.status, 0, r.out);
  assert.match(r.out, new RegExp(`ok \\d+ - ${CASE}`));
  assert.match(r.out, /# SKIP no ops fixtures in PAIRBENCH_FIXTURES=/);
  assert.match(r.out, /# SKIP no optim fixtures in PAIRBENCH_FIXTURES=/);
});

test('a directory with no case at all fails', () => {
  const r = runParity(mkdtempSync(join(tmpdir(), 'pairbench-fixtures-')), ['models.test.js']);
  assert.notEqual(r.status, 0);
  assert.match(r.out, /not ok \d+ - the fixture directory has cases/);
});

test('a model case is built with its config: a key the model lacks fails naming it; dropout 0.3 is not the stored p = 0', () => {
  const bad = runParity(modelDir({ dropout: 0, depth: 3 }), ['models.test.js']);
  assert.notEqual(bad.status, 0);
  assert.match(bad.out, /no hyperparameter 'depth'/);
  // the same case at dropout 0.3 must not match PyTorch's p = 0 numbers: the config is what is built
  const other = runParity(modelDir({ dropout: 0.3 }), ['models.test.js']);
  assert.notEqual(other.status, 0, 'dropout from the config is used');
});
