// helpers for the data tests: write small idx files and tiny MNIST directories
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDirUntilExit } from '../helpers/tmp.js';

export function idxBytes(kind: 'labels' | 'images', dims: number[], payload: Uint8Array): Uint8Array {
  const header = 4 + 4 * dims.length;
  const out = new Uint8Array(header + payload.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, kind === 'labels' ? 0x801 : 0x803, false);
  dims.forEach((d, k) => v.setUint32(4 + 4 * k, d, false));
  out.set(payload, header);
  return out;
}

export function tempDir(prefix = 'pairbench-data-'): string {
  return tempDirUntilExit(prefix.replace(/^pairbench-|-$/g, ''));
}

// a deterministic small payload (no Rng needed: tests of the reader only)
export function bytesPattern(n: number, mod = 256, seed = 7): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    out[i] = (s >>> 16) % mod;
  }
  return out;
}

// a directory with the four MNIST file names: nTrain / nTest 28x28 images
export function writeTinyMnist(dir: string, nTrain: number, nTest: number): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'train-images-idx3-ubyte'), idxBytes('images', [nTrain, 28, 28], bytesPattern(nTrain * 784, 256, 1)));
  writeFileSync(join(dir, 'train-labels-idx1-ubyte'), idxBytes('labels', [nTrain], bytesPattern(nTrain, 10, 2)));
  writeFileSync(join(dir, 't10k-images-idx3-ubyte'), idxBytes('images', [nTest, 28, 28], bytesPattern(nTest * 784, 256, 3)));
  writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), idxBytes('labels', [nTest], bytesPattern(nTest, 10, 4)));
}
