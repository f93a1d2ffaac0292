// idx file reader (the MNIST container format): a big-endian header, then unsigned bytes.
//   magic 0x00000801 = labels, dims [n]; magic 0x00000803 = images, dims [n, rows, cols]
// Every problem is a PairbenchError('bad_idx_file') whose message names the file and what is wrong.
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
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

// gzip's magic number: idx files (and pair files) may come gzip-compressed
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

// parse the bytes of an idx file (already read); `file` only names it in errors
export function parseIdx(bytes: Uint8Array, file: string, expect: IdxExpect = {}): IdxFile {
  if (isGzip(bytes)) {
    let raw: Buffer;
    try {
      raw = gunzipSync(bytes);
    } catch (e) {
      throw bad(file, `looks gzip-compressed but does not decompress (${(e as Error).message})`);
    }
    return parseIdx(raw, `${file} (gunzipped)`, expect);
  }
  const h = parseIdxHeader(bytes, bytes.length, file, expect);
  const header = h.headerBytes;
  const payload = h.payloadBytes;
  const kind = h.kind;
  const dims = h.dims;
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

export interface IdxHeader {
  kind: IdxKind;
  dims: number[];
  headerBytes: number; // 8 for labels, 16 for images
  payloadBytes: number; // the product of dims
}

// validate an idx header against the file's total length (magic, dims, expected dims, exact length).
// `head` holds at least the file's first min(16, fileLength) bytes. Labels' range is checked by the caller.
export function parseIdxHeader(head: Uint8Array, fileLength: number, file: string, expect: IdxExpect = {}): IdxHeader {
  if (fileLength < 4) {
    throw bad(file, `file is ${fileLength} bytes, too short for the 4-byte idx magic number`, { length: fileLength });
  }
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
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
  if (fileLength < header) {
    throw bad(file, `truncated header: a ${kind} file needs ${header} header bytes, the file has ${fileLength}`, {
      length: fileLength,
    });
  }
  if (head.length < header) throw bad(file, `only ${head.length} of the ${header} header bytes could be read`);
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
  const have = fileLength - header;
  if (have < payload) {
    throw bad(
      file,
      `truncated: header dims [${dims.join(', ')}] need ${payload} payload bytes (${header + payload} in all), ` +
        `the file has ${have} after the header (${payload - have} missing)`,
      { dims, length: fileLength, expectedLength: header + payload },
    );
  }
  if (have > payload) {
    throw bad(
      file,
      `${have - payload} extra bytes after the ${payload} payload bytes that header dims [${dims.join(', ')}] announce ` +
        `(file is ${fileLength} bytes, expected ${header + payload})`,
      { dims, length: fileLength, expectedLength: header + payload },
    );
  }
  return { kind, dims, headerBytes: header, payloadBytes: payload };
}

function ioError(file: string, e: unknown): PairbenchError {
  const err = e as NodeJS.ErrnoException;
  const problem =
    err.code === 'ENOENT'
      ? 'file not found'
      : err.code === 'EISDIR'
        ? 'is a directory, not a file'
        : err.code === 'EACCES'
          ? 'permission denied'
          : `cannot be read (${err.code ?? ''} ${err.message})`;
  return bad(file, problem, { errno: err.code });
}

// read and validate one idx file (plain, or gzip-compressed: detected by its content)
export function readIdx(file: string, expect: IdxExpect = {}): IdxFile {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw ioError(file, e);
  }
  return parseIdx(bytes, file, expect);
}

// read a large idx file in chunks of `chunkItems` items without holding it whole: the header and the
// exact length are validated first (as readIdx does), then onChunk(data, firstItem, count) is called
// with each chunk's bytes (a reused buffer: consume it before returning) and the validated header.
// A gzip file, or a labels file, is read whole and given as one chunk.
export function readIdxChunked(
  file: string,
  expect: IdxExpect,
  chunkItems: number,
  onChunk: (data: Uint8Array, firstItem: number, count: number, header: IdxHeader) => void,
): IdxHeader {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    throw ioError(file, e);
  }
  try {
    let size: number;
    const head = new Uint8Array(16);
    let got: number;
    try {
      if (fstatSync(fd).isDirectory()) throw bad(file, 'is a directory, not a file');
      size = fstatSync(fd).size;
      got = readSync(fd, head, 0, 16, 0);
    } catch (e) {
      if (e instanceof PairbenchError) throw e;
      throw ioError(file, e);
    }
    if (isGzip(head.subarray(0, got))) {
      const whole = readIdx(file, expect);
      const wh: IdxHeader = { kind: whole.kind, dims: whole.dims, headerBytes: whole.kind === 'labels' ? 8 : 16, payloadBytes: whole.data.length };
      onChunk(whole.data, 0, whole.dims[0]!, wh);
      return wh;
    }
    const h = parseIdxHeader(head.subarray(0, got), size, file, expect);
    if (h.kind === 'labels') {
      // labels are small; their range check lives in parseIdx
      const whole = readIdx(file, expect);
      onChunk(whole.data, 0, whole.dims[0]!, h);
      return h;
    }
    const n = h.dims[0]!;
    const itemBytes = h.payloadBytes / n;
    const per = Math.max(1, Math.min(n, Math.floor(chunkItems)));
    const buf = new Uint8Array(per * itemBytes);
    for (let first = 0; first < n; first += per) {
      const count = Math.min(per, n - first);
      const want = count * itemBytes;
      let off = 0;
      while (off < want) {
        let r: number;
        try {
          r = readSync(fd, buf, off, want - off, h.headerBytes + first * itemBytes + off);
        } catch (e) {
          throw ioError(file, e);
        }
        if (r === 0) throw bad(file, `file ended at byte ${h.headerBytes + first * itemBytes + off} while being read (it changed on disk?)`);
        off += r;
      }
      onChunk(buf.subarray(0, want), first, count, h);
    }
    return h;
  } finally {
    closeSync(fd);
  }
}
