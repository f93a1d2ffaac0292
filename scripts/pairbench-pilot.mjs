// pilot runs for choosing pairbench's own models on a validation split only: each seed draws the
// 1000 training pairs a study run would, trains on 80% of them and reports the final-epoch accuracy
// on the other 20% (pairs, and their single digits); the test pairs are never evaluated.
// usage (after npm run build): node scripts/pairbench-pilot.mjs <model id> ['<hyperparameters JSON>'] [seeds=2] [first seed=1000]
// e.g. node scripts/pairbench-pilot.mjs pairbench/digits '{"ensemble":3,"epochs":40}' 4
import { getModel } from '../dist/src/models/registry.js';
import { generatePairSets, randomSplitPairs, standardise, loadMnist, trainStats } from '../dist/src/data/index.js';
import { evaluate, runTta, trainRun } from '../dist/src/train/run.js';
import { Rng } from '../dist/src/tensor/random.js';

const id = process.argv[2] ?? 'pairbench/binary';
const set = JSON.parse(process.argv[3] ?? '{}');
const seeds = Number(process.argv[4] ?? 2);
const first = Number(process.argv[5] ?? 1000);
const base = getModel(id).variant(set);
let net = null;
const spec = { ...base, build: (ctx) => (net = base.build(ctx)) };
const ds = loadMnist();
const stats = trainStats(ds);
const accs = [];
const digitAccs = [];
for (let s = 0; s < seeds; s++) {
  const seed = first + s;
  const rng = new Rng(seed);
  const { train } = generatePairSets(1000, rng.split('data'), ds);
  const [fit, validation] = randomSplitPairs(standardise(train, stats), 0.8, new Rng(seed).split('pilot-split'));
  // testPairs: 1 keeps the test evaluation to a single pair (not looked at)
  const r = trainRun({ model: spec, seed, data: ds, train: fit, validation, testPairs: 1 });
  const curve = r.metrics.filter((_, i) => (i + 1) % 5 === 0 || i === r.metrics.length - 1).map((m) => (m.validationAccuracy * 100).toFixed(1));
  // the digits of the validation pairs, as trainRun evaluated them (same test-time augmentation)
  const digits = evaluate(net, validation, false, runTta(spec.recipe, seed, stats)).digitAccuracy;
  accs.push(r.validationAccuracy);
  digitAccs.push(digits);
  console.log(`seed ${seed}: validation ${(r.validationAccuracy * 100).toFixed(2)}%  digits ${(digits * 100).toFixed(2)}%  train acc ${(r.metrics.at(-1).trainAccuracy * 100).toFixed(1)}%  ${r.trainSeconds.toFixed(0)} s  curve ${curve.join(' ')}`);
}
const mean = (xs) => (xs.reduce((a, b) => a + b, 0) / xs.length) * 100;
console.log(`${id} ${JSON.stringify(set)}: mean validation ${mean(accs).toFixed(2)}%, digits ${mean(digitAccs).toFixed(2)}% over ${seeds} seeds (${first}-${first + seeds - 1})`);
