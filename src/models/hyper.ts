// a model's hyperparameters as typed parameters: each model declares its space (recipe terms shared
// by every model + its own: H, lambda, dropout...) with defaults; a variant is the model rebuilt with
// some of them set, validated against that space
import { z } from 'zod';
import { PairbenchError } from '../errors.js';
import type { HyperParam, HyperValue, HyperValues, ModelSpec, Recipe } from './types.js';

// the recipe's own terms: every model has them
export const RECIPE_SPACE: readonly HyperParam[] = [
  { key: 'optimizer', kind: 'enum', values: ['adam', 'adamw', 'sgd'], about: 'optimizer' },
  { key: 'lr', kind: 'number', above: 0, about: 'learning rate' },
  { key: 'momentum', kind: 'number', min: 0, max: 1, about: 'SGD momentum (optimizer sgd only)' },
  { key: 'weightDecay', kind: 'number', min: 0, about: 'weight decay: with adam and sgd L2 added to the gradient (PyTorch\'s weight_decay); with adamw decoupled, each step the weights shrink by lr x weightDecay (PyTorch\'s AdamW)' },
  { key: 'batchSize', kind: 'integer', min: 1, max: 100000, about: 'batch size' },
  { key: 'epochs', kind: 'integer', min: 1, max: 10000, about: 'epochs per run' },
];

const RECIPE_KEYS = new Set(RECIPE_SPACE.map((p) => p.key));

function schemaOf(p: HyperParam): z.ZodType<HyperValue> {
  if (p.kind === 'boolean') return z.boolean();
  if (p.kind === 'enum') return z.enum(p.values as [string, ...string[]]);
  let n = z.number();
  if (p.kind === 'integer') n = n.int();
  if (p.min !== undefined) n = n.gte(p.min);
  if (p.above !== undefined) n = n.gt(p.above);
  if (p.max !== undefined) n = n.lte(p.max);
  return n.refine(Number.isFinite, 'must be finite');
}

function hyperSchema(space: readonly HyperParam[]): z.ZodType<HyperValues> {
  return z.strictObject(Object.fromEntries(space.map((p) => [p.key, schemaOf(p).optional()]))) as unknown as z.ZodType<HyperValues>;
}

function keyList(space: readonly HyperParam[]): string {
  return space.map((p) => p.key).join(', ');
}

// values set on a model: every key in its space and of the right type, else one line naming the key
export function checkHyper(model: string, space: readonly HyperParam[], set: Readonly<Record<string, unknown>>): HyperValues {
  for (const k of Object.keys(set)) {
    if (!space.some((p) => p.key === k)) {
      throw new PairbenchError('bad_config', `${model} has no hyperparameter '${k}' (its hyperparameters: ${keyList(space)})`, { model, key: k });
    }
  }
  const r = hyperSchema(space).safeParse(set);
  if (!r.success) {
    const i = r.error.issues[0]!;
    const key = String(i.path[0] ?? '');
    throw new PairbenchError('bad_config', `${model}: hyperparameter ${key} = ${JSON.stringify(set[key])}: ${i.message}`, { model, key, value: set[key] });
  }
  return r.data;
}

// 'lr=0.01' (the CLI's --set) -> ['lr', 0.01], typed by the model's space
function parseAssignment(model: string, space: readonly HyperParam[], text: string): [string, HyperValue] {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new PairbenchError('bad_argument', `--set ${text}: expected key=value (hyperparameters of ${model}: ${keyList(space)})`, { value: text });
  const key = text.slice(0, eq).trim();
  const raw = text.slice(eq + 1).trim();
  const p = space.find((q) => q.key === key);
  if (p === undefined) throw new PairbenchError('bad_argument', `--set ${text}: ${model} has no hyperparameter '${key}' (its hyperparameters: ${keyList(space)})`, { model, key });
  let v: HyperValue;
  if (p.kind === 'boolean') {
    if (raw !== 'true' && raw !== 'false') throw new PairbenchError('bad_argument', `--set ${text}: ${key} takes true or false`, { model, key, value: raw });
    v = raw === 'true';
  } else if (p.kind === 'enum') {
    v = raw;
  } else {
    v = raw === '' || !/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(raw) ? NaN : Number(raw);
    if (Number.isNaN(v)) throw new PairbenchError('bad_argument', `--set ${text}: ${key} takes a ${p.kind === 'integer' ? 'whole number' : 'number'}`, { model, key, value: raw });
  }
  return [key, v];
}

export function parseAssignments(model: string, space: readonly HyperParam[], texts: readonly string[]): HyperValues {
  const out: HyperValues = {};
  for (const t of texts) {
    const [k, v] = parseAssignment(model, space, t);
    out[k] = v;
  }
  try {
    return checkHyper(model, space, out);
  } catch (e) {
    if (e instanceof PairbenchError) throw new PairbenchError('bad_argument', `--set: ${e.message}`, e.details as Record<string, unknown>);
    throw e;
  }
}

// the recipe terms of a recipe, as hyperparameter values
function recipeHyper(r: Recipe): HyperValues {
  const o = r.optimizer;
  return {
    optimizer: o.kind,
    lr: o.lr,
    ...(o.kind === 'sgd' ? { momentum: o.momentum } : {}),
    weightDecay: o.weightDecay ?? 0,
    batchSize: r.batchSize,
    epochs: r.epochs,
  };
}

// a recipe with recipe terms set (the others untouched); an unset term keeps the recipe's value
function applyRecipeHyper(model: string, r: Recipe, set: HyperValues): Recipe {
  const kind = (set['optimizer'] as Recipe['optimizer']['kind'] | undefined) ?? r.optimizer.kind;
  const lr = (set['lr'] as number | undefined) ?? r.optimizer.lr;
  const recipeWd = r.optimizer.weightDecay ?? 0;
  // the recipe's decay keeps its value across optimizers only where it keeps its meaning (L2 or decoupled)
  if (set['weightDecay'] === undefined && recipeWd !== 0 && (kind === 'adamw') !== (r.optimizer.kind === 'adamw')) {
    const meaning = (k: string): string => (k === 'adamw' ? 'decoupled decay' : 'L2 on the gradient');
    throw new PairbenchError('bad_config', `${model}: optimizer ${kind} reads weightDecay as ${meaning(kind)}, the recipe's weightDecay ${recipeWd} is ${meaning(r.optimizer.kind)} for ${r.optimizer.kind}: set weightDecay too`, { model, key: 'weightDecay' });
  }
  const wd = (set['weightDecay'] as number | undefined) ?? r.optimizer.weightDecay;
  const wdPart = wd !== undefined && wd !== 0 ? { weightDecay: wd } : {};
  if (kind !== 'sgd' && set['momentum'] !== undefined) {
    throw new PairbenchError('bad_config', `${model}: hyperparameter momentum applies to optimizer sgd only (this variant uses ${kind})`, { model, key: 'momentum' });
  }
  const momentum = (set['momentum'] as number | undefined) ?? (r.optimizer.kind === 'sgd' ? r.optimizer.momentum : 0);
  const optimizer: Recipe['optimizer'] = kind === 'adam' ? { kind, lr, ...wdPart } : kind === 'adamw' ? { kind, lr, weightDecay: wd ?? 0 } : { kind, lr, momentum, ...wdPart };
  return {
    ...r,
    optimizer,
    batchSize: (set['batchSize'] as number | undefined) ?? r.batchSize,
    epochs: (set['epochs'] as number | undefined) ?? r.epochs,
  };
}

// what a report's factory gives for one set of model hyperparameter values
export type BaseSpec = Omit<ModelSpec, 'hyper' | 'hyperSpace' | 'variant' | 'variantOf'>;

export interface HyperModelDef {
  space: readonly HyperParam[]; // the model's own hyperparameters (not the recipe's)
  defaults: HyperValues; // a value for each of them
  make(h: HyperValues): BaseSpec;
}

function setText(set: HyperValues): string {
  return Object.entries(set).map(([k, v]) => `${k} ${v}`).join(', ');
}

// the name a study gives a variant without its own: 'lenet-transfer/cnn[lr=0.01]'
export function variantName(id: string, set: HyperValues): string {
  return `${id}[${Object.entries(set).map(([k, v]) => `${k}=${v}`).join(',')}]`;
}

// a model with its hyperparameter space; variant() rebuilds it with values set
export function hyperModel(def: HyperModelDef): ModelSpec {
  const base = def.make(def.defaults);
  const space = [...RECIPE_SPACE, ...def.space];
  const hyper = { ...recipeHyper(base.recipe), ...def.defaults };
  const spec: ModelSpec = {
    ...base,
    hyper,
    hyperSpace: space,
    variant(set: Readonly<Record<string, unknown>>, name?: string): ModelSpec {
      const checked = checkHyper(base.id, space, set);
      const own: HyperValues = { ...def.defaults };
      const rec: HyperValues = {};
      for (const [k, v] of Object.entries(checked)) {
        if (RECIPE_KEYS.has(k)) rec[k] = v;
        else own[k] = v;
      }
      const made = def.make(own);
      const recipe = applyRecipeHyper(base.id, made.recipe, rec);
      const id = name ?? base.id;
      const v: ModelSpec = {
        ...made,
        id,
        recipe,
        description: Object.keys(checked).length > 0 ? `${made.description} (variant of ${base.id}: ${setText(checked)})` : made.description,
        hyper: { ...recipeHyper(recipe), ...own },
        hyperSpace: space,
        variantOf: { id: base.id, set: checked },
        variant: (s, n) => spec.variant({ ...checked, ...s }, n ?? id),
      };
      // a variant is not the report's protocol: its published figure does not apply
      if (Object.keys(checked).length > 0) delete v.published;
      return v;
    },
  };
  return spec;
}

const AUX_WEIGHT: HyperParam = { key: 'auxWeight', kind: 'number', min: 0, about: 'weight of the digit losses' };

// a model whose own hyperparameter is the weight of its digit losses (default 1)
export function auxWeightModel(make: (auxWeight: number) => BaseSpec): ModelSpec {
  return hyperModel({ space: [AUX_WEIGHT], defaults: { auxWeight: 1 }, make: (h) => make(h['auxWeight'] as number) });
}

// a model with no hyperparameters of its own (the recipe's only)
export function fixedModel(base: BaseSpec): ModelSpec {
  return hyperModel({ space: [], defaults: {}, make: () => base });
}
