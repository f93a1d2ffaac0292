// small text helpers of the CLI
import type { ModelSpec, Recipe } from '../models/types.js';

export function pct(x: number | null | undefined, digits = 2): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '–' : `${(x * 100).toFixed(digits)}%`;
}

export function int(n: number): string {
  return n.toLocaleString('en-US');
}

export function optimizerText(r: Recipe): string {
  const o = r.optimizer;
  const base = o.kind === 'adam' ? `Adam lr ${o.lr}` : o.kind === 'adamw' ? `AdamW lr ${o.lr} weight decay ${o.weightDecay}` : `SGD lr ${o.lr}${o.momentum ? ` momentum ${o.momentum}` : ''}`;
  const extras = [
    r.schedule === undefined ? '' : `, ${r.schedule.kind} schedule`,
    r.labelSmoothing ? `, label smoothing ${r.labelSmoothing}` : '',
    r.augment === undefined ? '' : `, augmentation (rotate ±${r.augment.rotate}°, shift ±${r.augment.shift} px, scale ±${r.augment.scale})`,
  ];
  return base + extras.join('');
}

const LOSS: Record<Recipe['mainLoss'], string> = {
  ce: 'two logits, cross-entropy',
  'bce-logits': 'one logit, sigmoid + binary cross-entropy',
  'ce-on-sigmoid': 'two outputs, cross-entropy on their sigmoid',
  'mse-sigmoid': 'one output, MSE on its sigmoid',
};

export function recipeLines(r: Recipe): string[] {
  const out = [
    `training: ${optimizerText(r)}, batch ${r.batchSize}, ${r.epochs} epochs, ${r.rounds} rounds`,
    `loss: ${r.compareInCode ? 'digit cross-entropy; the pair target compared in code from the two predicted digits' : LOSS[r.mainLoss]}`,
  ];
  if (r.auxLoss !== null) {
    const w = r.auxLoss.weight;
    out.push(`auxiliary: digit cross-entropy per image${r.auxLoss.onSigmoid ? ' (on the sigmoid)' : ''}, weight ${w.kind === 'constant' ? w.value : '(E-e)/E, main weight 1-(E-e)/E'}`);
  }
  if (r.sameLossWeight > 0) out.push(`auxiliary: same-target classifier, weight ${r.sameLossWeight}`);
  if (r.phases.length > 0) {
    out.push(`phases: ${r.phases.map((p) => (p.kind === 'digits' ? `digits (${p.epochs} epochs)` : `pairs (${p.epochs} epochs${p.freshOptimizer ? ', fresh optimizer' : ''})`)).join(' then ')}`);
  }
  if (r.testSplit === 'half-validation') out.push('test pairs: 0-499 validation, 500-999 test');
  if (r.bestEpoch) out.push('report figure: best epoch of each run, chosen on the test set (the final epoch is reported beside it)');
  return out;
}

export function publishedLine(m: ModelSpec): string | null {
  const p = m.published;
  if (p === undefined) return null;
  const parts: string[] = [];
  if (p.mean !== undefined) parts.push(`mean ${pct(p.mean)}`);
  if (p.sd !== undefined) parts.push(`sd ${pct(p.sd)}`);
  if (p.min !== undefined) parts.push(`min ${pct(p.min)}`);
  if (p.max !== undefined) parts.push(`max ${pct(p.max)}`);
  return `published: ${parts.length > 0 ? parts.join(', ') : 'no figure'}${p.note ? ` (${p.note})` : ''}`;
}

// aligned columns, first column left
export function columns(rows: string[][], right: number[] = []): string {
  const w = rows[0]!.map((_, i) => Math.max(...rows.map((r) => [...(r[i] ?? '')].length)));
  return rows
    .map((r) => r.map((c, i) => (right.includes(i) ? c.padStart(w[i]!) : i === r.length - 1 ? c : c.padEnd(w[i]!))).join('  ').trimEnd())
    .join('\n');
}
