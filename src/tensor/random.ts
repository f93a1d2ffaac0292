// seeded generator with explicit state: xoshiro128** seeded through splitmix32.
// split(key) derives an independent child from (state, key) without advancing the parent,
// so round r of a study gets the same stream however many workers run it.
import { PairbenchError } from '../errors.js';

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

export interface RngState {
  readonly s: readonly [number, number, number, number];
}

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare: number | null = null;

  constructor(seed: number | RngState = 0) {
    if (typeof seed === 'number') {
      if (!Number.isFinite(seed)) throw new PairbenchError('bad_argument', `Rng: seed must be a finite number, got ${seed}`, { op: 'Rng', field: 'seed', value: seed });
      const sm = splitmix32(Math.floor(seed) ^ Math.floor(seed / 0x100000000));
      this.a = sm(); this.b = sm(); this.c = sm(); this.d = sm();
      if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
    } else {
      [this.a, this.b, this.c, this.d] = seed.s;
    }
  }

  state(): RngState {
    return { s: [this.a, this.b, this.c, this.d] };
  }

  // continue from a state (a kernel that drew from this stream hands back where it stopped)
  setState(st: RngState): void {
    [this.a, this.b, this.c, this.d] = st.s.map((v) => v >>> 0) as [number, number, number, number];
  }

  // a child generator for `key`; the parent's stream is unchanged
  split(key: string | number): Rng {
    const k = typeof key === 'number' ? key >>> 0 : hashString(key);
    const sm = splitmix32((this.a ^ Math.imul(k, 0x9e3779b1) ^ this.c) >>> 0);
    const child = new Rng(0);
    child.a = (sm() ^ this.b) >>> 0; child.b = (sm() ^ this.d) >>> 0;
    child.c = (sm() ^ k) >>> 0; child.d = sm();
    if ((child.a | child.b | child.c | child.d) === 0) child.a = 1;
    return child;
  }

  // uniform 32-bit unsigned integer
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a; this.d ^= this.b; this.b ^= this.c; this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    this.a >>>= 0; this.b >>>= 0; this.c >>>= 0; this.d >>>= 0;
    return result;
  }

  // fills out with the next out.length values of nextU32 (the same stream, fast in bulk: dropout masks)
  fillU32(out: Uint32Array): void {
    let a = this.a;
    let b = this.b;
    let c = this.c;
    let d = this.d;
    for (let i = 0; i < out.length; i++) {
      out[i] = Math.imul(rotl(Math.imul(b, 5), 7), 9);
      const t = b << 9;
      c ^= a; d ^= b; b ^= c; a ^= d;
      c ^= t;
      d = (d << 11) | (d >>> 21);
    }
    this.a = a >>> 0; this.b = b >>> 0; this.c = c >>> 0; this.d = d >>> 0;
  }

  // out[i] = uniform(lo, hi) for each i in turn: the same stream and values, without a call per value (weight init)
  fillUniform(out: Float32Array | Float64Array, lo: number, hi: number): void {
    let a = this.a;
    let b = this.b;
    let c = this.c;
    let d = this.d;
    const span = hi - lo;
    for (let i = 0; i < out.length; i++) {
      const x0 = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
      let t = b << 9;
      c ^= a; d ^= b; b ^= c; a ^= d;
      c ^= t;
      d = (d << 11) | (d >>> 21);
      const x1 = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
      t = b << 9;
      c ^= a; d ^= b; b ^= c; a ^= d;
      c ^= t;
      d = (d << 11) | (d >>> 21);
      out[i] = lo + span * (((x0 >>> 5) * 67108864 + (x1 >>> 6)) / 9007199254740992);
    }
    this.a = a >>> 0; this.b = b >>> 0; this.c = c >>> 0; this.d = d >>> 0;
  }

  // uniform in [0, 1) with 53 bits
  random(): number {
    const hi = this.nextU32() >>> 5;
    const lo = this.nextU32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.random();
  }

  // integer in [0, n), unbiased
  int(n: number): number {
    if (!(n > 0) || n > 0x100000000) throw new PairbenchError('bad_argument', `Rng.int: n must be in 1..2^32, got ${n}`, { op: 'Rng.int', field: 'n', value: n });
    const limit = 0x100000000 - (0x100000000 % n);
    for (;;) {
      const x = this.nextU32();
      if (x < limit) return x % n;
    }
  }

  normal(mean = 0, std = 1): number {
    if (this.spare !== null) {
      const z = this.spare;
      this.spare = null;
      return mean + std * z;
    }
    let u = 0;
    while (u === 0) u = this.random();
    const v = this.random();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return mean + std * r * Math.cos(2 * Math.PI * v);
  }

  // Fisher-Yates permutation of 0..n-1: j = int(i + 1) for i = n-1 down to 1, the generator inlined
  // (the same draws and rejections as int(), without a call per element)
  permutation(n: number): Int32Array {
    if (n > 0x100000000) this.int(n); // int()'s range error
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    let a = this.a;
    let b = this.b;
    let c = this.c;
    let d = this.d;
    for (let i = n - 1; i > 0; i--) {
      const m = i + 1;
      let x: number;
      for (;;) {
        x = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
        const t = b << 9;
        c ^= a; d ^= b; b ^= c; a ^= d;
        c ^= t;
        d = (d << 11) | (d >>> 21);
        // int()'s limit 2^32 - (2^32 mod m) is above 2^32 - m: only draws past that need it
        if (x < 0x100000000 - m || x < 0x100000000 - (0x100000000 % m)) break;
      }
      const j = x % m;
      const t = p[i]!; p[i] = p[j]!; p[j] = t;
    }
    this.a = a >>> 0; this.b = b >>> 0; this.c = c >>> 0; this.d = d >>> 0;
    return p;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
