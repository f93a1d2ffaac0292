// the ablation table of pairbench's own models from a study directory (default
// studies/pairbench-ablation): each variant's final-epoch test accuracy, mean ± sd, and the Welch test
// of the full model against the variant without that ingredient (the ingredient's contribution).
// usage (after npm run build): node scripts/pairbench-ablation.mjs [study dir]
import { readRuns } from '../dist/src/study/files.js';
import { describe, welch } from '../dist/src/study/stats.js';
import { ABLATIONS } from '../dist/src/models/pairbench.js';

const dir = process.argv[2] ?? 'studies/pairbench-ablation';
const runs = readRuns(dir);
const acc = (id) => runs.filter((r) => r.model === id).map((r) => r.testAccuracy);
const pct = (x, d = 2) => (x * 100).toFixed(d);
const ms = (xs) => {
  const s = describe(xs);
  return xs.length === 0 ? '–' : `${pct(s.mean)} ± ${s.sd === null ? '–' : pct(s.sd)} (n ${xs.length})`;
};
const seconds = (id) => {
  const t = runs.filter((r) => r.model === id).map((r) => r.trainSeconds);
  return t.length === 0 ? '–' : (t.reduce((a, b) => a + b, 0) / t.length).toFixed(0);
};
const lines = ['| model | without | test accuracy, mean ± sd (%) | contribution: full − variant (pp), 95% CI | Welch p | s/run |', '|---|---|---|---|---|---|'];
for (const full of ['binary', 'digits']) {
  const f = acc(`pairbench/${full}`);
  lines.push(`| pairbench/${full} | (full model) | ${ms(f)} | | | ${seconds(`pairbench/${full}`)} |`);
  for (const a of ABLATIONS.filter((x) => x.of === full)) {
    const v = acc(`pairbench/${a.id}`);
    const w = welch(f, v);
    const ci = w.ci95 === null ? '' : ` [${pct(w.ci95[0])}, ${pct(w.ci95[1])}]`;
    lines.push(`| pairbench/${a.id} | ${a.without} | ${ms(v)} | ${w.diff === null ? '–' : (w.diff >= 0 ? '+' : '') + pct(w.diff)}${ci} | ${w.p === null ? w.note : w.p.toPrecision(2)} | ${seconds(`pairbench/${a.id}`)} |`);
  }
}
console.log(lines.join('\n'));
