// recipe defaults: one pair phase, no auxiliary terms, no split, final-epoch figures
import type { Recipe } from './types.js';

export function recipe(r: Partial<Recipe> & Pick<Recipe, 'optimizer' | 'batchSize' | 'epochs' | 'rounds' | 'mainLoss'>): Recipe {
  return {
    auxLoss: null,
    sameLossWeight: 0,
    phases: [],
    compareInCode: false,
    testSplit: 'none',
    bestEpoch: false,
    ...r,
  };
}
