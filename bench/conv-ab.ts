// per-layer conv GFLOP/s of two addon builds side by side, for before/after comparisons of a kernel
// change: `node dist/bench/conv-ab.js <before.node> <after.node> [rounds]`. Effective GFLOP/s =
// direct-convolution FLOPs / time; time is process CPU time (steadier than wall clock on a shared
// machine), builds interleaved call batch by call batch, median of the rounds.
import { createRequire } from 'node:module';
import { resolve } from 'node:path';

type ConvFn = (...args: (Float32Array | number | null)[]) => void;
interface RawAddon { conv2d: ConvFn; conv2dBackwardInput: ConvFn; conv2dBackwardWeight: ConvFn }

// [name, images, in channels, input size, out channels, kernel]: the zoo's layers at batch 100 pairs (200 images; siebert2022 batch 50)
const LAYERS: [string, number, number, number, number, number][] = [
  ['carparelli conv2 L1 1->16 k5 14x14', 200, 1, 14, 16, 5],
  ['carparelli conv2 L2 16->32 k3 10x10', 200, 16, 10, 32, 3],
  ['carparelli conv2 L3 32->64 k3 8x8', 200, 32, 8, 64, 3],
  ['carparelli conv2 L4 64->128 k2 3x3', 200, 64, 3, 128, 2],
  ['lenet/pillonel/kropfhamer L1 1->32 k3 14x14', 200, 1, 14, 32, 3],
  ['lenet/pillonel/kropfhamer L2 32->64 k3 6x6', 200, 32, 6, 64, 3],
  ['siebert L1 1->32 k3 14x14', 100, 1, 14, 32, 3],
  ['siebert L2 32->64 k3 12x12', 100, 32, 12, 64, 3],
];

function main(): void {
  const [beforePath, afterPath, roundsArg] = process.argv.slice(2);
  if (beforePath === undefined || afterPath === undefined) {
    console.error('usage: node dist/bench/conv-ab.js <before.node> <after.node> [rounds]');
    process.exit(2);
  }
  const req = createRequire(import.meta.url);
  const builds: [string, RawAddon][] = [['before', req(resolve(beforePath)) as RawAddon], ['after', req(resolve(afterPath)) as RawAddon]];
  const rounds = Number(roundsArg ?? 7);
  const fill = (n: number): Float32Array => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898));
  console.log('layer                                         pass    before GFLOP/s  after GFLOP/s  ratio');
  for (const [name, n, c, h, o, k] of LAYERS) {
    const oh = h - k + 1;
    const x = fill(n * c * h * h), w = fill(o * c * k * k), b = fill(o), dy = fill(n * o * oh * oh);
    const out = new Float32Array(dy.length), dx = new Float32Array(x.length), dw = new Float32Array(w.length), db = new Float32Array(o);
    const dims = [n, c, h, h, o, k, k, 1, 0, oh, oh];
    const passes: [string, (a: RawAddon) => void][] = [
      ['fwd', (a) => a.conv2d(out, x, w, b, ...dims)],
      ['bwdIn', (a) => a.conv2dBackwardInput(dx, dy, w, ...dims)],
      ['bwdW', (a) => a.conv2dBackwardWeight(dw, db, dy, x, ...dims)],
    ];
    const flops = 2 * n * o * oh * oh * c * k * k;
    for (const [pass, f] of passes) {
      const t: Record<string, number[]> = { before: [], after: [] };
      for (const [, a] of builds) for (let i = 0; i < 3; i++) f(a);
      for (let r = 0; r < rounds; r++) {
        for (const [label, a] of builds) {
          const reps = 10;
          const c0 = process.cpuUsage();
          for (let i = 0; i < reps; i++) f(a);
          const u = process.cpuUsage(c0);
          t[label]!.push((u.user + u.system) / 1e6 / reps);
        }
      }
      const med = (v: number[]): number => [...v].sort((p, q) => p - q)[v.length >> 1]!;
      const gb = flops / med(t['before']!) / 1e9, ga = flops / med(t['after']!) / 1e9;
      console.log(`${name.padEnd(45)} ${pass.padEnd(6)} ${gb.toFixed(1).padStart(14)} ${ga.toFixed(1).padStart(14)}  ${(ga / gb).toFixed(2)}x`);
    }
  }
}

main();
