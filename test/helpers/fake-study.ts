// a synthetic study for the page and CLI tests: run records and study.json with plausible curves and
// per-digit counts, the same every time
import type { EpochMetrics, RunRecord } from '../../src/train/types.js';
import type { StudyMeta } from '../../src/study/types.js';
import { Rng } from '../../src/tensor/random.js';

function rng(seed: number): () => number {
  const r = new Rng(seed);
  return () => r.random();
}

export function fakeRun(model: string, round: number, level: number, epochs: number, pretrain = 0, digits = true): RunRecord {
  const r = rng(round * 7919 + model.length * 31 + Math.round(level * 1000));
  const metrics: EpochMetrics[] = [];
  let best = 0;
  let bestEpoch = 1;
  for (let e = 1; e <= epochs; e++) {
    const f = 1 - Math.exp(-e / 3);
    const acc = Math.min(0.999, 0.5 + (level - 0.5) * f + (r() - 0.5) * 0.03);
    if (acc > best) {
      best = acc;
      bestEpoch = e;
    }
    const loss = 0.7 * Math.exp(-e / 4) + 0.05 + r() * 0.02;
    const m: EpochMetrics = { epoch: e, phase: e <= pretrain ? 'pretrain' : 'main', trainLoss: loss, lossTerms: { main: loss }, trainAccuracy: Math.min(1, acc + 0.05), testAccuracy: acc, seconds: 0.5 + r() * 0.1 };
    if (digits) m.digitAccuracy = 0.9 + r() * 0.05;
    metrics.push(m);
  }
  const pairCounts: number[][] = [];
  const errorCounts: number[][] = [];
  for (let i = 0; i < 10; i++) {
    pairCounts.push([]);
    errorCounts.push([]);
    for (let j = 0; j < 10; j++) {
      const n = 5 + Math.floor(r() * 10);
      const hard = Math.exp(-Math.abs(i - j)) * (1 - level) * 2;
      pairCounts[i]!.push(n);
      errorCounts[i]!.push(Math.min(n, Math.round(n * hard * (0.5 + r()))));
    }
  }
  const last = metrics[metrics.length - 1]!;
  const rec: RunRecord = {
    model, round, seed: 1000 + round, params: 50000 + model.length * 1000, epochs, batchSize: 100, backend: 'native', metrics,
    testAccuracy: last.testAccuracy, bestTestAccuracy: best, bestEpoch, trainSeconds: 10 + r() * 3 + level * 5, pairCounts, errorCounts,
  };
  if (digits) rec.digitAccuracy = last.digitAccuracy!;
  return rec;
}

export function fakeMeta(models: string[], rounds: number, epochs: number): StudyMeta {
  return {
    name: 'synthetic',
    kind: 'reproduce',
    config: { models, rounds, epochs, seed: 42, workers: 2, batchSize: 100, report: 'lenet-transfer', shortened: true },
    runs: models.flatMap((model) => Array.from({ length: rounds }, (_, round) => ({ model, round, seed: 1000 + round }))),
    environment: { node: process.version, pairbench: '0.1.0', os: 'linux test', cpu: 'Test CPU', cores: 2, backend: 'native', created: '2025-01-01T00:00:00.000Z' },
  };
}

