// the safetensors format: an 8-byte little-endian header length, a JSON header (per tensor: dtype,
// shape, data_offsets into the data section; "__metadata__": a map of strings), then the raw
// little-endian buffers. Only F32 and F64 are written or read (all pairbench tensors are one of them).
import { PairbenchError } from '../errors.js';

export type SafetensorsDType = 'F32' | 'F64';

export interface NamedArray {
  name: string;
  shape: number[];
  data: Float32Array | Float64Array;
}

export interface SafetensorsFile {
  tensors: Map<string, NamedArray>; // in the header's order
  metadata: Record<string, string>;
}

const BYTES: Record<SafetensorsDType, number> = { F32: 4, F64: 8 };
const MAX_HEADER = 100_000_000; // the reference implementation's limit

function bad(file: string, problem: string, details: Record<string, unknown> = {}): PairbenchError {
  return new PairbenchError('bad_checkpoint', `${file}: not a valid safetensors file: ${problem}`, { file, problem, ...details });
}

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

// the file's bytes: tensors in the given order, metadata as given (every value a string)
export function encodeSafetensors(tensors: readonly NamedArray[], metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header['__metadata__'] = metadata;
  let offset = 0;
  for (const t of tensors) {
    if (t.name === '__metadata__' || t.name in header) throw new PairbenchError('bad_argument', `safetensors: duplicate or reserved tensor name '${t.name}'`, { name: t.name });
    if (sizeOf(t.shape) !== t.data.length) throw new PairbenchError('shape_mismatch', `safetensors: '${t.name}' has ${t.data.length} values, its shape [${t.shape.join(', ')}] needs ${sizeOf(t.shape)}`, { op: 'encodeSafetensors', shapes: { shape: t.shape }, name: t.name });
    const dtype: SafetensorsDType = t.data instanceof Float64Array ? 'F64' : 'F32';
    const bytes = t.data.length * BYTES[dtype];
    header[t.name] = { dtype, shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  // the data section starts 8-aligned: the header is padded with spaces
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const head = Buffer.from(json, 'utf8');
  const out = new Uint8Array(8 + head.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let p = 8 + head.length;
  for (const t of tensors) {
    const dv = new DataView(out.buffer, p, t.data.length * (t.data instanceof Float64Array ? 8 : 4));
    if (t.data instanceof Float64Array) for (let i = 0; i < t.data.length; i++) dv.setFloat64(8 * i, t.data[i]!, true);
    else for (let i = 0; i < t.data.length; i++) dv.setFloat32(4 * i, t.data[i]!, true);
    p += dv.byteLength;
  }
  return out;
}

// parses and checks the whole file (header, dtypes, shapes, offsets covering the data exactly);
// `file` only names it in errors
export function decodeSafetensors(bytes: Uint8Array, file: string): SafetensorsFile {
  if (bytes.length < 8) throw bad(file, `${bytes.length} bytes, too short for the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getBigUint64(0, true);
  if (n > BigInt(Math.min(MAX_HEADER, bytes.length - 8))) {
    throw bad(file, `header length ${n} runs past the end of the ${bytes.length}-byte file (truncated, or another format)`, { headerLength: Number(n) });
  }
  const headerBytes = Number(n);
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + 8, headerBytes).toString('utf8'));
  } catch (e) {
    throw bad(file, `the header is not JSON (${(e as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) throw bad(file, 'the header is not a JSON object');
  const dataStart = 8 + headerBytes;
  const dataLength = bytes.length - dataStart;
  const metadata: Record<string, string> = {};
  const tensors = new Map<string, NamedArray>();
  const spans: [number, number, string][] = [];
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) throw bad(file, '__metadata__ is not an object');
      for (const [k, v] of Object.entries(entry as Record<string, unknown>)) {
        if (typeof v !== 'string') throw bad(file, `__metadata__.${k} is not a string`);
        metadata[k] = v;
      }
      continue;
    }
    const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown } | null;
    if (e === null || typeof e !== 'object') throw bad(file, `tensor '${name}' has no dtype/shape/data_offsets entry`);
    if (e.dtype !== 'F32' && e.dtype !== 'F64') throw bad(file, `tensor '${name}' has dtype ${JSON.stringify(e.dtype)}; pairbench reads F32 and F64 only`, { name });
    const shape = e.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw bad(file, `tensor '${name}' has a bad shape ${JSON.stringify(shape)}`, { name });
    const offs = e.data_offsets;
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((d) => Number.isSafeInteger(d) && d >= 0) || offs[0] > offs[1]) {
      throw bad(file, `tensor '${name}' has bad data_offsets ${JSON.stringify(offs)}`, { name });
    }
    const [begin, end] = offs as [number, number];
    const width = BYTES[e.dtype];
    if (end - begin !== sizeOf(shape as number[]) * width) {
      throw bad(file, `tensor '${name}' has shape [${(shape as number[]).join(', ')}] (${sizeOf(shape as number[]) * width} bytes) but data_offsets span ${end - begin} bytes`, { name });
    }
    if (end > dataLength) throw bad(file, `tensor '${name}' ends at byte ${end} of a ${dataLength}-byte data section (the file is truncated)`, { name, end, dataLength });
    spans.push([begin, end, name]);
    const data = e.dtype === 'F64' ? new Float64Array(sizeOf(shape as number[])) : new Float32Array(sizeOf(shape as number[]));
    const dv = new DataView(bytes.buffer, bytes.byteOffset + dataStart + begin, end - begin);
    if (data instanceof Float64Array) for (let i = 0; i < data.length; i++) data[i] = dv.getFloat64(8 * i, true);
    else for (let i = 0; i < data.length; i++) data[i] = dv.getFloat32(4 * i, true);
    tensors.set(name, { name, shape: shape as number[], data });
  }
  // the buffers must tile the data section: no overlap, no hole, nothing after the last one
  spans.sort((a, b) => a[0] - b[0]);
  let at = 0;
  for (const [begin, end, name] of spans) {
    if (begin !== at) throw bad(file, `tensor '${name}' starts at byte ${begin}, expected ${at} (overlapping or missing data)`, { name });
    at = end;
  }
  if (at !== dataLength) throw bad(file, `${dataLength - at} bytes after the last tensor`, { trailing: dataLength - at });
  return { tensors, metadata };
}
