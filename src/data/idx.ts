// idx file reader (the MNIST container format): a big-endian header, then unsigned bytes.
//   magic 0x00000801 = labels, dims [n]; magic 0x00000803 = images, dims [n, rows, cols]
// Every problem is a PairbenchError('bad_idx_file') whose message names the file and what is wrong.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { PairbenchError } from '../errors.js';

export const IDX_LABELS_MAGIC = 0x00000801;
export const IDX_IMAGES_MAGIC = 0x00000803;

export type IdxKind = 'labels' | 'images';

export interface IdxFile {
  file: string;
  kind: IdxKind;
  dims: number[]; // labels: [n]; images: [n, rows, cols]
  data: Uint8Array; // the payload, row-major (a view on the file's bytes)
}

export interface IdxExpect {
  kind?: IdxKind;
  // expected dims; null = any (e.g. [null, 28, 28] for MNIST images)
  dims?: ReadonlyArray<number | null>;
  // labels: the largest valid label (default 9)
  maxLabel?: number;
}

function bad(file: string, problem: string, details: Record<string, unknown> = {}): PairbenchError {
  return new PairbenchError('bad_idx_file', `idx file ${file}: ${problem}`, { file, problem, ...details });
}

const hex = (v: number): string => '0x' + (v >>> 0).toString(16).padStart(8, '0');

// parse the bytes of an idx file (already read); `file` only names it in errors
export function parseIdx(bytes: Uint8Array, file: string, expect: IdxExpect = {}): IdxFile {
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    let raw: Buffer;
    try {
      raw = gunzipSync(bytes);
    } catch (e) {
      throw bad(file, `looks gzip-compressed but does not decompress (${(e as Error).message})`);
    }
    return parseIdx(raw, `${file} (gunzipped)`, expect);
  }
  if (bytes.length < 4) {
    throw bad(file, `file is ${bytes.length} bytes, too short for the 4-byte idx magic number`, { length: bytes.length });
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  let kind: IdxKind;
  if (magic === IDX_LABELS_MAGIC) kind = 'labels';
  else if (magic === IDX_IMAGES_MAGIC) kind = 'images';
  else {
    throw bad(
      file,
      `wrong magic number ${hex(magic)} (expected ${hex(IDX_LABELS_MAGIC)} for labels or ${hex(IDX_IMAGES_MAGIC)} for images)`,
      { magic },
    );
  }
  if (expect.kind !== undefined && expect.kind !== kind) {
    throw bad(file, `magic number ${hex(magic)} marks a ${kind} file, expected a ${expect.kind} file`, { magic });
  }
  const ndims = kind === 'labels' ? 1 : 3;
  const header = 4 + 4 * ndims;
  if (bytes.length < header) {
    throw bad(file, `truncated header: a ${kind} file needs ${header} header bytes, the file has ${bytes.length}`, {
      length: bytes.length,
    });
  }
  const dims: number[] = [];
  for (let k = 0; k < ndims; k++) dims.push(view.getUint32(4 + 4 * k, false));
  const names = kind === 'labels' ? ['count'] : ['count', 'rows', 'cols'];
  for (let k = 0; k < ndims; k++) {
    if (dims[k] === 0) throw bad(file, `header dimension ${names[k]} is 0 (dims [${dims.join(', ')}])`, { dims });
  }
  if (expect.dims !== undefined) {
    if (expect.dims.length !== ndims) {
      throw bad(file, `has ${ndims} dimensions [${dims.join(', ')}], expected ${expect.dims.length}`, { dims });
    }
    for (let k = 0; k < ndims; k++) {
      const want = expect.dims[k];
      if (want !== null && want !== undefined && want !== dims[k]) {
        const shown = expect.dims.map((d) => (d === null ? '*' : String(d))).join(', ');
        throw bad(file, `wrong dimensions [${dims.join(', ')}], expected [${shown}] (${names[k]} differs)`, { dims });
      }
    }
  }
  const payload = dims.reduce((a, b) => a * b, 1);
  const have = bytes.length - header;
  if (have < payload) {
    throw bad(
      file,
      `truncated: header dims [${dims.join(', ')}] need ${payload} payload bytes (${header + payload} in all), ` +
        `the file has ${have} after the header (${payload - have} missing)`,
      { dims, length: bytes.length, expectedLength: header + payload },
    );
  }
  if (have > payload) {
    throw bad(
      file,
      `${have - payload} extra bytes after the ${payload} payload bytes that header dims [${dims.join(', ')}] announce ` +
        `(file is ${bytes.length} bytes, expected ${header + payload})`,
      { dims, length: bytes.length, expectedLength: header + payload },
    );
  }
  const data = new Uint8Array(bytes.buffer, bytes.byteOffset + header, payload);
  if (kind === 'labels') {
    const maxLabel = expect.maxLabel ?? 9;
    for (let i = 0; i < payload; i++) {
      if (data[i]! > maxLabel) {
        throw bad(file, `label ${data[i]} at index ${i} is outside 0..${maxLabel}`, { index: i, label: data[i] });
      }
    }
  }
  return { file, kind, dims, data };
}

// read and validate one idx file (plain, or gzip-compressed: detected by its content)
export function readIdx(file: string, expect: IdxExpect = {}): IdxFile {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const problem =
      err.code === 'ENOENT'
        ? 'file not found'
        : err.code === 'EISDIR'
          ? 'is a directory, not a file'
          : err.code === 'EACCES'
            ? 'permission denied'
            : `cannot be read (${err.code ?? ''} ${err.message})`;
    throw bad(file, problem, { errno: err.code });
  }
  return parseIdx(bytes, file, expect);
}
