// checkpoints: a trained network's parameters and batch-norm buffers (named as namedParameters() and
// namedBuffers() name them) in a safetensors file, with what is needed to rebuild and use it
import { closeSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { isPairbenchError, PairbenchError, writeErrorText } from '../errors.js';
import { getModel } from '../models/registry.js';
import type { HyperValues, ModelSpec, PairNetwork, Recipe } from '../models/types.js';
import { pairbenchVersion } from '../study/version.js';
import { Rng } from '../tensor/random.js';
import type { RunRecord } from '../train/types.js';
import { readBytes } from './read-bytes.js';
import { decodeSafetensors, encodeSafetensors, type NamedArray } from './safetensors.js';

export const CHECKPOINT_FORMAT = 'pairbench-checkpoint/1';
export const CHECKPOINT_EXT = '.safetensors';

export interface CheckpointMeta {
  model: string; // model id (a variant's own name)
  variantOf?: { id: string; set: HyperValues }; // a variant: the zoo id and the hyperparameters set, which rebuild it
  recipe: Recipe; // the run's recipe, overrides applied
  hyperparameters: HyperValues; // every hyperparameter value the network and recipe were made with
  seed: number;
  round: number;
  epochs: number;
  batchSize: number;
  standardisation: { mean: number; std: number }; // applied to raw pooled pixels (0-255) before the network
  pairbenchVersion: string;
  testAccuracy: number; // final epoch, on the run's own test pairs
  digitAccuracy?: number;
}

export interface Checkpoint {
  network: PairNetwork; // in eval mode
  spec: ModelSpec; // the spec it was rebuilt from
  meta: CheckpointMeta;
  file: string;
}

// the model spec a checkpoint's network is rebuilt from: its zoo id, or the variant of one it names
export function specFor(model: string, variantOf?: { id: string; set: HyperValues }): ModelSpec {
  return variantOf === undefined ? getModel(model) : getModel(variantOf.id).variant(variantOf.set, model);
}

// every tensor a checkpoint holds, by name: parameters then batch-norm buffers
export function stateTensors(net: PairNetwork): NamedArray[] {
  return [...net.namedParameters(), ...net.namedBuffers()].map(([name, t]) => ({ name, shape: [...t.shape], data: t.data }));
}

function metaStrings(meta: CheckpointMeta): Record<string, string> {
  const out: Record<string, string> = {
    format: CHECKPOINT_FORMAT,
    model: meta.model,
    ...(meta.variantOf !== undefined ? { variant_of: JSON.stringify(meta.variantOf) } : {}),
    recipe: JSON.stringify(meta.recipe),
    hyperparameters: JSON.stringify(meta.hyperparameters),
    seed: String(meta.seed),
    round: String(meta.round),
    epochs: String(meta.epochs),
    batch_size: String(meta.batchSize),
    standardisation_mean: String(meta.standardisation.mean),
    standardisation_std: String(meta.standardisation.std),
    pairbench_version: meta.pairbenchVersion,
    test_accuracy: String(meta.testAccuracy),
  };
  if (meta.digitAccuracy !== undefined) out['digit_accuracy'] = String(meta.digitAccuracy);
  return out;
}

// the file's bytes, written to a temporary file beside it and renamed: a reader never sees half a checkpoint
export function saveCheckpoint(path: string, net: PairNetwork, meta: Omit<CheckpointMeta, 'pairbenchVersion'> & { pairbenchVersion?: string }): number {
  const bytes = encodeSafetensors(stateTensors(net), metaStrings({ ...meta, pairbenchVersion: meta.pairbenchVersion ?? pairbenchVersion() }));
  const tmp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  try {
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, bytes);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    try { unlinkSync(tmp); } catch { /* not created */ }
    throw new PairbenchError('io_error', `cannot write checkpoint ${path}: ${writeErrorText(e)}`, { path });
  }
  return bytes.length;
}

function num(file: string, md: Record<string, string>, key: string, optional = false): number | undefined {
  const v = md[key];
  if (v === undefined) {
    if (optional) return undefined;
    throw new PairbenchError('bad_checkpoint', `${file}: checkpoint metadata has no '${key}'`, { file, field: key });
  }
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new PairbenchError('bad_checkpoint', `${file}: checkpoint metadata '${key}' is not a number: ${JSON.stringify(v)}`, { file, field: key });
  return n;
}

function json<T>(file: string, md: Record<string, string>, key: string): T {
  try {
    return JSON.parse(md[key] ?? 'null') as T;
  } catch {
    throw new PairbenchError('bad_checkpoint', `${file}: checkpoint metadata '${key}' is not JSON`, { file, field: key });
  }
}

// parses a checkpoint's bytes; the network is only returned once every tensor matched by name and shape
export function decodeCheckpoint(bytes: Uint8Array, file: string): Checkpoint {
  const st = decodeSafetensors(bytes, file);
  const md = st.metadata;
  if (md['format'] !== CHECKPOINT_FORMAT) {
    throw new PairbenchError('bad_checkpoint', `${file}: a safetensors file but not a pairbench checkpoint (metadata format ${JSON.stringify(md['format'] ?? null)}, expected '${CHECKPOINT_FORMAT}')`, { file });
  }
  const model = md['model'] ?? '';
  const hyperparameters = json<HyperValues | null>(file, md, 'hyperparameters') ?? {};
  const variantOf = json<{ id: string; set: HyperValues } | null>(file, md, 'variant_of') ?? undefined;
  if (variantOf !== undefined && (typeof variantOf.id !== 'string' || variantOf.set === null || typeof variantOf.set !== 'object')) {
    throw new PairbenchError('bad_checkpoint', `${file}: checkpoint metadata 'variant_of' is not {"id": ..., "set": {...}}`, { file, field: 'variant_of' });
  }
  let spec: ModelSpec;
  try {
    spec = specFor(model, variantOf);
  } catch (e) {
    if (isPairbenchError(e, 'unknown_model')) {
      const id = variantOf?.id ?? model;
      throw new PairbenchError('unknown_model', `${file}: checkpoint of an unknown model id '${id}' (saved by pairbench ${md['pairbench_version'] ?? '?'}; nearest: ${e.details.nearest.join(', ')})`, { file, id, nearest: e.details.nearest });
    }
    if (isPairbenchError(e)) throw new PairbenchError('bad_checkpoint', `${file}: ${e.message}`, { file, field: 'variant_of' });
    throw e;
  }
  const recipe = json<Recipe | null>(file, md, 'recipe');
  if (recipe === null || typeof recipe !== 'object') throw new PairbenchError('bad_checkpoint', `${file}: checkpoint metadata has no recipe`, { file, field: 'recipe' });
  const digitAccuracy = num(file, md, 'digit_accuracy', true);
  const meta: CheckpointMeta = {
    model: spec.id,
    ...(variantOf !== undefined ? { variantOf } : {}),
    recipe,
    hyperparameters,
    seed: num(file, md, 'seed')!,
    round: num(file, md, 'round')!,
    epochs: num(file, md, 'epochs')!,
    batchSize: num(file, md, 'batch_size')!,
    standardisation: { mean: num(file, md, 'standardisation_mean')!, std: num(file, md, 'standardisation_std')! },
    pairbenchVersion: md['pairbench_version'] ?? 'unknown',
    testAccuracy: num(file, md, 'test_accuracy')!,
    ...(digitAccuracy !== undefined ? { digitAccuracy } : {}),
  };
  if (!(meta.standardisation.std > 0)) throw new PairbenchError('bad_checkpoint', `${file}: standardisation std must be > 0, got ${meta.standardisation.std}`, { file });

  const network = spec.build({ init: new Rng(0), dropout: new Rng(1) });
  const own = [...network.namedParameters(), ...network.namedBuffers()];
  // check everything first: no tensor is copied into the network unless all of them fit
  const missing = own.filter(([n]) => !st.tensors.has(n)).map(([n]) => n);
  if (missing.length > 0) throw new PairbenchError('bad_checkpoint', `${file}: ${spec.id} needs ${missing.length} tensor${missing.length === 1 ? '' : 's'} the checkpoint lacks (${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ', ...' : ''})`, { file, missing });
  const names = new Set(own.map(([n]) => n));
  const extra = [...st.tensors.keys()].filter((n) => !names.has(n));
  if (extra.length > 0) throw new PairbenchError('bad_checkpoint', `${file}: tensor${extra.length === 1 ? '' : 's'} ${extra.slice(0, 3).join(', ')} ${extra.length === 1 ? 'is' : 'are'} not part of ${spec.id}`, { file, extra });
  for (const [name, t] of own) {
    const s = st.tensors.get(name)!;
    if (s.shape.join(',') !== t.shape.join(',')) {
      throw new PairbenchError('shape_mismatch', `${file}: tensor '${name}' has shape [${s.shape.join(', ')}], ${spec.id} expects [${t.shape.join(', ')}]`, { op: 'loadCheckpoint', shapes: { expected: t.shape, got: s.shape }, file, name });
    }
  }
  for (const [name, t] of own) t.data.set(st.tensors.get(name)!.data);
  network.eval();
  return { network, spec, meta, file };
}

// a checkpoint file: the network ready for evaluation, its spec and metadata
export function loadCheckpoint(path: string): Checkpoint {
  return decodeCheckpoint(readBytes(path, 'checkpoint'), path);
}

// a file name for one run: report__model__r<round>__s<seed>[__<tag>].safetensors
export function checkpointName(model: string, round: number, seed: number, tag = ''): string {
  return `${model.replace(/\//g, '__')}__r${round}__s${seed}${tag === '' ? '' : `__${tag}`}${CHECKPOINT_EXT}`;
}

// the metadata of a finished run: its record, the recipe it trained with and the hyperparameters that shaped it
export function runCheckpointMeta(record: RunRecord, spec: ModelSpec): Omit<CheckpointMeta, 'pairbenchVersion'> {
  if (record.standardisation === undefined) throw new PairbenchError('bad_argument', `${record.model}: the run record has no standardisation to save with its checkpoint`, { model: record.model });
  return {
    model: record.model,
    ...(spec.variantOf !== undefined && Object.keys(spec.variantOf.set).length > 0 ? { variantOf: spec.variantOf } : {}),
    recipe: spec.recipe,
    hyperparameters: spec.hyper,
    seed: record.seed,
    round: record.round,
    epochs: record.epochs,
    batchSize: record.batchSize,
    standardisation: record.standardisation,
    testAccuracy: record.testAccuracy,
    ...(record.digitAccuracy !== undefined ? { digitAccuracy: record.digitAccuracy } : {}),
  };
}

// the size of one checkpoint of a model, in bytes (its tensors and a typical header)
export function checkpointBytes(spec: ModelSpec): number {
  const net = spec.build({ init: new Rng(0), dropout: new Rng(1) });
  const meta = { model: spec.id, recipe: spec.recipe, hyperparameters: spec.hyper, ...(spec.variantOf !== undefined ? { variantOf: spec.variantOf } : {}), seed: 4294967295, round: 0, epochs: spec.recipe.epochs, batchSize: spec.recipe.batchSize,
    standardisation: { mean: 33.318421449829934, std: 78.56748998339798 }, testAccuracy: 0.123456789, pairbenchVersion: pairbenchVersion() };
  return encodeSafetensors(stateTensors(net), metaStrings(meta)).length;
}
