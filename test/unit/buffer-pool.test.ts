// the buffer pool's limits: views and float64 are refused, a buffer is pooled once, at most 16 per length,
// and past 256 MiB the pool is dropped. Its own process (node:test runs each file apart), so the pool starts empty.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { allocIndex, allocOut, pooledBufferBytes, releaseBuf } from '../../src/tensor/pool.js';

// each test leaves the pool empty: whatever it pooled is taken back out
function drain(n: number, kind: 'f32' | 'i32' = 'f32'): void {
  for (let i = 0; i < 40; i++) { if (kind === 'f32') allocOut(n, 'float32'); else allocIndex(n); }
}

test('a released buffer is handed out again, once, and a double release pools it once', () => {
  const b = new Float32Array(1000);
  releaseBuf(b);
  assert.equal(pooledBufferBytes(), 4000);
  releaseBuf(b);
  assert.equal(pooledBufferBytes(), 4000, 'a second release of the same buffer is ignored');
  assert.equal(allocOut(1000, 'float32'), b);
  assert.notEqual(allocOut(1000, 'float32'), b, 'handed to a second owner');
  assert.equal(pooledBufferBytes(), 0);
  const ix = new Int32Array(500);
  releaseBuf(ix);
  assert.equal(allocOut(500, 'float32') instanceof Float32Array, true);
  assert.equal(allocIndex(500), ix, 'int32 buffers have their own pool');
});

test('views, float64 and short buffers are refused', () => {
  const big = new Float32Array(4096);
  releaseBuf(big.subarray(0, 1000));
  releaseBuf(big.subarray(1000, 2000));
  releaseBuf(new Float64Array(1000));
  releaseBuf(new Float32Array(63));
  assert.equal(pooledBufferBytes(), 0);
  assert.equal(allocOut(1000, 'float32').buffer === big.buffer, false);
  releaseBuf(new Float32Array(64));
  assert.equal(pooledBufferBytes(), 256, '64 elements is the shortest pooled length');
  drain(64);
});

test('at most 16 buffers of one length', () => {
  const bufs = Array.from({ length: 20 }, () => new Float32Array(2000));
  for (const b of bufs) releaseBuf(b);
  assert.equal(pooledBufferBytes(), 16 * 8000);
  const back = new Set(Array.from({ length: 20 }, () => allocOut(2000, 'float32')));
  assert.equal(bufs.filter((b) => back.has(b)).length, 16);
  assert.equal(pooledBufferBytes(), 0);
});

test('past 256 MiB the pool is dropped and starts again', () => {
  // untouched pages: these allocations do not take real memory
  const mib = 2 ** 20;
  const a = new Float32Array(100 * mib / 4);
  const b = new Float32Array(100 * mib / 4 + 16);
  const c = new Float32Array(100 * mib / 4 + 32);
  releaseBuf(a);
  releaseBuf(b);
  assert.equal(pooledBufferBytes(), 200 * mib + 64);
  releaseBuf(c);
  assert.equal(pooledBufferBytes(), 100 * mib + 128, 'a and b dropped, c kept');
  assert.notEqual(allocOut(a.length, 'float32'), a);
  assert.equal(allocOut(c.length, 'float32'), c);
  assert.equal(pooledBufferBytes(), 0);
});
