// small helpers for the benchmarks: timing, seeded data, table printing (no timed assertions anywhere)
import { Rng } from '../src/tensor/random.js';

export interface Timing {
  readonly perCall: number; // seconds
  readonly calls: number;
}

// runs fn once to warm up, then repeatedly until minSeconds have passed (at least minCalls calls);
// returns the best of a few batches' per-call times, which is the least disturbed by other work
export function timeIt(fn: () => void, minSeconds: number, minCalls = 1): Timing {
  fn();
  let best = Infinity;
  let calls = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(Math.round(minSeconds * 1e9));
  let batch = 1;
  for (;;) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) fn();
    const t1 = process.hrtime.bigint();
    calls += batch;
    const per = Number(t1 - t0) / 1e9 / batch;
    if (per < best) best = per;
    if (t1 >= deadline && calls >= minCalls) break;
    // aim for batches of ~20 ms
    if (per * batch < 0.02) batch = Math.min(batch * 2, 1 << 20);
  }
  return { perCall: best, calls };
}

// uniform [0, 1) draws from the project's seeded generator
export function makeRng(seed: number): () => number {
  const r = new Rng(seed);
  return () => r.random();
}

export function rand32(rng: () => number, n: number, lo = -1, hi = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * rng();
  return a;
}

export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function fmt(x: number, digits = 1): string {
  if (!Number.isFinite(x)) return '-';
  return x.toFixed(digits);
}

export function fmtTime(seconds: number): string {
  if (!Number.isFinite(seconds)) return '-';
  if (seconds < 1e-3) return `${(seconds * 1e6).toFixed(1)} us`;
  if (seconds < 1) return `${(seconds * 1e3).toFixed(2)} ms`;
  return `${seconds.toFixed(2)} s`;
}

export interface BenchOptions {
  readonly quick: boolean;        // shorter timings, fewer shapes
  readonly reference: boolean;    // also time the reference backend side by side
  readonly only: string | null;   // run only sections whose name contains this
  readonly vsPytorch: boolean;    // training bench: compare with PyTorch (when available)
  readonly batch: number;         // batch size of the per-kernel model shapes
  readonly repeat: number;        // training bench: rounds (ours, then PyTorch), best time of each side kept
  readonly models: readonly string[] | null; // whole runs: only the zoo ids containing one of these
}
