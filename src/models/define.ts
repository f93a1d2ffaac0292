// a user's own model: the same blocks and recipes as the zoo, parameters counted by building it once;
// its hyperparameters are the recipe's (optimizer, lr, batchSize, epochs...)
import { Rng } from '../tensor/random.js';
import { fixedModel } from './hyper.js';
import type { BuildContext, ModelSpec, PairNetwork, Recipe } from './types.js';

export interface ModelDefinition {
  id: string;
  description?: string;
  recipe: Recipe;
  build(ctx: BuildContext): PairNetwork;
}

// a model's parameter count, from one network built with fixed generators
export function countParameters(build: (ctx: BuildContext) => PairNetwork): number {
  return build({ init: new Rng(0), dropout: new Rng(1) }).parameterCount();
}

export function defineModel(def: ModelDefinition): ModelSpec {
  const params = countParameters(def.build);
  const report = def.id.includes('/') ? def.id.split('/')[0]! : 'custom';
  return fixedModel({ id: def.id, report, description: def.description ?? def.id, ours: [], params, recipe: def.recipe, build: def.build });
}
