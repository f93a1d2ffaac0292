// per-kernel benchmarks on the shapes the models use: native vs reference side by side in the same
// run, GFLOP/s where a kernel does arithmetic, and a large GEMM against the measured fp32 FMA peak
// of one core (measured by the addon's FMA-throughput loop).
import type { Backend, ConvDims, PoolDims } from '../src/backend/backend.js';
import { convOutSize } from '../src/backend/backend.js';
import type { NativeAddon } from '../src/backend/native/index.js';
import { type BenchOptions, fmt, fmtTime, makeRng, rand32, table, timeIt } from './util.js';

interface KernelCase {
  readonly kernel: string;
  readonly shape: string;
  readonly flops: number; // 0 when the kernel is memory-bound (then only times are printed)
  readonly run: (b: Backend) => () => void; // prepares buffers, returns the timed call
}

function conv(n: number, c: number, h: number, o: number, k: number): ConvDims {
  const oh = convOutSize(h, k, 1, 0);
  return { n, c, h, w: h, o, kh: k, kw: k, stride: 1, pad: 0, oh, ow: oh };
}

// the convolutions of the model zoo (docs/reports.md), batch = opts.batch images per branch call
function modelConvs(n: number): { name: string; d: ConvDims }[] {
  return [
    { name: 'siamese.conv1 1->32 k3 14x14', d: conv(n, 1, 14, 32, 3) },
    { name: 'siamese.conv2 32->64 k3 6x6', d: conv(n, 32, 6, 64, 3) },
    { name: 'carparelli.conv1 1->16 k5 14x14', d: conv(n, 1, 14, 16, 5) },
    { name: 'carparelli.conv2 16->32 k3 10x10', d: conv(n, 16, 10, 32, 3) },
    { name: 'carparelli.conv3 32->64 k3 8x8', d: conv(n, 32, 8, 64, 3) },
    { name: 'carparelli.conv4 64->128 k2 3x3', d: conv(n, 64, 3, 128, 2) },
    { name: 'siebert.conv2 32->64 k3 12x12', d: conv(n, 32, 12, 64, 3) },
  ];
}

function kernelCases(opts: BenchOptions): KernelCase[] {
  const rng = makeRng(7);
  const n = opts.batch;
  const list: KernelCase[] = [];
  for (const { name, d } of modelConvs(n)) {
    const flops = 2 * d.n * d.o * d.oh * d.ow * d.c * d.kh * d.kw;
    const x = rand32(rng, d.n * d.c * d.h * d.w), w = rand32(rng, d.o * d.c * d.kh * d.kw), bias = rand32(rng, d.o);
    const dy = rand32(rng, d.n * d.o * d.oh * d.ow);
    list.push({ kernel: 'conv2d', shape: `${name} N${n}`, flops, run: (b) => { const out = new Float32Array(dy.length); return () => b.conv2d(out, x, w, bias, d); } });
    list.push({ kernel: 'conv2dBackwardInput', shape: `${name} N${n}`, flops, run: (b) => { const dx = new Float32Array(x.length); return () => b.conv2dBackwardInput(dx, dy, w, d); } });
    list.push({ kernel: 'conv2dBackwardWeight', shape: `${name} N${n}`, flops, run: (b) => { const dw = new Float32Array(w.length), db = new Float32Array(d.o); return () => b.conv2dBackwardWeight(dw, db, dy, x, d); } });
  }
  const linears: [string, number, number][] = [
    ['mlp.fc1 392->200', 392, 200], ['mlp.fc2 200->200', 200, 200], ['mlp.out 200->2', 200, 2],
    ['siamese.fc1 256->128', 256, 128], ['carparelli.fc1 1024->100', 1024, 100], ['siebert.fc1 3200->64', 3200, 64],
  ];
  for (const [name, inF, outF] of linears) {
    const x = rand32(rng, n * inF), w = rand32(rng, outF * inF), bias = rand32(rng, outF), dy = rand32(rng, n * outF);
    list.push({ kernel: 'linear', shape: `${name} N${n}`, flops: 2 * n * inF * outF, run: (b) => { const out = new Float32Array(n * outF); return () => b.linear(out, x, w, bias, n, inF, outF, false); } });
    list.push({
      kernel: 'linearBackward', shape: `${name} N${n}`, flops: 4 * n * inF * outF,
      run: (b) => { const dx = new Float32Array(n * inF), dw = new Float32Array(outF * inF), db = new Float32Array(outF); return () => b.linearBackward(dx, dw, db, dy, x, w, null, n, inF, outF); },
    });
  }
  const pool = (c: number, h: number): PoolDims => ({ n, c, h, w: h, k: 2, stride: 2, oh: h >> 1, ow: h >> 1 });
  for (const [name, d] of [['siamese.pool1 32x12x12', pool(32, 12)], ['siamese.pool2 64x4x4', pool(64, 4)]] as const) {
    const x = rand32(rng, d.n * d.c * d.h * d.w), dy = rand32(rng, d.n * d.c * d.oh * d.ow);
    list.push({ kernel: 'maxPool2d', shape: `${name} N${n}`, flops: 0, run: (b) => { const out = new Float32Array(dy.length), am = new Int32Array(dy.length); return () => b.maxPool2d(out, am, x, d); } });
    list.push({
      kernel: 'maxPool2dBackward', shape: `${name} N${n}`, flops: 0,
      run: (b) => { const out = new Float32Array(dy.length), am = new Int32Array(dy.length), dx = new Float32Array(x.length); b.maxPool2d(out, am, x, d); return () => b.maxPool2dBackward(dx, dy, am, d); },
    });
  }
  {
    const c = 32, hw = 144, tot = n * c * hw;
    const x = rand32(rng, tot), g = rand32(rng, c, 0.5, 1.5), be = rand32(rng, c), dy = rand32(rng, tot);
    list.push({ kernel: 'batchNormTrain', shape: `siebert.bn1 32x12x12 N${n}`, flops: 0, run: (b) => { const o = new Float32Array(tot), m = new Float32Array(c), s = new Float32Array(c); return () => b.batchNormTrain(o, m, s, x, g, be, n, c, hw, 1e-5, false); } });
    list.push({
      kernel: 'batchNormBackward', shape: `siebert.bn1 32x12x12 N${n}`, flops: 0,
      run: (b) => {
        const o = new Float32Array(tot), m = new Float32Array(c), s = new Float32Array(c), dx = new Float32Array(tot), dg = new Float32Array(c), db = new Float32Array(c);
        b.batchNormTrain(o, m, s, x, g, be, n, c, hw, 1e-5, false);
        return () => b.batchNormBackward(dx, dg, db, dy, x, m, s, g, null, n, c, hw);
      },
    });
    const len = n * 32 * 144;
    const xr = rand32(rng, len);
    list.push({ kernel: 'unary relu', shape: `${len}`, flops: 0, run: (b) => { const o = new Float32Array(len); return () => b.unary('relu', o, xr, 0); } });
    list.push({ kernel: 'unaryBackward relu', shape: `${len}`, flops: 0, run: (b) => { const o = new Float32Array(len); return () => b.unaryBackward('relu', o, xr, xr, dy, 0); } });
  }
  {
    const rows = n, cols = 10, x = rand32(rng, rows * cols, -3, 3), t = new Int32Array(rows).map((_, i) => i % cols);
    list.push({ kernel: 'logSoftmax+nllLoss', shape: `${rows}x${cols}`, flops: 0, run: (b) => { const y = new Float32Array(rows * cols), o = new Float32Array(1); return () => { b.logSoftmax(y, x, rows, cols); b.nllLoss(o, y, t, rows, cols); }; } });
  }
  {
    const len = 54_000; // the siamese CNN's parameter count
    const p = rand32(rng, len), gr = rand32(rng, len), m = new Float32Array(len), v = new Float32Array(len);
    list.push({ kernel: 'adamStep', shape: `${len} params`, flops: 0, run: (b) => { let step = 1; return () => b.adamStep(p, gr, m, v, 1e-3, 0.9, 0.999, 1e-8, 0, 0, step++); } });
  }
  return list;
}

export interface KernelBenchResult {
  readonly peakGflops: number;
  readonly gemm: { size: number; gflops: number; pctPeak: number }[];
}

// one core's fp32 FMA peak: the best of many short runs (~5 ms each), so that a run the scheduler
// interrupts (the machine is shared) does not lower the figure
export function measurePeak(addon: NativeAddon, quick: boolean): number {
  let best = 0;
  const runs = quick ? 10 : 25;
  for (let i = 0; i < runs; i++) best = Math.max(best, addon.fmaPeak(2_500_000));
  return best;
}

export function runKernelBench(native: Backend | null, reference: Backend, addon: NativeAddon | null, opts: BenchOptions): KernelBenchResult | null {
  const minT = opts.quick ? 0.05 : 0.2;
  let result: KernelBenchResult | null = null;
  if (native !== null && addon !== null && (opts.only === null || 'gemm'.includes(opts.only) || 'peak'.includes(opts.only))) {
    console.log(`\n## Large GEMM vs one core's fp32 FMA peak (SIMD path: ${addon.simd()})`);
    const peak = measurePeak(addon, opts.quick);
    const rows: string[][] = [['fp32 FMA peak (measured, 1 core)', '', '', fmt(peak), '100%', '']];
    const gemm: { size: number; gflops: number; pctPeak: number }[] = [];
    const rng = makeRng(11);
    for (const s of opts.quick ? [512, 1024] : [512, 1024, 2048]) {
      const a = rand32(rng, s * s), b = rand32(rng, s * s), c = new Float32Array(s * s);
      const flops = 2 * s * s * s;
      const t = timeIt(() => native.gemm(c, a, b, s, s, s, false, false, 0), minT, 2);
      const gf = flops / t.perCall / 1e9;
      gemm.push({ size: s, gflops: gf, pctPeak: (100 * gf) / peak });
      let refCell = '';
      if (opts.reference && s === 512) {
        const tr = timeIt(() => reference.gemm(c, a, b, s, s, s, false, false, 0), 0.05, 1);
        refCell = fmt(flops / tr.perCall / 1e9, 2);
      }
      rows.push([`gemm ${s}x${s}x${s} (NN)`, fmtTime(t.perCall), `${t.calls}`, fmt(gf), `${fmt((100 * gf) / peak)}%`, refCell]);
    }
    console.log(table(['kernel', 'native time', 'calls', 'GFLOP/s', '% peak', 'reference GFLOP/s'], rows));
    result = { peakGflops: peak, gemm };
  }

  const cases = kernelCases(opts).filter((c) => opts.only === null || c.kernel.includes(opts.only) || c.shape.includes(opts.only));
  if (cases.length === 0) return result;
  console.log(`\n## Kernels on the model shapes (batch ${opts.batch}; best per-call time; reference = plain TypeScript)`);
  const rows: string[][] = [];
  for (const c of cases) {
    const nt = native !== null ? timeIt(c.run(native), minT, 3).perCall : NaN;
    const rt = opts.reference ? timeIt(c.run(reference), opts.quick ? 0.02 : 0.1, 1).perCall : NaN;
    const gf = (t: number): string => (c.flops > 0 ? fmt(c.flops / t / 1e9) : '');
    rows.push([c.kernel, c.shape, fmtTime(nt), gf(nt), fmtTime(rt), gf(rt), Number.isFinite(rt / nt) ? `${fmt(rt / nt)}x` : '']);
  }
  console.log(table(['kernel', 'shape', 'native', 'GFLOP/s', 'reference', 'GFLOP/s', 'speedup'], rows));
  return result;
}
