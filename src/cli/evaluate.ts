// pairbench evaluate <checkpoint>: accuracy, digit accuracy and the 10x10 error counts on freshly drawn test pairs
import { loadCheckpoint } from '../artifacts/checkpoint.js';
import { loadMnist } from '../data/mnist.js';
import { samplePairs, standardise } from '../data/pairs.js';
import { Rng } from '../tensor/random.js';
import { evaluate, runTta } from '../train/run.js';
import { columns, percent, plural } from './format.js';

export interface EvaluateFlags { pairs: number; seed: number; json?: boolean; mnistDir?: string }

export function evaluateCommand(file: string, o: EvaluateFlags): void {
  const ck = loadCheckpoint(file);
  const ds = loadMnist(o.mnistDir !== undefined ? { dir: o.mnistDir } : {});
  const drawn = samplePairs(o.pairs, new Rng(o.seed).split('evaluate'), ds.test, 'test');
  const set = standardise(drawn, { ...ck.meta.standardisation, pixels: 0, source: `the checkpoint's standardisation (${file})` });
  // the recipe's test-time augmentation, as the run's final evaluation (views drawn from --seed)
  const e = evaluate(ck.network, set, ck.meta.recipe.compareInCode, runTta(ck.meta.recipe, o.seed, ck.meta.standardisation));
  if (o.json) {
    process.stdout.write(JSON.stringify({
      model: ck.meta.model, checkpoint: file, pairs: o.pairs, seed: o.seed,
      accuracy: e.accuracy, digitAccuracy: e.digitAccuracy, errorCounts: e.errorCounts, pairCounts: e.pairCounts,
    }) + '\n');
    return;
  }
  const m = ck.meta;
  const say = (s = ''): void => { process.stdout.write(s + '\n'); };
  const variant = m.variantOf !== undefined ? ` (${m.variantOf.id} with ${Object.entries(m.variantOf.set).map(([k, v]) => `${k} ${v}`).join(', ')})` : '';
  say(`${m.model}${variant}: seed ${m.seed}, round ${m.round}, ${plural(m.epochs, 'epoch')}; test accuracy when saved ${percent(m.testAccuracy)} (pairbench ${m.pairbenchVersion})`);
  say(`${o.pairs} fresh test pairs (MNIST test split, seed ${o.seed}): accuracy ${percent(e.accuracy)}${e.digitAccuracy !== null ? `, digit accuracy ${percent(e.digitAccuracy)}` : ''}`);
  say('');
  say('misclassified pairs by (first digit: rows, second digit: columns)');
  const rows = [['', ...Array.from({ length: 10 }, (_, j) => String(j))]];
  for (let i = 0; i < 10; i++) rows.push([String(i), ...e.errorCounts[i]!.map((c) => (c === 0 ? '.' : String(c)))]);
  say(columns(rows, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]));
}
