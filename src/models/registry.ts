// every report and model id the zoo knows: one descriptor per report (src/models/<report>.ts)
import { PairbenchError } from '../errors.js';
import { carparelliReport } from './carparelli2019.js';
import { kropfhamerReport } from './kropfhamer2022.js';
import { lenetTransferReport } from './lenet-transfer.js';
import { pairbenchReport } from './pairbench.js';
import { pillonelReport } from './pillonel2020.js';
import { siebertReport } from './siebert2022.js';
import type { ModelSpec, ReportDescriptor } from './types.js';

// in the order the CLI lists them
// (pairbench's own models last: not a report, but reproduced like one, beside every report's best model)
export const REPORT_DESCRIPTORS: readonly ReportDescriptor[] = [kropfhamerReport, carparelliReport, siebertReport, pillonelReport, lenetTransferReport, pairbenchReport];
export const REPORTS: readonly string[] = REPORT_DESCRIPTORS.map((r) => r.id);
export type ReportId = string;

export function getReport(id: string): ReportDescriptor {
  const r = REPORT_DESCRIPTORS.find((d) => d.id === id);
  if (r === undefined) throw new PairbenchError('bad_argument', `unknown report '${id}'; one of: ${REPORTS.join(', ')}`, { field: 'report', value: id });
  return r;
}

// the report whose headline study `pairbench start` runs
export function startReport(): ReportDescriptor & { start: NonNullable<ReportDescriptor['start']> } {
  const r = REPORT_DESCRIPTORS.find((d) => d.start !== undefined);
  if (r === undefined) throw new PairbenchError('bad_config', 'no report defines the headline study (a descriptor with start)', {});
  return r as ReportDescriptor & { start: NonNullable<ReportDescriptor['start']> };
}

// the reports with a grid search
export function gridReports(): (ReportDescriptor & { grid: NonNullable<ReportDescriptor['grid']> })[] {
  return REPORT_DESCRIPTORS.filter((d): d is ReportDescriptor & { grid: NonNullable<ReportDescriptor['grid']> } => d.grid !== undefined);
}

let all: ModelSpec[] | null = null;

export function allModels(): ModelSpec[] {
  all ??= REPORT_DESCRIPTORS.flatMap((r) => r.models());
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
