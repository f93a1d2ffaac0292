// what the charts need, computed from run records: per-epoch mean/sd curves, final accuracies,
// summed per-digit-pair error counts. Pure functions, no echarts.
import { mean as ssMean, sampleStandardDeviation } from 'simple-statistics';
import type { EpochMetrics, RunRecord } from '../train/types.js';

export interface CurvePoint {
  epoch: number;
  mean: number;
  sd: number | null; // sample sd (n-1); null with one run
  n: number;
}

export interface ModelCurve {
  model: string;
  label: string;
  color: string;
  points: CurvePoint[];
  pretrainEpochs: number; // epochs 1..pretrainEpochs were a pretraining phase (0 = none)
}

// mean and sd over runs of one per-epoch metric, epoch by epoch (runs may differ in length)
export function epochCurve(runs: readonly RunRecord[], pick: (m: EpochMetrics) => number | undefined): CurvePoint[] {
  const byEpoch = new Map<number, number[]>();
  for (const r of runs) {
    for (const m of r.metrics ?? []) {
      const v = pick(m);
      if (typeof v !== 'number' || !Number.isFinite(v)) continue;
      const list = byEpoch.get(m.epoch);
      if (list) list.push(v);
      else byEpoch.set(m.epoch, [v]);
    }
  }
  return [...byEpoch.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([epoch, xs]) => ({ epoch, mean: ssMean(xs), sd: xs.length >= 2 ? sampleStandardDeviation(xs) : null, n: xs.length }));
}

export function pretrainEpochs(runs: readonly RunRecord[]): number {
  let e = 0;
  for (const r of runs) for (const m of r.metrics ?? []) if (m.phase === 'pretrain') e = Math.max(e, m.epoch);
  return e;
}

export interface PairMatrix {
  pairs: number[][]; // 10x10 test pairs per (digit1, digit2), summed over runs
  errors: number[][]; // 10x10 misclassified
  runs: number; // runs that contributed
}

function isMatrix(m: unknown): m is number[][] {
  return Array.isArray(m) && m.length === 10 && m.every((row) => Array.isArray(row) && row.length === 10 && row.every((v) => typeof v === 'number' && Number.isFinite(v)));
}

// summed counts over the runs that recorded them; null when none did (or every count is 0)
export function pairMatrix(runs: readonly RunRecord[]): PairMatrix | null {
  const pairs = Array.from({ length: 10 }, () => new Array<number>(10).fill(0));
  const errors = Array.from({ length: 10 }, () => new Array<number>(10).fill(0));
  let used = 0;
  let total = 0;
  for (const r of runs) {
    if (!isMatrix(r.pairCounts) || !isMatrix(r.errorCounts)) continue;
    used++;
    for (let i = 0; i < 10; i++) {
      for (let j = 0; j < 10; j++) {
        pairs[i]![j]! += r.pairCounts[i]![j]!;
        errors[i]![j]! += r.errorCounts[i]![j]!;
        total += r.pairCounts[i]![j]!;
      }
    }
  }
  return used === 0 || total === 0 ? null : { pairs, errors, runs: used };
}

// short labels: drop the report prefix when every id shares it
export function shortLabels(ids: readonly string[]): Map<string, string> {
  const prefixes = new Set(ids.map((id) => (id.includes('/') ? id.slice(0, id.indexOf('/') + 1) : '')));
  const strip = prefixes.size === 1 && [...prefixes][0] !== '';
  return new Map(ids.map((id) => [id, strip ? id.slice(id.indexOf('/') + 1) : id]));
}
