// small text helpers of the CLI
import type { AffineAugment } from '../data/augment.js';
import type { ModelSpec, Recipe } from '../models/types.js';
import { pct, wrapWords } from '../report/summary.js';

// '95.12%' (the CLI's lines), '–' when missing
export function percent(x: number | null | undefined): string {
  return pct(x, 2, '%');
}

export function int(n: number): string {
  return n.toLocaleString('en-US');
}

// '1 epoch', '2 epochs'
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${int(n)} ${n === 1 ? word : many}`;
}

// the random affine map of an augmentation (training, and the test-time views)
function affineText(a: AffineAugment): string {
  return `rotate ±${a.rotate}°, shift ±${a.shift} px, scale ±${a.scale}`;
}

export function optimizerText(r: Recipe): string {
  const o = r.optimizer;
  const base = o.kind === 'adam' ? `Adam lr ${o.lr}` : o.kind === 'adamw' ? `AdamW lr ${o.lr} weight decay ${o.weightDecay}` : `SGD lr ${o.lr}${o.momentum ? ` momentum ${o.momentum}` : ''}`;
  const extras = [
    r.schedule === undefined ? '' : `, ${r.schedule.kind} schedule`,
    r.labelSmoothing ? `, label smoothing ${r.labelSmoothing}` : '',
    r.swa === undefined ? '' : `, weight averaging (SWA) over the last ${Math.round(r.swa.last * 100)}% of the epochs at lr ${r.swa.lr} (the schedule spans those before)`,
    r.augment === undefined ? '' : `, augmentation (${affineText(r.augment)}${r.augment.elastic !== undefined && r.augment.elastic.alpha > 0 ? `, elastic alpha ${r.augment.elastic.alpha} sigma ${r.augment.elastic.sigma} px` : ''})`,
  ];
  return base + extras.join('');
}

const LOSS: Record<Recipe['mainLoss'], string> = {
  ce: 'two logits, cross-entropy',
  'bce-logits': 'one logit, sigmoid + binary cross-entropy',
  'ce-on-sigmoid': 'two outputs, cross-entropy on their sigmoid',
  'mse-sigmoid': 'one output, MSE on its sigmoid',
};

export function recipeLines(r: Recipe, batchNorm = false): string[] {
  const out = [
    `training: ${optimizerText(r)}, batch ${r.batchSize}, ${plural(r.epochs, 'epoch')}, ${plural(r.rounds, 'round')}`,
    `loss: ${r.compareInCode ? 'digit cross-entropy; the pair target compared in code from the two predicted digits' : LOSS[r.mainLoss]}`,
  ];
  if (r.auxLoss !== null) {
    const w = r.auxLoss.weight;
    out.push(`auxiliary: digit cross-entropy per image${r.auxLoss.onSigmoid ? ' (on the sigmoid)' : ''}, weight ${w.kind === 'constant' ? w.value : '(E-e)/E, main weight 1-(E-e)/E'}`);
  }
  if (r.sameLossWeight > 0) out.push(`auxiliary: same-target classifier, weight ${r.sameLossWeight}`);
  if (r.tta !== undefined && r.tta.views > 1) {
    const a = r.tta.augment ?? r.augment;
    out.push(`test-time augmentation: the final epoch's evaluation averages ${r.tta.views} views of each pair${a === undefined ? '' : ` (the pair and ${r.tta.views - 1} copies: ${affineText(a)})`}`);
  }
  if (r.phases.length > 0) {
    out.push(`phases: ${r.phases.map((p) => (p.kind === 'digits' ? `digits (${typeof p.epochs === 'number' ? plural(p.epochs, 'epoch') : `${p.epochs} epochs`})` : `pairs (${typeof p.epochs === 'number' ? plural(p.epochs, 'epoch') : `${p.epochs} epochs`}${p.freshOptimizer ? ', fresh optimizer' : ''})`)).join(' then ')}`);
  }
  if (batchNorm) out.push('batch norm: an incomplete last batch of one sample is dropped (batch norm cannot normalise a single sample)');
  if (r.testSplit === 'half-validation') out.push('test pairs: the first half validation, the second half test (500 / 500 of the default 1000)');
  const pretrains = r.phases.some((p) => p.kind === 'digits') && r.phases.some((p) => p.kind === 'pairs');
  if (r.bestEpoch) out.push(`report figure: best epoch of each run, chosen on the test set${pretrains ? ' among the pair epochs (the digit phase leaves the pair head untrained)' : ''} (the final epoch is reported beside it)`);
  return out;
}

export function publishedLine(m: ModelSpec): string | null {
  const p = m.published;
  if (p === undefined) return null;
  const parts: string[] = [];
  if (p.mean !== undefined) parts.push(`mean ${percent(p.mean)}`);
  if (p.sd !== undefined) parts.push(`sd ${percent(p.sd)}`);
  if (p.min !== undefined) parts.push(`min ${percent(p.min)}`);
  if (p.max !== undefined) parts.push(`max ${percent(p.max)}`);
  return `published: ${parts.length > 0 ? parts.join(', ') : 'no figure'}${p.note ? ` (${p.note})` : ''}`;
}

// aligned columns, first column left; the last column wraps at word breaks to fit `width`
export function columns(rows: string[][], right: number[] = [], width = 100): string {
  const w = rows[0]!.map((_, i) => Math.max(...rows.map((r) => [...(r[i] ?? '')].length)));
  const indent = w.slice(0, -1).reduce((a, b) => a + b + 2, 0);
  const room = Math.max(20, width - indent);
  return rows
    .map((r) => {
      const lines = wrapWords(r[r.length - 1] ?? '', room);
      const first = r.map((c, i) => (i === r.length - 1 ? lines[0] ?? '' : right.includes(i) ? c.padStart(w[i]!) : c.padEnd(w[i]!))).join('  ').trimEnd();
      return [first, ...lines.slice(1).map((l) => ' '.repeat(indent) + l)].join('\n');
    })
    .join('\n');
}


// '1000 training pairs, 500 test pairs (and 500 validation pairs)': the counts a run really used
export function pairCountText(c: { trainPairs: number; validationPairs: number; testPairs: number }): string {
  const n = (k: number, what: string): string => `${int(k)} ${what} pair${k === 1 ? '' : 's'}`;
  return `${n(c.trainPairs, 'training')}, ${n(c.testPairs, 'test')}${c.validationPairs > 0 ? ` (and ${n(c.validationPairs, 'validation')})` : ''}`;
}

// a line longer than `width` wrapped at spaces, the continuation indented two more than the line
export function wrapLine(line: string, width = 100): string[] {
  const indent = /^ */.exec(line)![0].length;
  const parts = wrapWords(line.slice(indent), width - indent - 2);
  return parts.map((p, i) => ' '.repeat(i === 0 ? indent : indent + 2) + p);
}
