// a user's own digits: PNG images (MNIST's normalisation) and idx files of pairs, and their bad forms
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pngjs from 'pngjs';
import { encodeIdxPairs, pairFromPngs, pairsFromIdx, pngToGrey, toMnist28 } from '../../src/artifacts/inputs.js';
import { poolImages2x2, resolveMnistDir, MNIST_FILES } from '../../src/data/mnist.js';
import { readIdx } from '../../src/data/idx.js';
import { throwsOneLine } from '../helpers/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'pairbench-inputs-'));
const test28 = readIdx(join(resolveMnistDir().dir, MNIST_FILES.testImages), { kind: 'images' }).data;
const image = (k: number): Uint8Array => test28.subarray(784 * k, 784 * (k + 1));

// a PNG of a w x h grey image, optionally scaled up by an integer factor and inverted (dark ink on white)
function png(file: string, grey: Uint8Array, w: number, h: number, opts: { scale?: number; invert?: boolean } = {}): string {
  const s = opts.scale ?? 1;
  const p = new pngjs.PNG({ width: w * s, height: h * s });
  for (let y = 0; y < h * s; y++) for (let x = 0; x < w * s; x++) {
    const v = grey[Math.floor(y / s) * w + Math.floor(x / s)]!;
    const g = opts.invert ? 255 - v : v;
    const o = 4 * (y * w * s + x);
    p.data[o] = g; p.data[o + 1] = g; p.data[o + 2] = g; p.data[o + 3] = 255;
  }
  writeFileSync(join(dir, file), pngjs.PNG.sync.write(p));
  return join(dir, file);
}

test('a 28x28 MNIST image as PNG gives exactly the pooled pixels the training data has', () => {
  const a = png('a.png', image(0), 28, 28);
  const b = png('b.png', image(1), 28, 28);
  const pair = pairFromPngs(a, b);
  const expected = poolImages2x2(Uint8Array.from([...image(0), ...image(1)]), 2, 28, 28);
  assert.deepEqual(Array.from(pair), Array.from(expected));
});

test('a larger drawing, dark ink on white, is inverted, scaled and centred as MNIST was', () => {
  for (const k of [0, 1, 2, 3]) {
    const f = png(`big${k}.png`, image(k), 28, 28, { scale: 4, invert: true });
    const { grey, width, height } = pngToGrey(readFileSync(f), f);
    assert.equal(width, 112);
    const img = toMnist28(grey, width, height, f);
    // MNIST's digits were made by the same steps: the result stays close to the original
    let diff = 0;
    let ink = 0;
    for (let i = 0; i < 784; i++) { diff += Math.abs(img[i]! - image(k)[i]!); ink += image(k)[i]!; }
    assert.ok(diff / ink < 0.02, `image ${k}: relative difference ${(diff / ink).toFixed(3)}`);
    // the centre of mass sits where MNIST's does: pixel (14, 14)
    let m = 0, cx = 0, cy = 0;
    for (let i = 0; i < 784; i++) { m += img[i]!; cx += img[i]! * (i % 28); cy += img[i]! * Math.floor(i / 28); }
    assert.ok(Math.abs(cx / m - 14) <= 1 && Math.abs(cy / m - 14) <= 1);
  }
});

test('idx pairs: N x 2 x 28 x 28 is pooled, N x 2 x 14 x 14 is taken as pooled; both give the same pairs', () => {
  const px = Uint8Array.from([...image(0), ...image(1), ...image(2), ...image(3)]);
  const f28 = join(dir, 'p28.idx');
  writeFileSync(f28, encodeIdxPairs(px, 2, 28));
  const a = pairsFromIdx(f28);
  assert.equal(a.n, 2);
  const pooled = poolImages2x2(px, 4, 28, 28);
  assert.deepEqual(Array.from(a.pairs), Array.from(pooled));
  // pooled values of MNIST are quarter-integers: rounded to bytes they differ by < 1
  const f14 = join(dir, 'p14.idx');
  writeFileSync(f14, encodeIdxPairs(Uint8Array.from(pooled, (v) => Math.round(v)), 2, 14));
  const b = pairsFromIdx(f14);
  for (let i = 0; i < pooled.length; i++) assert.ok(Math.abs(b.pairs[i]! - pooled[i]!) <= 0.5);
});

test('a photo-sized drawing (3000 x 2000) is read like a small one', () => {
  const w = 3000, h = 2000;
  const grey = new Float64Array(w * h).fill(255);
  for (let y = 500; y < 1500; y++) for (let x = 1400; x < 1600; x++) grey[y * w + x] = 0; // a dark bar: a '1'
  const img = toMnist28(grey, w, h, 'photo.png');
  let m = 0, cx = 0, cy = 0, rows = 0;
  for (let i = 0; i < 784; i++) { m += img[i]!; cx += img[i]! * (i % 28); cy += img[i]! * Math.floor(i / 28); }
  for (let y = 0; y < 28; y++) if (img.subarray(y * 28, y * 28 + 28).some((v) => v > 128)) rows++;
  assert.ok(Math.abs(cx / m - 14) <= 1 && Math.abs(cy / m - 14) <= 1, `centre ${cx / m}, ${cy / m}`);
  assert.equal(rows, 20, 'the longer side scaled to 20 pixels');
});

test('bad inputs: not a PNG, a broken PNG, a blank image, wrong idx dims / type / length: one-line errors', () => {
  writeFileSync(join(dir, 'text.png'), 'not an image');
  throwsOneLine(() => pairFromPngs(join(dir, 'text.png'), join(dir, 'text.png')), 'bad_input', /text\.png: not a PNG image/);
  const good = readFileSync(png('ok.png', image(0), 28, 28));
  writeFileSync(join(dir, 'cut.png'), good.subarray(0, 60));
  throwsOneLine(() => pairFromPngs(join(dir, 'cut.png'), join(dir, 'ok.png')), 'bad_input', /cut\.png: cannot decode the PNG/);
  const blank = png('blank.png', new Uint8Array(40 * 30).fill(255), 40, 30);
  throwsOneLine(() => pairFromPngs(join(dir, 'ok.png'), blank), 'bad_input', /blank\.png: no digit found/);
  // 28 x 28 (taken as MNIST-shaped) is no exception
  throwsOneLine(() => pairFromPngs(png('blank28.png', new Uint8Array(784), 28, 28), join(dir, 'ok.png')), 'bad_input', /blank28\.png: no digit found/);
  throwsOneLine(() => pairFromPngs(join(dir, 'ok.png'), join(dir, 'missing.png')), 'io_error', /missing\.png: no such file/);
  // the MNIST images file itself: 3 dims, not pairs
  const images = join(dir, 'images.idx');
  writeFileSync(images, Buffer.concat([Buffer.from([0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 28, 0, 0, 0, 28]), Buffer.alloc(2 * 784)]));
  throwsOneLine(() => pairsFromIdx(images), 'bad_idx_file', /images\.idx: dims \[2, 28, 28\], expected pairs of images: N x 2 x 28 x 28 or N x 2 x 14 x 14/);
  const three = join(dir, 'three.idx');
  writeFileSync(three, encodeIdxPairs(new Uint8Array(3 * 784), 1, 28).map((v, i) => (i === 11 ? 3 : v)));
  throwsOneLine(() => pairsFromIdx(three), 'bad_idx_file', /dims \[1, 3, 28, 28\]/);
  const short = join(dir, 'short.idx');
  writeFileSync(short, encodeIdxPairs(new Uint8Array(2 * 784), 1, 28).subarray(0, 500));
  throwsOneLine(() => pairsFromIdx(short), 'bad_idx_file', /480 bytes of pixels, the dims \[1, 2, 28, 28\] need 1568/);
  const floats = join(dir, 'floats.idx');
  writeFileSync(floats, Buffer.from([0, 0, 0x0d, 4]));
  throwsOneLine(() => pairsFromIdx(floats), 'bad_idx_file', /element type 0x0d, expected 0x08/);
  throwsOneLine(() => pairsFromIdx(join(dir, 'text.png')), 'bad_idx_file', /no idx magic number/);
});
