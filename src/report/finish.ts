// the end of a study: summary.json/csv/md and index.html from its finished runs, and the terminal
// table. Loaded only when a study finishes: commands that fail early do not load echarts or stdlib.
import { gridPageInfo } from '../study/grid.js';
import type { StudyRecord } from '../study/job.js';
import { specOf } from '../study/plan.js';
import { summarizeStudy } from '../study/stats.js';
import type { ModelDescription, PublishedFigure, StudyConfig, StudyMeta, StudySummary } from '../study/types.js';
import { writeStudyPage } from './page.js';
import { formatSummary, writeSummary } from './summary.js';

export interface FinishOptions {
  baseline?: string | undefined;
  models?: ModelDescription[];
  filter?: (r: StudyRecord) => boolean; // which runs the summary and the page describe (grid: the final rounds)
}

export interface Finished {
  summary: StudySummary;
  table: string;
  page: string;
  files: { json: string; csv: string; md: string };
}

// a study's models, variants (config.variants) included
export function modelDescriptions(ids: readonly string[], config: Pick<StudyConfig, 'variants'> = {}): ModelDescription[] {
  return ids.map((id) => {
    const m = specOf(config, id);
    return { id: m.id, params: m.params, description: m.description, ours: m.ours };
  });
}

export function publishedFigures(ids: readonly string[], config: Pick<StudyConfig, 'variants'> = {}): PublishedFigure[] {
  const out: PublishedFigure[] = [];
  for (const id of ids) {
    const p = specOf(config, id).published;
    if (p !== undefined && (p.mean !== undefined || p.sd !== undefined || p.min !== undefined || p.max !== undefined)) out.push(p);
  }
  return out;
}

// summary.json/csv/md and index.html from the finished runs; returns the terminal table
export function finishStudy(dir: string, meta: StudyMeta, records: readonly StudyRecord[], o: FinishOptions = {}): Finished {
  const runs = o.filter ? records.filter(o.filter) : [...records];
  const m: StudyMeta = o.filter ? { ...meta, runs: meta.runs.filter((r) => o.filter!(r as StudyRecord)) } : meta;
  const baseline = o.baseline ?? meta.config.baseline;
  const published = publishedFigures(meta.config.models, meta.config);
  const summary = summarizeStudy(m, runs, { ...(baseline !== undefined ? { baseline } : {}), published });
  const files = writeSummary(dir, summary);
  const page = writeStudyPage(dir, {
    meta: m,
    ...(meta.kind === 'grid' ? { grid: gridPageInfo(meta, records) } : {}),
    runs,
    summary,
    published,
    models: o.models ?? modelDescriptions(meta.config.models, meta.config),
    ...(baseline !== undefined ? { baseline } : {}),
  });
  return { summary, table: formatSummary(summary), page, files };
}
