// `npm run bench`: per-kernel GFLOP/s (native vs reference), large GEMM vs the measured FMA peak,
// then training speed per model (bench/training.ts). Options:
//   --quick            shorter timings        --no-reference   native only
//   --only=<text>      sections/kernels whose name contains text (gemm, conv2d, linear, training...)
//   --batch=<n>        batch of the per-kernel model shapes (default 100)
//   --vs-pytorch       training bench against PyTorch (bench/training.ts) and whole runs against it (bench/wholerun.ts)
//   --repeat=<n>       training bench: n rounds of both sides, the best time of each (a shared machine is noisy);
//                      whole runs: n rounds of both sides, the median of each
//   --models=<a,b>     whole runs: only the models whose id contains one of these (e.g. --models=baseline,feedforward)
import { arch, cpus } from 'node:os';
import { referenceBackend } from '../src/backend/reference/index.js';
import { loadNative, loadNativeAddon } from '../src/backend/native/index.js';
import { runKernelBench } from './kernels.js';
import { runTrainingBench } from './training.js';
import { runWholeRunBench } from './wholerun.js';
import type { BenchOptions } from './util.js';

function parseArgs(argv: readonly string[]): BenchOptions {
  const get = (name: string): string | null => {
    const a = argv.find((x) => x.startsWith(`--${name}=`));
    return a === undefined ? null : a.slice(name.length + 3);
  };
  const batch = Number(get('batch') ?? '100');
  const repeat = Number(get('repeat') ?? '1');
  return {
    quick: argv.includes('--quick'),
    reference: !argv.includes('--no-reference'),
    only: get('only'),
    vsPytorch: argv.includes('--vs-pytorch'),
    batch: Number.isInteger(batch) && batch > 0 ? batch : 100,
    repeat: Number.isInteger(repeat) && repeat > 0 ? repeat : 1,
    models: get('models')?.split(',').filter((m) => m !== '') ?? null,
  };
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const cpu = cpus()[0];
  console.log(`# pairbench bench — node ${process.version}, ${arch()}, ${cpu?.model ?? 'unknown cpu'} x${cpus().length}`);
  const a = loadNativeAddon();
  const n = loadNative();
  if (!a.ok || !n.ok) console.log(`native backend unavailable: ${a.ok ? '' : a.reason}; timing the reference only`);
  else console.log(`native addon: ${a.path} (SIMD path: ${a.addon.simd()}, CPU has AVX2+FMA: ${a.addon.cpuHasAvx2()})`);
  runKernelBench(n.ok ? n.backend : null, referenceBackend, a.ok ? a.addon : null, opts);
  await runTrainingBench(opts);
  runWholeRunBench(opts);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
