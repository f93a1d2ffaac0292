// checkpoints from the command line: train --save, study --save, evaluate, predict (PNG pair, idx),
// export --onnx run by onnxruntime, and bad input as one line on stderr
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pngjs from 'pngjs';
import { encodeIdxPairs } from '../../src/artifacts/inputs.js';
import { readIdx } from '../../src/data/idx.js';
import { MNIST_FILES, resolveMnistDir } from '../../src/data/mnist.js';
import { skipUnless } from '../helpers/components.js';
import { cli, SMALL, tmp } from './cli-helpers.js';

const dir = tmp('artifacts');
const digits = readIdx(join(resolveMnistDir().dir, MNIST_FILES.testImages), { kind: 'images' }).data;
const image = (k: number): Uint8Array => digits.subarray(784 * k, 784 * (k + 1));

// a drawing as a user makes one: dark ink on white, 3x larger
function drawing(file: string, k: number): string {
  const p = new pngjs.PNG({ width: 84, height: 84 });
  for (let i = 0; i < 84 * 84; i++) {
    const v = 255 - image(k)[Math.floor(i / 84 / 3) * 28 + Math.floor((i % 84) / 3)]!;
    p.data.set([v, v, v, 255], 4 * i);
  }
  writeFileSync(join(dir, file), pngjs.PNG.sync.write(p));
  return join(dir, file);
}

function failsWithOneLine(args: string[], pattern: RegExp): void {
  const r = cli(args);
  assert.notEqual(r.status, 0, r.stdout);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, pattern);
  assert.equal(r.stdout, '');
}

let checkpoint = '';

test('train --save writes one checkpoint per round and names it', () => {
  const r = cli(['train', 'lenet-transfer/auxiliary-loss', '--rounds', '2', '--seed', '3', '--save', join(dir, 'ck'), ...SMALL]);
  assert.equal(r.status, 0, r.stderr);
  const named = [...r.stdout.matchAll(/checkpoint: (\S+\.safetensors)/g)].map((m) => m[1]!);
  assert.equal(named.length, 2, r.stdout);
  assert.deepEqual(readdirSync(join(dir, 'ck')).sort(), named.map((p) => p.split('/').pop()!).sort());
  checkpoint = named[0]!;
});

test('train --set ... --save: the variant is rebuilt from its checkpoint (evaluate, export)', () => {
  const r = cli(['train', 'carparelli2019/shallow-sharing-aux', '--set', 'H=20', '--save', join(dir, 'ckv'), '--json', ...SMALL]);
  assert.equal(r.status, 0, r.stderr);
  const file = (JSON.parse(r.stdout) as { rounds: { checkpoint: string }[] }).rounds[0]!.checkpoint;
  const e = cli(['evaluate', file, '--pairs', '50', '--json']);
  assert.equal(e.status, 0, e.stderr);
  assert.equal((JSON.parse(e.stdout) as { model: string }).model, 'carparelli2019/shallow-sharing-aux');
  const x = cli(['export', file, '--onnx', join(dir, 'v.onnx')]);
  assert.equal(x.status, 0, x.stderr);
  assert.match(x.stdout, /output logits, digits, pred/);
});

test('evaluate: accuracy, digit accuracy and error counts on fresh test pairs; same seed, same numbers', () => {
  const r = cli(['evaluate', checkpoint, '--pairs', '300', '--seed', '4', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const o = JSON.parse(r.stdout) as { model: string; pairs: number; accuracy: number; digitAccuracy: number; errorCounts: number[][]; pairCounts: number[][] };
  assert.equal(o.model, 'lenet-transfer/auxiliary-loss');
  assert.ok(o.accuracy >= 0 && o.accuracy <= 1, String(o.accuracy));
  assert.ok(o.digitAccuracy > 0 && o.digitAccuracy <= 1);
  const errors = o.errorCounts.flat().reduce((a, b) => a + b, 0);
  assert.equal(errors, Math.round((1 - o.accuracy) * 300));
  assert.equal(o.pairCounts.flat().reduce((a, b) => a + b, 0), 300);
  assert.equal(cli(['evaluate', checkpoint, '--pairs', '300', '--seed', '4', '--json']).stdout, r.stdout);
  const h = cli(['evaluate', checkpoint, '--pairs', '300', '--seed', '4']);
  assert.equal(h.status, 0, h.stderr);
  assert.match(h.stdout, new RegExp(`300 fresh test pairs .*: accuracy ${(o.accuracy * 100).toFixed(2)}%, digit accuracy`));
  assert.match(h.stdout, /misclassified pairs by \(first digit: rows, second digit: columns\)/);
  assert.match(h.stdout, /^lenet-transfer\/auxiliary-loss: seed \d+, round 0, 1 epoch; test accuracy when saved/);
});

test('predict: a PNG pair and the same pair as idx give the same answer; --json has the documented shape', () => {
  const a = drawing('first.png', 0);
  const b = drawing('second.png', 1);
  const r = cli(['predict', checkpoint, a, b, '--json']);
  assert.equal(r.status, 0, r.stderr);
  const o = JSON.parse(r.stdout) as { model: string; predictions: { lessOrEqual: boolean; probability: number; digits: [number, number] }[] };
  assert.deepEqual(Object.keys(o), ['model', 'predictions']);
  assert.equal(o.predictions.length, 1);
  const p = o.predictions[0]!;
  assert.deepEqual(Object.keys(p), ['lessOrEqual', 'probability', 'digits']);
  assert.equal(typeof p.lessOrEqual, 'boolean');
  assert.ok(p.probability >= 0 && p.probability <= 1);
  // the idx pairs: the 28x28 originals of these drawings, and a few more
  const idx = join(dir, 'pairs.idx');
  writeFileSync(idx, encodeIdxPairs(digits.subarray(0, 8 * 784), 4, 28));
  const q = cli(['predict', checkpoint, idx, '--json']);
  assert.equal(q.status, 0, q.stderr);
  const qo = JSON.parse(q.stdout) as typeof o;
  assert.equal(qo.predictions.length, 4);
  assert.equal(qo.predictions[0]!.lessOrEqual, p.lessOrEqual);
  assert.deepEqual(qo.predictions[0]!.digits, p.digits);
  assert.ok(Math.abs(qo.predictions[0]!.probability - p.probability) < 0.05);
  const h = cli(['predict', checkpoint, a, b]);
  assert.match(h.stdout, /^pair 1: first <= second: (yes|no ) {2}probability \d\.\d{4} {2}digits \d and \d\n$/);
});

test('predict, evaluate and export refuse bad input with one line', () => {
  writeFileSync(join(dir, 'notes.txt'), 'not an image\n');
  const png = drawing('one.png', 2);
  failsWithOneLine(['predict', checkpoint, join(dir, 'notes.txt'), png], /notes\.txt: not a PNG image \(no PNG signature\) \[bad_input\]$/);
  failsWithOneLine(['predict', checkpoint, png], /one\.png: one PNG is half a pair/);
  failsWithOneLine(['predict', checkpoint, png, join(dir, 'pairs.idx')], /pairs\.idx: an idx file, not a PNG image: two inputs are the two images of one pair; an idx file of pairs goes alone/);
  failsWithOneLine(['predict', checkpoint, join(dir, 'notes.txt')], /idx file .*notes\.txt: no idx magic number .*\[bad_idx_file\]$/);
  const wrongDims = join(dir, 'wrong.idx');
  writeFileSync(wrongDims, Buffer.concat([Buffer.from([0, 0, 8, 4, 0, 0, 0, 1, 0, 0, 0, 3, 0, 0, 0, 28, 0, 0, 0, 28]), Buffer.alloc(3 * 784)]));
  failsWithOneLine(['predict', checkpoint, wrongDims], /dims \[1, 3, 28, 28\], expected pairs of images/);
  failsWithOneLine(['predict', png, png, png], /one\.png: not a valid safetensors file/);
  failsWithOneLine(['evaluate', join(dir, 'notes.txt')], /notes\.txt: not a valid safetensors file: header length \d+ runs past the end/);
  const cut = join(dir, 'cut.safetensors');
  writeFileSync(cut, readFileSync(checkpoint).subarray(0, 5000));
  failsWithOneLine(['export', cut, '--onnx', join(dir, 'x.onnx')], /cut\.safetensors: .*truncated/);
  assert.ok(!existsSync(join(dir, 'x.onnx')));
  // where the output cannot go: said in words, not as an errno
  failsWithOneLine(['export', checkpoint, '--onnx', join(dir, 'no-such-dir', 'x.onnx')], /cannot write .*no-such-dir\/x\.onnx: the directory it goes in does not exist \[io_error\]$/);
  failsWithOneLine(['export', checkpoint, '--onnx', dir], /cannot write .*: it is a directory \[io_error\]$/);
});

test('train --save: a directory; a file name or a file there is refused before anything is trained or printed', () => {
  failsWithOneLine(['train', 'lenet-transfer/baseline', '--save', join(dir, 'model.safetensors'), ...SMALL], /--save .*model\.safetensors: a directory, not a file name .*\[bad_argument\]$/);
  assert.ok(!existsSync(join(dir, 'model.safetensors')));
  writeFileSync(join(dir, 'plain'), 'x');
  failsWithOneLine(['train', 'lenet-transfer/baseline', '--save', join(dir, 'plain'), ...SMALL], /cannot create checkpoint directory .*plain: it is a file \[io_error\]$/);
  failsWithOneLine(['train', 'lenet-transfer/baseline', '--save', join(dir, 'plain', 'sub'), ...SMALL], /cannot create checkpoint directory .*plain\/sub: a parent is not a directory \[io_error\]$/);
});

let ort: typeof import('onnxruntime-node') | null = null;
try { ort = await import('onnxruntime-node'); } catch { ort = null; }

test('export --onnx writes a model onnxruntime runs, with the checkpoint\'s own predictions', { skip: skipUnless('onnxruntime', ort !== null, 'onnxruntime-node does not load') }, async () => {
  const file = join(dir, 'model.onnx');
  const r = cli(['export', checkpoint, '--onnx', file]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /output logits, digits, pred/);
  const idx = join(dir, 'pairs.idx');
  const q = JSON.parse(cli(['predict', checkpoint, idx, '--json']).stdout) as { predictions: { lessOrEqual: boolean; digits: number[] }[] };
  const session = await ort!.InferenceSession.create(file);
  const { poolImages2x2 } = await import('../../src/data/mnist.js');
  const pairs = poolImages2x2(digits.subarray(0, 8 * 784), 8, 28, 28);
  const out = await session.run({ pairs: new ort!.Tensor('float32', pairs, [4, 2, 14, 14]) });
  assert.deepEqual(Array.from(out['pred']!.data as BigInt64Array, Number), q.predictions.map((p) => (p.lessOrEqual ? 1 : 0)));
});

test('study --save: the size first, every run\'s checkpoint in the study directory, the best run last', () => {
  const out = join(dir, 'study');
  const r = cli(['study', '--models', 'kropfhamer2022/feedforward,lenet-transfer/cnn', '--rounds', '1', '--workers', '2', '--out', out, '--save', ...SMALL]);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.split('\n');
  assert.match(lines[0]!, /^--save: 2 checkpoints, about \d+(\.\d)? [kM]B in all, into .*study\/checkpoints$/);
  const files = readdirSync(join(out, 'checkpoints')).sort();
  assert.equal(files.length, 2);
  assert.ok(files.every((f) => f.endsWith('.safetensors')));
  const best = /best run: (\S+) round (\d), test accuracy (\d+\.\d+)%: (\S+)$/m.exec(r.stdout);
  assert.ok(best !== null, r.stdout);
  const runs = readFileSync(join(out, 'runs.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { testAccuracy: number });
  assert.equal(best[3], (Math.max(...runs.map((x) => x.testAccuracy)) * 100).toFixed(2));
  const e = cli(['evaluate', best[4]!, '--pairs', '100', '--json']);
  assert.equal(e.status, 0, e.stderr);
  assert.equal((JSON.parse(e.stdout) as { model: string }).model, best[1]);
});
