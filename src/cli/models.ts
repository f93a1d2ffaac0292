// pairbench models [report] [--describe]
import { PairbenchError } from '../errors.js';
import { allModels, getModel, REPORTS } from '../models/registry.js';
import type { HyperParam, ModelSpec } from '../models/types.js';
import { Rng } from '../tensor/random.js';
import { usesBatchNorm } from '../train/run.js';
import { columns, int, publishedLine, recipeLines, wrapLine } from './format.js';

// 'lr 0.001', 'optimizer adam (adam|adamw|sgd)', 'momentum (with sgd)' (no value unless the recipe uses sgd)
const hyperText = (m: ModelSpec) => (p: HyperParam): string => {
  const v = m.hyper[p.key];
  const choices = p.values !== undefined ? ` (${p.values.join('|')})` : '';
  return v === undefined ? `${p.key} (with sgd)` : `${p.key} ${v}${choices}`;
};

export function modelsCommand(report: string | undefined, o: { describe?: boolean }): void {
  let list = allModels();
  if (report !== undefined && report.includes('/')) {
    // one model id: describe it
    list = [getModel(report)];
    o = { ...o, describe: true };
  } else if (report !== undefined) {
    if (!REPORTS.includes(report)) {
      throw new PairbenchError('bad_argument', `unknown report '${report}'; one of: ${REPORTS.join(', ')}`, { field: 'report', value: report });
    }
    list = list.filter((m) => m.report === report);
  }
  const out: string[] = [];
  if (!o.describe) {
    out.push(columns([['id', 'params', 'description'], ...list.map((m) => [m.id, int(m.params), m.description])], [1]));
    out.push('', `${list.length} models. Details, recipes and the choices that are ours: pairbench models${report ? ` ${report}` : ''} --describe`);
  } else {
    for (const m of list) {
      out.push(`${m.id}  (${int(m.params)} parameters${m.reportParams !== undefined ? `; the report states ${int(m.reportParams)}` : ''})`);
      out.push(`  ${m.description}`);
      const rng = new Rng(0);
      for (const l of recipeLines(m.recipe, usesBatchNorm(m.build({ init: rng.split('init'), dropout: rng.split('dropout') })))) out.push(`  ${l}`);
      out.push(`  hyperparameters (train --set key=value, or "set" in a study config): ${m.hyperSpace.map(hyperText(m)).join(', ')}`);
      const p = publishedLine(m);
      if (p !== null) out.push(`  ${p}`);
      if (m.ours.length > 0) {
        out.push('  choices that are ours (the report is silent):');
        for (const c of m.ours) out.push(`    - ${c} (ours)`);
      }
      out.push('');
    }
    out.push('Common to every model (ours): inputs standardised with the mean and sample std of the pooled 60,000-image training split.');
  }
  process.stdout.write(out.flatMap((l) => (o.describe ? wrapLine(l) : [l])).join('\n') + '\n');
}
