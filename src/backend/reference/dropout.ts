// inverted dropout with its own xoshiro128** steps: the same stream as Rng.fillU32 on the same state
import type { Buf } from '../backend.js';

// out, mask, x: (n); state: (4) the generator's a, b, c, d, advanced past the n draws
export function dropout(out: Buf, mask: Buf, x: Buf, state: Int32Array, p: number): void {
  let a = state[0]! >>> 0, b = state[1]! >>> 0, c = state[2]! >>> 0, d = state[3]! >>> 0;
  const keep = 1 / (1 - p);
  const threshold = p * 4294967296;
  for (let i = 0; i < out.length; i++) {
    const r = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
    const t = b << 9;
    c ^= a; d ^= b; b ^= c; a ^= d;
    c ^= t;
    d = rotl(d, 11);
    mask[i] = r < threshold ? 0 : keep;
    out[i] = x[i]! * mask[i]!;
  }
  state[0] = a; state[1] = b; state[2] = c; state[3] = d;
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
