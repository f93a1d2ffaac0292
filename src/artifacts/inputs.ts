// a user's own digits as the networks read them: raw pooled pairs (n x 2 x 14 x 14, pixels 0-255)
// from two PNG images or from an idx file of pairs (uint8, N x 2 x 28 x 28 or N x 2 x 14 x 14)
import { gunzipSync } from 'node:zlib';
import pngjs from 'pngjs';
import { isGzip } from '../data/idx.js';
import { poolImages2x2 } from '../data/mnist.js';
import { PairbenchError } from '../errors.js';
import { readBytes } from './read-bytes.js';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && PNG_SIGNATURE.every((b, i) => bytes[i] === b);
}

// grey levels 0-255 of a PNG, alpha composited over white
export function pngToGrey(bytes: Uint8Array, file: string): { grey: Float64Array; width: number; height: number } {
  if (!isPng(bytes)) throw new PairbenchError('bad_input', `${file}: not a PNG image (no PNG signature)`, { file });
  let img: { width: number; height: number; data: Buffer };
  try {
    img = pngjs.PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (e) {
    throw new PairbenchError('bad_input', `${file}: cannot decode the PNG (${(e as Error).message})`, { file });
  }
  const { width, height, data } = img;
  const grey = new Float64Array(width * height);
  for (let i = 0; i < grey.length; i++) {
    const a = data[4 * i + 3]! / 255;
    const lum = 0.299 * data[4 * i]! + 0.587 * data[4 * i + 1]! + 0.114 * data[4 * i + 2]!;
    grey[i] = a * lum + (1 - a) * 255;
  }
  return { grey, width, height };
}

// the mean over a box [x0,x1) x [y0,y1) in continuous source coordinates (area-weighted)
function boxMean(src: Float64Array, w: number, x0: number, x1: number, y0: number, y1: number, ox: number, oy: number): number {
  let sum = 0;
  let area = 0;
  for (let y = Math.floor(y0); y < Math.ceil(y1); y++) {
    const wy = Math.min(y + 1, y1) - Math.max(y, y0);
    if (wy <= 0) continue;
    for (let x = Math.floor(x0); x < Math.ceil(x1); x++) {
      const wx = Math.min(x + 1, x1) - Math.max(x, x0);
      if (wx <= 0) continue;
      sum += wx * wy * src[(oy + y) * w + ox + x]!;
      area += wx * wy;
    }
  }
  return area > 0 ? sum / area : 0;
}

// MNIST's own normalisation: light ink on black, the digit's box scaled (aspect kept) so its longer
// side is 20 pixels, then placed in 28 x 28 with its centre of mass at the centre. A 28 x 28 image is
// taken as already in that form (only made light-on-dark).
export function toMnist28(grey: Float64Array, width: number, height: number, file: string): Uint8Array {
  // dark ink on light paper (the usual drawing) is inverted: the border says which is the background
  let border = 0;
  let count = 0;
  for (let x = 0; x < width; x++) { border += grey[x]! + grey[(height - 1) * width + x]!; count += 2; }
  for (let y = 0; y < height; y++) { border += grey[y * width]! + grey[y * width + width - 1]!; count += 2; }
  const ink = border / count > 127 ? grey.map((v) => 255 - v) : grey;
  let peak = 0;
  for (const v of ink) peak = Math.max(peak, v); // a loop: Math.max(...ink) overflows the stack on a large image
  if (!(peak > 32)) throw new PairbenchError('bad_input', `${file}: no digit found (the image is one flat shade)`, { file });
  if (width === 28 && height === 28) return Uint8Array.from(ink, (v) => Math.round(v));
  // the digit's bounding box: pixels with at least a tenth of the strongest ink
  let x0 = width, x1 = -1, y0 = height, y1 = -1;
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) {
    if (ink[y * width + x]! >= peak * 0.1) { x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y); }
  }
  const bw = x1 - x0 + 1;
  const bh = y1 - y0 + 1;
  const scale = 20 / Math.max(bw, bh);
  const sw = Math.max(1, Math.round(bw * scale));
  const sh = Math.max(1, Math.round(bh * scale));
  const small = new Float64Array(sw * sh);
  for (let y = 0; y < sh; y++) for (let x = 0; x < sw; x++) {
    small[y * sw + x] = boxMean(ink, width, (x * bw) / sw, ((x + 1) * bw) / sw, (y * bh) / sh, ((y + 1) * bh) / sh, x0, y0);
  }
  // MNIST's centre of mass, in pixel indices, is at (14, 14)
  let mass = 0, mx = 0, my = 0;
  for (let y = 0; y < sh; y++) for (let x = 0; x < sw; x++) { const v = small[y * sw + x]!; mass += v; mx += v * x; my += v * y; }
  const dx = Math.round(14 - mx / mass);
  const dy = Math.round(14 - my / mass);
  const out = new Uint8Array(28 * 28);
  for (let y = 0; y < sh; y++) for (let x = 0; x < sw; x++) {
    const tx = x + dx;
    const ty = y + dy;
    if (tx >= 0 && tx < 28 && ty >= 0 && ty < 28) out[ty * 28 + tx] = Math.min(255, Math.round(small[y * sw + x]!));
  }
  return out;
}

// one pair from two PNG files: (1, 2, 14, 14) raw pooled pixels
export function pairFromPngs(first: string, second: string): Float32Array {
  return pairFromPngBytes([first, readBytes(first, 'image')], [second, readBytes(second, 'image')]);
}

// the same from bytes already read, each with its file name for errors
export function pairFromPngBytes(...files: [[string, Uint8Array], [string, Uint8Array]]): Float32Array {
  const images = files.map(([f, bytes]) => {
    const { grey, width, height } = pngToGrey(bytes, f);
    return toMnist28(grey, width, height, f);
  });
  const both = new Uint8Array(2 * 784);
  both.set(images[0]!, 0);
  both.set(images[1]!, 784);
  return poolImages2x2(both, 2, 28, 28);
}

// an idx file of uint8 image pairs, N x 2 x 28 x 28 (pooled here) or N x 2 x 14 x 14 (already pooled)
export function pairsFromIdx(path: string): { pairs: Float32Array; n: number; side: number } {
  return pairsFromIdxBytes(readBytes(path, 'idx file'), path);
}

// the same from bytes already read (path names the file in errors)
export function pairsFromIdxBytes(fileBytes: Uint8Array, path: string): { pairs: Float32Array; n: number; side: number } {
  let bytes = fileBytes;
  const bad = (problem: string): PairbenchError => new PairbenchError('bad_idx_file', `idx file ${path}: ${problem}`, { file: path, problem });
  if (isGzip(bytes)) {
    try { bytes = gunzipSync(bytes); } catch (e) { throw bad(`looks gzip-compressed but does not decompress (${(e as Error).message})`); }
  }
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) throw bad('no idx magic number (expected 0x00 0x00 <type> <dims>)');
  if (bytes[2] !== 0x08) throw bad(`element type 0x${bytes[2]!.toString(16).padStart(2, '0')}, expected 0x08 (unsigned bytes)`);
  const ndim = bytes[3]!;
  if (bytes.length < 4 + 4 * ndim) throw bad(`${bytes.length} bytes, too short for the ${ndim} dimension sizes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims = Array.from({ length: ndim }, (_, i) => view.getUint32(4 + 4 * i, false));
  const [n, two, h, w] = dims;
  if (ndim !== 4 || two !== 2 || h !== w || (h !== 28 && h !== 14) || n === 0) {
    throw bad(`dims [${dims.join(', ')}], expected pairs of images: N x 2 x 28 x 28 or N x 2 x 14 x 14 (N >= 1)`);
  }
  const header = 4 + 4 * ndim;
  const payload = n! * 2 * h * w;
  if (bytes.length !== header + payload) throw bad(`${bytes.length - header} bytes of pixels, the dims [${dims.join(', ')}] need ${payload}`);
  const px = bytes.subarray(header);
  const pairs = h === 28 ? poolImages2x2(px, 2 * n!, 28, 28) : Float32Array.from(px);
  return { pairs, n: n!, side: h };
}

// an idx file of uint8 pairs (the format pairsFromIdx reads)
export function encodeIdxPairs(pixels: Uint8Array, n: number, side: 28 | 14): Uint8Array {
  const out = new Uint8Array(4 + 16 + pixels.length);
  const view = new DataView(out.buffer);
  out.set([0, 0, 0x08, 4], 0);
  [n, 2, side, side].forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(pixels, 20);
  return out;
}
