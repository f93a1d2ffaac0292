// the safetensors reader/writer: byte layout, round trip, and every malformed file as one clear error
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeSafetensors, encodeSafetensors } from '../../src/artifacts/safetensors.js';
import { throwsOneLine } from '../helpers/errors.js';

function header(bytes: Uint8Array): { length: number; json: Record<string, unknown> } {
  const length = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return { length, json: JSON.parse(Buffer.from(bytes.subarray(8, 8 + length)).toString('utf8')) as Record<string, unknown> };
}

function withHeader(json: unknown, data: Uint8Array): Uint8Array {
  const h = Buffer.from(JSON.stringify(json));
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

test('the layout: u64 LE header length, JSON header padded to 8, little-endian buffers at data_offsets', () => {
  const a = Float32Array.from([1.5, -2, 3.25, 0]);
  const b = Float64Array.from([Math.PI]);
  const bytes = encodeSafetensors([{ name: 'a.weight', shape: [2, 2], data: a }, { name: 'b', shape: [1], data: b }], { format: 'x', n: '3' });
  const { length, json } = header(bytes);
  assert.equal((8 + length) % 8, 0);
  assert.deepEqual(json['__metadata__'], { format: 'x', n: '3' });
  assert.deepEqual(json['a.weight'], { dtype: 'F32', shape: [2, 2], data_offsets: [0, 16] });
  assert.deepEqual(json['b'], { dtype: 'F64', shape: [1], data_offsets: [16, 24] });
  assert.equal(bytes.length, 8 + length + 24);
  const dv = new DataView(bytes.buffer, 8 + length);
  assert.equal(dv.getFloat32(8, true), 3.25);
  assert.equal(dv.getFloat64(16, true), Math.PI);
});

test('round trip keeps names, order, shapes, dtypes, values and metadata', () => {
  const t = [
    { name: 'z', shape: [3], data: Float32Array.from([0.1, -7e-8, 1e30]) },
    { name: 'a', shape: [1, 2, 1], data: Float64Array.from([1 / 3, -0]) },
    { name: 'empty', shape: [0, 4], data: new Float32Array(0) },
  ];
  const back = decodeSafetensors(encodeSafetensors(t, { k: 'v' }), 'mem');
  assert.deepEqual([...back.tensors.keys()], ['z', 'a', 'empty']);
  assert.deepEqual(back.metadata, { k: 'v' });
  for (const x of t) {
    const y = back.tensors.get(x.name)!;
    assert.deepEqual(y.shape, x.shape);
    assert.equal(y.data.constructor, x.data.constructor);
    assert.deepEqual(Array.from(y.data), Array.from(x.data));
  }
});

test('malformed files: each a bad_checkpoint error naming the file and the problem', () => {
  const good = encodeSafetensors([{ name: 'w', shape: [4], data: Float32Array.from([1, 2, 3, 4]) }], { m: '1' });
  throwsOneLine(() => decodeSafetensors(good.subarray(0, 5), 'f.st'), 'bad_checkpoint', /f\.st: .*too short/);
  throwsOneLine(() => decodeSafetensors(good.subarray(0, good.length - 3), 'f.st'), 'bad_checkpoint', /f\.st: .*'w' ends at byte 16 of a 13-byte data section \(the file is truncated\)/);
  throwsOneLine(() => decodeSafetensors(good.subarray(0, 40), 'f.st'), 'bad_checkpoint', /header length \d+ runs past the end/);
  throwsOneLine(() => decodeSafetensors(Buffer.from('PK\x03\x04 a zip, not safetensors at all'), 'f.zip'), 'bad_checkpoint', /f\.zip: .*runs past the end/);
  const data = new Uint8Array(16);
  throwsOneLine(() => decodeSafetensors(withHeader({ w: { dtype: 'F16', shape: [8], data_offsets: [0, 16] } }, data), 'f'), 'bad_checkpoint', /dtype "F16"; pairbench reads F32 and F64 only/);
  throwsOneLine(() => decodeSafetensors(withHeader({ w: { dtype: 'F32', shape: [5], data_offsets: [0, 16] } }, data), 'f'), 'bad_checkpoint', /shape \[5\] \(20 bytes\) but data_offsets span 16 bytes/);
  throwsOneLine(() => decodeSafetensors(withHeader({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, data.subarray(0, 12)), 'f'), 'bad_checkpoint', /'b' starts at byte 4, expected 8/);
  throwsOneLine(() => decodeSafetensors(withHeader({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, data), 'f'), 'bad_checkpoint', /8 bytes after the last tensor/);
  throwsOneLine(() => decodeSafetensors(withHeader({ __metadata__: { n: 3 } }, new Uint8Array(0)), 'f'), 'bad_checkpoint', /__metadata__\.n is not a string/);
  const notJson = withHeader({}, new Uint8Array(0));
  notJson[8] = 0x7b + 1;
  throwsOneLine(() => decodeSafetensors(notJson, 'f'), 'bad_checkpoint', /the header is not JSON/);
});
