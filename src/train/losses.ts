// loss composition of a recipe: the main term, digit terms with their (scheduled) weight, siebert2022's same-target term
import type { MainLoss, PairOutputs, Recipe } from '../models/types.js';
import * as F from '../tensor/ops/index.js';
import { Tensor } from '../tensor/tensor.js';

export interface LossParts { total: Tensor; terms: Record<string, number> }

export function mainLossOf(kind: MainLoss, out: Tensor, target: Float32Array, targetInt: Int32Array, labelSmoothing = 0): Tensor {
  switch (kind) {
    case 'ce': return F.crossEntropy(out, targetInt, { labelSmoothing });
    case 'bce-logits': return F.binaryCrossEntropyWithLogits(out, new Tensor(target, out.shape));
    // as siebert2022 did: cross-entropy applied to sigmoid outputs
    case 'ce-on-sigmoid': return F.crossEntropy(F.sigmoid(out), targetInt);
    case 'mse-sigmoid': return F.mse(F.sigmoid(out), new Tensor(target, out.shape));
  }
}

// weights of (main, digit terms) at epoch e (0-based) of E in the pair phase
export function lossWeights(recipe: Recipe, e: number, epochs: number): { main: number; aux: number } {
  const w = recipe.auxLoss?.weight;
  if (w === undefined) return { main: 1, aux: 0 };
  if (w.kind === 'constant') return { main: 1, aux: w.value };
  const a = (epochs - e) / epochs;
  return { main: 1 - a, aux: a };
}

export function digitLoss(logits: Tensor, classes: Int32Array, onSigmoid: boolean, labelSmoothing = 0): Tensor {
  return F.crossEntropy(onSigmoid ? F.sigmoid(logits) : logits, classes, { labelSmoothing });
}

// classes: (N,2) interleaved -> the first or second digit's classes
export function column(classes: Int32Array, k: 0 | 1): Int32Array {
  const n = classes.length / 2;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = classes[2 * i + k]!;
  return out;
}

export function pairLoss(recipe: Recipe, out: PairOutputs, target: Float32Array, classes: Int32Array, e: number, epochs: number): LossParts {
  const targetInt = Int32Array.from(target);
  const w = lossWeights(recipe, e, epochs);
  const terms: Record<string, number> = {};
  const parts: Tensor[] = [];
  if (out.main !== null) {
    const main = mainLossOf(recipe.mainLoss, out.main, target, targetInt, recipe.labelSmoothing);
    terms['main'] = main.item();
    parts.push(w.main === 1 ? main : F.scale(main, w.main));
  }
  if (recipe.auxLoss !== null && out.digits !== null) {
    const a1 = digitLoss(out.digits[0], column(classes, 0), recipe.auxLoss.onSigmoid, recipe.labelSmoothing);
    const a2 = digitLoss(out.digits[1], column(classes, 1), recipe.auxLoss.onSigmoid, recipe.labelSmoothing);
    terms['aux1'] = a1.item();
    terms['aux2'] = a2.item();
    parts.push(F.scale(F.add(a1, a2), w.aux));
  }
  if (recipe.sameLossWeight > 0 && out.same !== null) {
    const s = mainLossOf(recipe.mainLoss, out.same, target, targetInt);
    terms['same'] = s.item();
    parts.push(F.scale(s, recipe.sameLossWeight));
  }
  let total = parts[0]!;
  for (let i = 1; i < parts.length; i++) total = F.add(total, parts[i]!);
  return { total, terms };
}
