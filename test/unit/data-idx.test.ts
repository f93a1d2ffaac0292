// the idx reader: each kind of bad file is a PairbenchError('bad_idx_file') naming the file; a fuzz of
// random corruptions never crashes otherwise and never silently returns a wrong read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { PairbenchError } from '../../src/errors.js';
import { parseIdx, readIdx, readIdxChunked, type IdxExpect } from '../../src/data/idx.js';
import { Rng } from '../../src/tensor/random.js';
import { bytesPattern, idxBytes, tempDir } from './data-helpers.js';

const dir = tempDir();
test.after(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, bytes: Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

function assertBad(fn: () => unknown, file: string, re: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof PairbenchError, `expected a PairbenchError, got ${String(e)}`);
    assert.equal(e.code, 'bad_idx_file');
    assert.ok(e.message.includes(file), `message should name ${file}: ${e.message}`);
    assert.match(e.message, re);
    return true;
  });
}

const IMG: IdxExpect = { kind: 'images', dims: [null, 4, 4] };
const LBL: IdxExpect = { kind: 'labels' };

test('valid files read back exactly', () => {
  const px = bytesPattern(3 * 16);
  const img = readIdx(write('ok-images', idxBytes('images', [3, 4, 4], px)), IMG);
  assert.equal(img.kind, 'images');
  assert.deepEqual(img.dims, [3, 4, 4]);
  assert.deepEqual(Array.from(img.data), Array.from(px));
  const lab = bytesPattern(5, 10);
  const l = readIdx(write('ok-labels', idxBytes('labels', [5], lab)), LBL);
  assert.deepEqual(l.dims, [5]);
  assert.deepEqual(Array.from(l.data), Array.from(lab));
  // gzip-compressed content is accepted
  const gz = readIdx(write('ok-labels.gz', gzipSync(idxBytes('labels', [5], lab))), LBL);
  assert.deepEqual(Array.from(gz.data), Array.from(lab));
});

test('bad magic number', () => {
  const b = idxBytes('labels', [3], new Uint8Array([1, 2, 3]));
  b[3] = 0x02;
  const p = write('bad-magic', b);
  assertBad(() => readIdx(p, LBL), p, /wrong magic number 0x00000802/);
  const q = write('images-as-labels', idxBytes('images', [1, 4, 4], new Uint8Array(16)));
  assertBad(() => readIdx(q, LBL), q, /marks a images file, expected a labels file/);
});

test('wrong dims', () => {
  const p = write('wrong-dims', idxBytes('images', [2, 5, 4], new Uint8Array(40)));
  assertBad(() => readIdx(p, IMG), p, /wrong dimensions \[2, 5, 4\], expected \[\*, 4, 4\]/);
  const z = write('zero-dim', idxBytes('images', [0, 4, 4], new Uint8Array(0)));
  assertBad(() => readIdx(z, IMG), z, /dimension count is 0/);
});

test('truncated file, truncated header, tiny file', () => {
  const full = idxBytes('images', [3, 4, 4], bytesPattern(48));
  const p = write('truncated', full.subarray(0, full.length - 5));
  assertBad(() => readIdx(p, IMG), p, /truncated: .* \(5 missing\)/);
  const h = write('truncated-header', full.subarray(0, 10));
  assertBad(() => readIdx(h, IMG), h, /truncated header/);
  const t = write('tiny', full.subarray(0, 2));
  assertBad(() => readIdx(t, IMG), t, /too short/);
  const e = write('empty', new Uint8Array(0));
  assertBad(() => readIdx(e, IMG), e, /0 bytes/);
});

test('extra bytes', () => {
  const full = idxBytes('labels', [3], new Uint8Array([1, 2, 3]));
  const b = new Uint8Array(full.length + 2);
  b.set(full);
  const p = write('extra', b);
  assertBad(() => readIdx(p, LBL), p, /2 extra bytes/);
});

test('label out of range', () => {
  const p = write('label-range', idxBytes('labels', [4], new Uint8Array([1, 9, 10, 3])));
  assertBad(() => readIdx(p, LBL), p, /label 10 at index 2 is outside 0\.\.9/);
});

test('missing file, directory, corrupt gzip', () => {
  const p = join(dir, 'no-such-file');
  assertBad(() => readIdx(p, LBL), p, /file not found/);
  const d = join(dir, 'a-directory');
  mkdirSync(d);
  assertBad(() => readIdx(d, LBL), d, /is a directory/);
  const g = gzipSync(idxBytes('labels', [3], new Uint8Array([1, 2, 3])));
  const gp = write('corrupt.gz', g.subarray(0, g.length - 6));
  assertBad(() => readIdx(gp, LBL), gp, /does not decompress/);
});

// Fuzz: a few hundred random corruptions of small valid files (byte flips anywhere, truncations,
// appends, combinations). Each read must either throw PairbenchError('bad_idx_file') or return
// exactly the original dims, with a payload differing only where payload bytes were flipped.
// What it can catch: any change of the header (magic, dims) or of the length - always an error,
// since the dims must match the expectation and the exact length. Labels flipped outside 0..9 too.
// What it cannot: a flipped pixel byte of an images file, or a label flipped to another valid label:
// idx has no checksum, so such a file is a valid file with other contents. (The md5 test of the real
// files in data-mnist.test.ts is what catches those.) The test checks they are read as written.
test('fuzz: random corruptions never crash and never read wrong silently', (t0) => {
  const rng = new Rng(4242);
  const originals: Array<{ name: string; bytes: Uint8Array; header: number; expect: IdxExpect }> = [
    { name: 'fuzz-images', bytes: idxBytes('images', [3, 4, 4], bytesPattern(48, 256, 11)), header: 16, expect: IMG },
    { name: 'fuzz-labels', bytes: idxBytes('labels', [12], bytesPattern(12, 10, 12)), header: 8, expect: LBL },
  ];
  let errors = 0;
  let undetectable = 0;
  const N = 400;
  for (let t = 0; t < N; t++) {
    const o = originals[t % 2]!;
    let b: Uint8Array = o.bytes.slice();
    let lengthChanged = false;
    const ops = 1 + rng.int(3);
    for (let k = 0; k < ops; k++) {
      const op = rng.int(4);
      if (op <= 1) {
        // flip one byte (half of the flips aimed at the header)
        const i = op === 0 ? rng.int(Math.min(o.header, b.length) || 1) : rng.int(b.length || 1);
        if (i < b.length) b[i] = b[i]! ^ (1 + rng.int(255));
      } else if (op === 2) {
        b = b.slice(0, rng.int(b.length + 1));
        lengthChanged = true;
      } else {
        const extra = bytesPattern(1 + rng.int(20), 256, t);
        const c = new Uint8Array(b.length + extra.length);
        c.set(b);
        c.set(extra, b.length);
        b = c;
        lengthChanged = true;
      }
    }
    if (!lengthChanged && b.length !== o.bytes.length) lengthChanged = true;
    const file = `${o.name}-${t}`;
    const chunked = o.name === 'fuzz-images' ? chunkedRead(write(file, b), o.expect) : null;
    let read;
    try {
      read = parseIdx(b, file, o.expect);
    } catch (e) {
      if (chunked) assert.ok(chunked instanceof PairbenchError && chunked.code === 'bad_idx_file', `case ${t}: the chunked reader accepted what parseIdx rejects`);
      assert.ok(e instanceof PairbenchError && e.code === 'bad_idx_file', `case ${t}: unexpected error ${String(e)}`);
      assert.ok(e.message.includes(file));
      errors++;
      continue;
    }
    // a successful read: same length and header as the original, payload as written
    const same = b.length === o.bytes.length && b.subarray(0, o.header).every((v, i) => v === o.bytes[i]);
    assert.ok(same, `case ${t}: a file with a changed header or length was read without error`);
    assert.deepEqual(read.dims, parseIdx(o.bytes, 'orig', o.expect).dims);
    assert.deepEqual(Array.from(read.data), Array.from(b.subarray(o.header)));
    if (chunked) assert.deepEqual(chunked, Array.from(read.data), `case ${t}: the chunked reader differs`);
    if (!b.every((v, i) => v === o.bytes[i])) undetectable++;
  }
  assert.ok(errors > N / 2, `expected most corruptions to be errors, got ${errors}/${N}`);
  // undetectable = payload-only changes that still form a valid file (reported for the record)
  t0.diagnostic(`${N} corrupted files: ${errors} rejected, ${undetectable} payload-only changes read as written, ${N - errors - undetectable} unchanged`);
});

// the chunked reader (used for the large images files) gives the same data in pieces, or an error
function chunkedRead(file: string, expect: IdxExpect): number[] | unknown {
  try {
    const out: number[] = [];
    let next = 0;
    readIdxChunked(file, expect, 2, (data, first, count) => {
      assert.equal(first, next);
      assert.equal(data.length, count * 16);
      next += count;
      out.push(...data);
    });
    return out;
  } catch (e) {
    return e;
  }
}

test('chunked reader: same data, same errors', () => {
  const px = bytesPattern(5 * 16);
  const p = write('chunk-ok', idxBytes('images', [5, 4, 4], px));
  assert.deepEqual(chunkedRead(p, IMG), Array.from(px));
  const gz = write('chunk-ok.gz', gzipSync(idxBytes('images', [5, 4, 4], px)));
  assert.deepEqual(chunkedRead(gz, IMG), Array.from(px));
  const full = idxBytes('images', [5, 4, 4], px);
  const cases: Array<[string, Uint8Array | null, RegExp]> = [
    ['chunk-trunc', full.subarray(0, full.length - 1), /truncated: .*\(1 missing\)/],
    ['chunk-extra', Uint8Array.from([...full, 0]), /1 extra bytes/],
    ['chunk-dims', idxBytes('images', [5, 4, 5], bytesPattern(100)), /wrong dimensions/],
    ['chunk-magic', Uint8Array.from([0, 0, 8, 2, ...full.subarray(4)]), /wrong magic number/],
    ['chunk-tiny', full.subarray(0, 3), /too short/],
    ['chunk-missing', null, /file not found/],
  ];
  for (const [name, bytes, re] of cases) {
    const f = bytes ? write(name, bytes) : join(dir, name);
    assertBad(() => {
      const r = chunkedRead(f, IMG);
      if (r instanceof Error) throw r;
    }, f, re);
  }
  assertBad(() => {
    const r = chunkedRead(dir, IMG);
    if (r instanceof Error) throw r;
  }, dir, /is a directory/);
});
