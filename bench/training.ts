// training-speed benchmarks per model: seconds per epoch (1000 pairs, batch 100, Adam) on each backend,
// and with --vs-pytorch the same models, data, batch and epochs in PyTorch (one thread) in the same run.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { availableBackends, setBackend } from '../src/backend/select.js';
import { pairBatches } from '../src/data/batches.js';
import { loadMnist, trainStats } from '../src/data/mnist.js';
import { generatePairSets, standardise } from '../src/data/pairs.js';
import type { PairSet } from '../src/data/types.js';
import { convLayers, fcLayers, mlpHead, PairNet, Stack, WholeNet } from '../src/models/blocks.js';
import { defineModel } from '../src/models/define.js';
import { recipe } from '../src/models/recipes.js';
import { getModel } from '../src/models/registry.js';
import type { ModelSpec } from '../src/models/types.js';
import { Flatten } from '../src/nn/layers.js';
import { Adam } from '../src/optim/index.js';
import { Rng } from '../src/tensor/random.js';
import { pairStep } from '../src/train/run.js';
import type { BenchOptions } from './util.js';

const adamCe = recipe({ optimizer: { kind: 'adam', lr: 1e-3 }, batchSize: 100, epochs: 25, rounds: 1, mainLoss: 'ce' });

// the siamese CNN of docs/architecture.md: branch Conv(1,32,3) MaxPool2 Conv(32,64,3) MaxPool2 -> 256 -> 128 -> 10, head 20 -> 64 -> 2
const siamese = defineModel({
  id: 'design/siamese-cnn', recipe: adamCe,
  build: (ctx) => new PairNet({
    branch: new Stack({ ...convLayers(1, [{ out: 32, k: 3, pool: true }, { out: 64, k: 3, pool: true }], ctx), ...fcLayers(256, [128, 10], ctx, { lastRaw: true }) }),
    head: mlpHead(20, [64], 2, ctx),
  }),
});

const mlp = defineModel({
  id: 'design/mlp-392-200-200-2', recipe: adamCe,
  build: (ctx) => new WholeNet(new Stack({ flatten: new Flatten(), mlp: mlpHead(392, [200, 200], 2, ctx) })),
});

// one entry per benchmarked model: the spec and the name the PyTorch script knows it by
const BENCHES: { spec: ModelSpec; torch: string; pytorchSeconds25: number }[] = [
  { spec: siamese, torch: 'siamese', pytorchSeconds25: 6.8 },
  { spec: getModel('carparelli2019/conv2-sharing-aux'), torch: 'conv2-sharing-aux', pytorchSeconds25: 11.4 },
  { spec: mlp, torch: 'mlp', pytorchSeconds25: 0.73 },
];

// the pure training loop (no evaluation): what both sides time
function trainSeconds(spec: ModelSpec, set: PairSet, epochs: number, batch: number): number {
  const rng = new Rng(1);
  const net = spec.build({ init: rng.split('init'), dropout: rng.split('dropout') });
  const opt = new Adam(net.parameters(), { lr: 1e-3 });
  const shuffle = rng.split('shuffle');
  net.train();
  const t0 = performance.now();
  for (let e = 0; e < epochs; e++) {
    for (const b of pairBatches(set, batch, shuffle)) pairStep(net, opt, spec.recipe, b, e, epochs);
  }
  return (performance.now() - t0) / 1000;
}

interface TorchResult { ok: boolean; reason?: string; blas?: string; mmGflops?: number; threads?: number; seconds?: Record<string, number> }

function runPytorch(set: PairSet, epochs: number, batch: number, models: string[]): TorchResult {
  const probe = spawnSync('/usr/bin/python3', ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
  if (probe.status !== 0) return { ok: false, reason: '/usr/bin/python3 has no torch (apt-get install python3-torch libopenblas0-pthread)' };
  const dir = mkdtempSync(join(tmpdir(), 'pairbench-torch-'));
  try {
    writeFileSync(join(dir, 'input.f32'), set.input);
    writeFileSync(join(dir, 'target.f32'), set.target);
    writeFileSync(join(dir, 'classes.i32'), set.classes);
    const script = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench', 'pytorch', 'train.py');
    const r = spawnSync('/usr/bin/python3', [script, dir, String(set.n), String(epochs), String(batch), models.join(',')], {
      encoding: 'utf8', env: { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' },
    });
    if (r.status !== 0) return { ok: false, reason: `the PyTorch script failed: ${r.stderr.trim().split('\n').slice(-1)[0] ?? ''}` };
    return { ok: true, ...(JSON.parse(r.stdout.trim().split('\n').slice(-1)[0]!) as Omit<TorchResult, 'ok'>) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runTrainingBench(opts: BenchOptions): Promise<void> {
  if (opts.only !== null && !'training'.includes(opts.only)) return;
  const epochs = opts.quick ? 2 : 5;
  const pairs = 1000;
  const batch = 100;
  const rounds = opts.repeat;
  console.log(`\n## Training speed per model (${pairs} pairs, batch ${batch}, Adam, ${epochs} timed epochs after one warm-up; s/epoch and s per 25-epoch round` +
    `${rounds > 1 ? `; best of ${rounds} rounds, each side` : ''})`);
  const ds = loadMnist();
  const set = standardise(generatePairSets(pairs, new Rng(2024).split('data'), ds).train, trainStats(ds));
  const backends = availableBackends().filter((b) => opts.reference || b.name === 'native');
  const rows: Record<string, Record<string, number>> = {};
  let torch: TorchResult | null = null;
  for (let round = 0; round < rounds; round++) {
    for (const b of BENCHES) {
      rows[b.spec.id] ??= {};
      for (const be of backends) {
        if (be.name === 'reference' && round > 0) continue;
        setBackend(be.name);
        const e = be.name === 'reference' ? 1 : epochs;
        trainSeconds(b.spec, set, 1, batch);
        const s = trainSeconds(b.spec, set, e, batch) / e;
        rows[b.spec.id]![be.name] = Math.min(rows[b.spec.id]![be.name] ?? Infinity, s);
      }
    }
    if (opts.vsPytorch && (torch === null || torch.ok)) {
      const t = runPytorch(set, epochs, batch, BENCHES.map((b) => b.torch));
      if (torch === null || !t.ok) torch = t;
      else {
        for (const [k, v] of Object.entries(t.seconds ?? {})) torch.seconds![k] = Math.min(torch.seconds![k] ?? Infinity, v);
        torch.mmGflops = Math.max(torch.mmGflops ?? 0, t.mmGflops ?? 0);
      }
    }
  }
  if (torch !== null) {
    if (!torch.ok) console.log(`--vs-pytorch: skipped: ${torch.reason}`);
    else {
      const fair = (torch.mmGflops ?? 0) >= 50;
      console.log(`PyTorch: BLAS ${torch.blas}, torch.mm 2048x2048 ${torch.mmGflops?.toFixed(1)} GFLOP/s, ${torch.threads} thread(s)` +
        (fair ? '' : ' — below 50 GFLOP/s: an unoptimised BLAS; the ratios below are NOT a fair comparison'));
    }
  }
  const head = ['model', 'params', ...backends.map((b) => `${b.name} s/epoch`), 'native s/25 ep', ...(torch?.ok ? ['pytorch s/epoch', 'speed-up vs pytorch'] : ['pytorch s/25 ep (an earlier measurement)'])];
  const lines = [head];
  for (const b of BENCHES) {
    const r = rows[b.spec.id]!;
    const nat = r['native'];
    const cells = [b.spec.id, String(b.spec.params), ...backends.map((be) => r[be.name]!.toFixed(4)), nat !== undefined ? (nat * 25).toFixed(2) : '-'];
    if (torch?.ok) {
      const t = torch.seconds?.[b.torch];
      cells.push(t !== undefined ? t.toFixed(4) : '-', t !== undefined && nat !== undefined ? `${(t / nat).toFixed(2)}x` : '-');
    } else cells.push(b.pytorchSeconds25.toFixed(2));
    lines.push(cells);
  }
  const widths = head.map((_, i) => Math.max(...lines.map((l) => l[i]!.length)));
  for (const l of lines) console.log(l.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '));
  const mem = memoryBench(opts.quick ? 2000 : 10000);
  console.log(`\n## Memory: RSS over ${mem.steps} training steps of a small CNN (batch 20): start ${mem.startMb.toFixed(0)} MB, ` +
    `after 10% ${mem.earlyMb.toFixed(0)} MB, end ${mem.endMb.toFixed(0)} MB, max ${mem.maxMb.toFixed(0)} MB (flat = no growth after warm-up)`);
}

// RSS over many steps of a small CNN: the engine has no dispose, so this shows buffers do not pile up
function memoryBench(steps: number): { steps: number; startMb: number; earlyMb: number; endMb: number; maxMb: number } {
  const rng = new Rng(3);
  const net = new PairNet({
    branch: new Stack({ ...convLayers(1, [{ out: 8, k: 3, pool: true }], { init: rng, dropout: rng }), ...fcLayers(288, [10], { init: rng, dropout: rng }, { lastRaw: true }) }),
    head: mlpHead(20, [], 2, { init: rng, dropout: rng }),
  });
  const opt = new Adam(net.parameters());
  const batch = {
    input: new Float32Array(20 * 392).map(() => rng.normal()),
    target: Float32Array.from({ length: 20 }, (_, i) => i % 2),
    classes: new Int32Array(40),
    n: 20,
  };
  const mb = (): number => process.memoryUsage().rss / 2 ** 20;
  const startMb = mb();
  let earlyMb = startMb;
  let maxMb = startMb;
  for (let s = 0; s < steps; s++) {
    pairStep(net, opt, adamCe, batch, 0, 1);
    if (s === Math.floor(steps / 10)) earlyMb = mb();
    if (s % 100 === 0) maxMb = Math.max(maxMb, mb());
  }
  return { steps, startMb, earlyMb, endMb: mb(), maxMb };
}
