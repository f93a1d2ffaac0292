// the README's five lines of JavaScript, run as written on a model exported by the CLI
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCheckpoint } from '../../src/artifacts/checkpoint.js';
import { predictRaw } from '../../src/artifacts/inference.js';
import { loadMnist } from '../../src/data/mnist.js';
import { samplePairs } from '../../src/data/pairs.js';
import { Rng } from '../../src/tensor/random.js';
import { skipUnless } from '../helpers/components.js';
import { cli, SMALL } from './cli-helpers.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
let ortLoads = true;
try { await import('onnxruntime-node'); } catch { ortLoads = false; }

test('README: the ONNX snippet prints the accuracy pairbench itself gets on the same pairs', { skip: skipUnless('onnxruntime', ortLoads, 'onnxruntime-node does not load') }, () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Keep a trained model'));
  const snippet = /```js\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(snippet !== undefined, 'the section has a js block');
  assert.equal(snippet.trim().split('\n').length, 5);
  // inside the package, so that `import 'pairbench'` resolves to this build
  const dir = mkdtempSync(join(root, 'dist', 'readme-onnx-'));
  try {
    assert.equal(cli(['train', 'lenet-transfer/weight-sharing', '--save', dir, ...SMALL]).status, 0);
    const ckpt = join(dir, readdirSync(dir).find((f) => f.endsWith('.safetensors'))!);
    assert.equal(cli(['export', ckpt, '--onnx', join(dir, 'best.onnx')]).status, 0);
    writeFileSync(join(dir, 'run.mjs'), snippet);
    const r = spawnSync(process.execPath, ['run.mjs'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    const printed = /^accuracy (\d(\.\d+)?)\n$/.exec(r.stdout);
    assert.ok(printed !== null, r.stdout);
    const pairs = samplePairs(1000, new Rng(7), loadMnist().test);
    const ours = predictRaw(loadCheckpoint(ckpt), pairs.input).filter((p, i) => (p.lessOrEqual ? 1 : 0) === pairs.target[i]).length / 1000;
    assert.equal(Number(printed[1]), ours);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
