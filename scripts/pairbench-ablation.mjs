// the ablation table of pairbench's own models from a study directory (default
// studies/pairbench-ablation): each variant of pairbench/binary or pairbench/digits (the study's
// {id, as, set} entries), its final-epoch test accuracy, mean ± sd, and the Welch test of the full
// model against the variant (the contribution of what the variant changes).
// usage (after npm run build): node scripts/pairbench-ablation.mjs [study dir]
import { readMeta, readRuns } from '../dist/src/study/files.js';
import { describe, welch } from '../dist/src/study/stats.js';

const dir = process.argv[2] ?? 'studies/pairbench-ablation';
const runs = readRuns(dir);
const variants = readMeta(dir).config.variants ?? {};
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
const setText = (set) => Object.entries(set).filter(([k]) => k !== 'rounds').map(([k, v]) => `${k} ${v}`).join(', ');
const lines = ['| variant | set | test accuracy, mean ± sd (%) | full − variant (pp), 95% CI | Welch p | s/run |', '|---|---|---|---|---|---|'];
for (const full of ['pairbench/binary', 'pairbench/digits']) {
  const f = acc(full);
  lines.push(`| \`${full}\` | (full model) | ${ms(f)} | | | ${seconds(full)} |`);
  for (const [name, v] of Object.entries(variants).filter(([, x]) => x.id === full)) {
    const w = welch(f, acc(name));
    const ci = w.ci95 === null ? '' : ` [${pct(w.ci95[0])}, ${pct(w.ci95[1])}]`;
    lines.push(`| \`${name}\` | ${setText(v.set)} | ${ms(acc(name))} | ${w.diff === null ? '–' : (w.diff >= 0 ? '+' : '') + pct(w.diff)}${ci} | ${w.p === null ? w.note : w.p.toPrecision(2)} | ${seconds(name)} |`);
  }
}
console.log(lines.join('\n'));
