// every model id of REPORTS.md, by id
import { PairbenchError } from '../errors.js';
import { carparelliModels } from './carparelli2019.js';
import { kropfhamerModels } from './kropfhamer2022.js';
import { lenetTransferModels } from './lenet-transfer.js';
import { pairbenchModels } from './pairbench.js';
import { pillonelModels } from './pillonel2020.js';
import { siebertModels } from './siebert2022.js';
import type { ModelSpec } from './types.js';

export const REPORTS = ['kropfhamer2022', 'carparelli2019', 'siebert2022', 'pillonel2020', 'lenet-transfer'] as const;
export type ReportId = (typeof REPORTS)[number];
// the five reports and pairbench's own models (src/models/pairbench.ts)
export const GROUPS = [...REPORTS, 'pairbench'] as const;

let all: ModelSpec[] | null = null;

export function allModels(): ModelSpec[] {
  all ??= [...kropfhamerModels(), ...carparelliModels(), ...siebertModels(), ...pillonelModels(), ...lenetTransferModels(), ...pairbenchModels()];
  return all;
}

export function modelsOfReport(report: string): ModelSpec[] {
  return allModels().filter((m) => m.report === report);
}

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return d[a.length]![b.length]!;
}

// the ids closest to a mistyped one
export function nearestIds(id: string, n = 3): string[] {
  return allModels()
    .map((m) => ({ id: m.id, d: Math.min(editDistance(id, m.id), editDistance(id, m.id.split('/')[1]!) + 1) }))
    .sort((a, b) => a.d - b.d || a.id.localeCompare(b.id))
    .slice(0, n)
    .map((x) => x.id);
}

export function getModel(id: string): ModelSpec {
  const m = allModels().find((s) => s.id === id);
  if (m === undefined) {
    throw new PairbenchError('unknown_model', `unknown model id '${id}'; nearest: ${nearestIds(id).join(', ')} (pairbench models lists them all)`, { id, nearest: nearestIds(id) });
  }
  return m;
}
