// a recipe's phases resolved to epoch counts: digits first (pretraining / transfer / digit prediction), then pairs
import { PairbenchError } from '../errors.js';
import type { Recipe } from '../models/types.js';

export interface ResolvedPhase { kind: 'digits' | 'pairs'; epochs: number; freshOptimizer: boolean }

export function resolvePhases(recipe: Recipe, epochs: number): ResolvedPhase[] {
  if (!Number.isInteger(epochs) || epochs < 1) throw new PairbenchError('bad_argument', `epochs must be a positive integer, got ${epochs}`, { field: 'epochs', value: epochs });
  if (recipe.phases.length === 0) return [{ kind: 'pairs', epochs, freshOptimizer: true }];
  const out: ResolvedPhase[] = [];
  let used = 0;
  for (const p of recipe.phases) {
    let n: number;
    if (p.kind === 'digits') n = p.epochs === 'half' ? Math.floor(epochs / 2) : p.epochs === 'all' ? epochs : p.epochs;
    else n = p.epochs === 'rest' ? epochs - used : p.epochs;
    used += n;
    if (n > 0) out.push({ kind: p.kind, epochs: n, freshOptimizer: p.kind === 'digits' || p.freshOptimizer });
  }
  return out;
}
