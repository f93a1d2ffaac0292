// whole-run speed against PyTorch: what `pairbench train <id>` does (training plus the test evaluation
// after every epoch) for a few zoo models, against bench/pytorch/wholerun.py running the same
// network (exported from the zoo's module tree), recipe, pairs, epochs and per-epoch evaluation on
// one thread. Median of N rounds each side, the sides interleaved round by round; MNIST loading
// is excluded on both sides.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { availableBackends, setBackend } from '../src/backend/select.js';
import { loadMnist, trainStats } from '../src/data/mnist.js';
import { generatePairSets, standardise } from '../src/data/pairs.js';
import type { PairSet } from '../src/data/types.js';
import { PairNet, Stack, WholeNet } from '../src/models/blocks.js';
import { getModel } from '../src/models/registry.js';
import type { ModelSpec } from '../src/models/types.js';
import { AvgPool2d, BatchNorm1d, BatchNorm2d, Conv2d, Dropout, Flatten, Identity, LeakyReLU, Linear, MaxPool2d, ReLU, Sequential, Sigmoid, Tanh } from '../src/nn/layers.js';
import { Module } from '../src/nn/module.js';
import { Rng } from '../src/tensor/random.js';
import { trainRun } from '../src/train/run.js';
import type { BenchOptions } from './util.js';

// the whole-run models: the conv models of every report and the MLPs; 10 epochs (25 for an MLP)
const WHOLE_RUN_MODELS: { id: string; epochs: number }[] = [
  { id: 'carparelli2019/conv2-sharing-aux', epochs: 10 },
  { id: 'carparelli2019/conv1-sharing-aux', epochs: 10 },
  { id: 'lenet-transfer/weight-sharing', epochs: 10 },
  { id: 'pillonel2020/model4', epochs: 10 },
  { id: 'siebert2022/wsn', epochs: 10 },
  { id: 'kropfhamer2022/shared-weights', epochs: 10 },
  { id: 'lenet-transfer/baseline', epochs: 25 },
  { id: 'kropfhamer2022/feedforward', epochs: 25 },
];
const CONV_TARGET = 2;
const MLP_TARGET = 1.5;

type Arch = Record<string, unknown>;

// the module tree as plain data the PyTorch script rebuilds layer for layer
export function exportArch(m: Module): Arch {
  if (m instanceof Stack) {
    const layers = Object.values(m as unknown as Record<string, unknown>).filter((v): v is Module => v instanceof Module);
    return { kind: 'seq', layers: layers.map(exportArch) };
  }
  if (m instanceof Sequential) return { kind: 'seq', layers: m.layers.map(exportArch) };
  if (m instanceof Linear) return { kind: 'linear', in: m.inFeatures, out: m.outFeatures, bias: m.bias !== null };
  if (m instanceof Conv2d) return { kind: 'conv', in: m.inChannels, out: m.outChannels, k: m.kernelSize, stride: m.stride, pad: m.padding, bias: m.bias !== null };
  if (m instanceof MaxPool2d) return { kind: 'maxpool', k: m.kernelSize, stride: m.stride };
  if (m instanceof AvgPool2d) return { kind: 'avgpool', k: m.kernelSize, stride: m.stride };
  if (m instanceof BatchNorm1d || m instanceof BatchNorm2d) return { kind: m instanceof BatchNorm1d ? 'bn1' : 'bn2', c: m.numFeatures, momentum: m.momentum, eps: m.eps };
  if (m instanceof Dropout) return { kind: 'dropout', p: m.p };
  if (m instanceof ReLU) return { kind: 'relu' };
  if (m instanceof LeakyReLU) return { kind: 'leakyrelu', slope: m.slope };
  if (m instanceof Sigmoid) return { kind: 'sigmoid' };
  if (m instanceof Tanh) return { kind: 'tanh' };
  if (m instanceof Identity) return { kind: 'identity' };
  if (m instanceof Flatten) return { kind: 'flatten', start: m.startDim };
  if (m instanceof WholeNet) return { kind: 'whole', net: exportArch(m.net) };
  if (m instanceof PairNet) {
    const digitHead = m.digitHead !== null ? exportArch(m.digitHead) : m.forwardDigits !== null ? 'features' : null;
    return {
      kind: 'pair', branch: exportArch(m.branch), branch2: m.branch2 && exportArch(m.branch2), head: m.head && exportArch(m.head),
      digitHead, digitHead2: m.digitHead2 && exportArch(m.digitHead2), sameHead: m.sameHead && exportArch(m.sameHead),
    };
  }
  throw new Error(`wholerun bench: no PyTorch export for ${m.constructor.name}`);
}

// the pairs trainRun draws for this seed, standardised as it does
function runPairs(seed: number): { train: PairSet; test: PairSet } {
  const ds = loadMnist();
  const drawn = generatePairSets(1000, new Rng(seed).split('data'), ds);
  return { train: standardise(drawn.train, trainStats(ds)), test: standardise(drawn.test, trainStats(ds)) };
}

const OPENBLAS_PTHREAD = '/usr/lib/x86_64-linux-gnu/openblas-pthread';

interface TorchWhole {
  ok: boolean; reason?: string; blas?: string; mmGflops?: number; torch?: string;
  seconds?: Record<string, number>; cpuSeconds?: Record<string, number>; accuracy?: Record<string, number>;
}

function runTorchWhole(dir: string, specs: ModelSpec[]): TorchWhole {
  const script = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench', 'pytorch', 'wholerun.py');
  const ld = [existsSync(OPENBLAS_PTHREAD) ? OPENBLAS_PTHREAD : null, process.env['LD_LIBRARY_PATH'] ?? null].filter((x) => x).join(':');
  const r = spawnSync('/usr/bin/python3', [script, dir, specs.map((s) => s.id).join(',')], {
    encoding: 'utf8', maxBuffer: 1 << 24,
    env: { ...process.env, LD_LIBRARY_PATH: ld, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' },
  });
  if (r.status !== 0) return { ok: false, reason: `the PyTorch script failed: ${r.stderr.trim().split('\n').slice(-1)[0] ?? ''}` };
  return { ok: true, ...(JSON.parse(r.stdout.trim().split('\n').slice(-1)[0]!) as Omit<TorchWhole, 'ok'>) };
}

const median = (v: number[]): number => { const s = [...v].sort((a, b) => a - b); return s[s.length >> 1]!; };

export function runWholeRunBench(opts: BenchOptions): void {
  if (!opts.vsPytorch) return;
  if (opts.only !== null && !'whole-run'.includes(opts.only)) return;
  const rounds = Math.max(opts.repeat, 1);
  const probe = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { encoding: 'utf8' });
  console.log(`\n## Whole runs vs PyTorch (trainRun: training + test evaluation after every epoch; median of ${rounds} round(s) each side, interleaved)`);
  if (probe.status !== 0) { console.log('skipped: /usr/bin/python3 has no torch (apt-get install python3-torch libopenblas0-pthread)'); return; }
  if (!availableBackends().some((b) => b.name === 'native')) { console.log('skipped: the native addon is not loaded (npm install builds it)'); return; }
  setBackend('native');
  const seed = 1;
  const chosen = WHOLE_RUN_MODELS.filter((m) => opts.models === null || opts.models.some((s) => m.id.includes(s)));
  if (chosen.length === 0) { console.log(`no whole-run model matches --models=${opts.models?.join(',')} (they are ${WHOLE_RUN_MODELS.map((m) => m.id).join(', ')})`); return; }
  const models = chosen.map((m) => ({ spec: getModel(m.id), epochs: opts.quick ? 2 : m.epochs }));
  const { train, test } = runPairs(seed);
  const dir = mkdtempSync(join(tmpdir(), 'pairbench-wholerun-'));
  const ours: Record<string, number[]> = {};
  const theirs: Record<string, number[]> = {};
  const oursCpu: Record<string, number[]> = {};
  const theirsCpu: Record<string, number[]> = {};
  let info: TorchWhole | null = null;
  const oursAcc: Record<string, number> = {};
  const oursSplit: Record<string, { setupSeconds: number; trainSeconds: number; evalSeconds: number }[]> = {};
  try {
    for (const [name, set] of [['train', train], ['test', test]] as const) {
      writeFileSync(join(dir, `${name}-input.f32`), set.input);
      writeFileSync(join(dir, `${name}-target.f32`), set.target);
      writeFileSync(join(dir, `${name}-classes.i32`), set.classes);
    }
    const specs = models.map(({ spec, epochs }) => {
      const net = spec.build({ init: new Rng(0), dropout: new Rng(1) });
      return { id: spec.id, epochs, recipe: spec.recipe, arch: exportArch(net as unknown as Module) };
    });
    writeFileSync(join(dir, 'specs.json'), JSON.stringify({ nTrain: train.n, nTest: test.n, models: specs }));
    // warm-up: one short run per model (JIT, buffer pool)
    for (const { spec } of models) trainRun({ model: spec, seed, epochs: 1 });
    for (let r = 0; r < rounds; r++) {
      for (const { spec, epochs } of models) {
        const t0 = performance.now();
        const c0 = process.cpuUsage();
        const rec = trainRun({ model: spec, seed, epochs });
        const c = process.cpuUsage(c0);
        (ours[spec.id] ??= []).push((performance.now() - t0) / 1000);
        (oursCpu[spec.id] ??= []).push((c.user + c.system) / 1e6);
        oursAcc[spec.id] = rec.testAccuracy;
        if (rec.timing) (oursSplit[spec.id] ??= []).push(rec.timing);
      }
      const t = runTorchWhole(dir, models.map((m) => m.spec));
      if (!t.ok) { info = t; break; }
      info = t;
      for (const [k, v] of Object.entries(t.seconds ?? {})) (theirs[k] ??= []).push(v);
      for (const [k, v] of Object.entries(t.cpuSeconds ?? {})) (theirsCpu[k] ??= []).push(v);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (info !== null && !info.ok) { console.log(`PyTorch side skipped: ${info.reason}`); return; }
  // the reference BLAS (netlib, Debian's libblas3) is what an unconfigured PyTorch may load: refuse to compare against it
  const fair = /openblas|mkl|blis/i.test(info?.blas ?? '');
  console.log(`PyTorch ${info?.torch}: BLAS ${info?.blas}, torch.mm 2048x2048 ${info?.mmGflops?.toFixed(1)} GFLOP/s, 1 thread` +
    (fair ? '' : ' — not OpenBLAS/MKL/BLIS (the slow reference BLAS?): the ratios below are NOT a fair comparison and are refused'));
  const head = ['model', 'epochs', 'pairbench s/run', '(setup/train/eval)', 'pytorch s/run', 'speed-up', 'cpu-time speed-up', 'target', 'acc pairbench', 'acc pytorch'];
  const lines = [head];
  const ratio = (a: number[] | undefined, b: number[] | undefined): string => (fair && a && b ? `${(median(b) / median(a)).toFixed(2)}x` : fair ? '-' : 'refused');
  for (const { spec, epochs } of models) {
    const a = median(ours[spec.id]!), b = theirs[spec.id] ? median(theirs[spec.id]!) : NaN;
    const conv = JSON.stringify(exportArch(spec.build({ init: new Rng(0), dropout: new Rng(1) }) as unknown as Module)).includes('"conv"');
    const split = oursSplit[spec.id] ?? [];
    const part = (k: 'setupSeconds' | 'trainSeconds' | 'evalSeconds'): string => (split.length > 0 ? median(split.map((t) => t[k])).toFixed(2) : '-');
    lines.push([spec.id, String(epochs), a.toFixed(3), `${part('setupSeconds')}/${part('trainSeconds')}/${part('evalSeconds')}`, Number.isFinite(b) ? b.toFixed(3) : '-', ratio(ours[spec.id], theirs[spec.id]),
      ratio(oursCpu[spec.id], theirsCpu[spec.id]), `${conv ? CONV_TARGET : MLP_TARGET}x`, oursAcc[spec.id]!.toFixed(3), info?.accuracy?.[spec.id]?.toFixed(3) ?? '-']);
  }
  const widths = head.map((_, i) => Math.max(...lines.map((l) => l[i]!.length)));
  for (const l of lines) console.log(l.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '));
  console.log('pairbench: a whole trainRun (pair drawing, model build, training, per-epoch evaluation); PyTorch: model build, training, ' +
    'per-epoch evaluation on the same pairs. Wall-clock medians; the cpu-time column (process CPU seconds) is less disturbed by other load on the machine');
}
