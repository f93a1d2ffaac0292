// pairbench models [report] [--describe]
import { PairbenchError } from '../errors.js';
import { allModels, GROUPS } from '../models/registry.js';
import { columns, int, publishedLine, recipeLines } from './format.js';

export function modelsCommand(report: string | undefined, o: { describe?: boolean }): void {
  let list = allModels();
  if (report !== undefined) {
    if (!(GROUPS as readonly string[]).includes(report)) {
      throw new PairbenchError('bad_argument', `unknown report '${report}'; one of: ${GROUPS.join(', ')}`, { field: 'report', value: report });
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
      for (const l of recipeLines(m.recipe)) out.push(`  ${l}`);
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
  process.stdout.write(out.join('\n') + '\n');
}
