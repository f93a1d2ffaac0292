// pilot runs for choosing pairbench's own models on a validation split only: each seed draws the
// 1000 training pairs a study run would, trains on 80% of them and reports the final-epoch accuracy
// on the other 20% (the test pairs are never evaluated).
// usage: node scripts/pairbench-pilot.mjs '<variant JSON overriding pairbench/binary>' [seeds=2] [epochs]
import { BINARY, pairbenchSpec } from '../dist/src/models/pairbench.js';
import { generatePairSets, randomSplitPairs, standardise, loadMnist, trainStats } from '../dist/src/data/index.js';
import { evaluate, trainRun } from '../dist/src/train/run.js';
import { Rng } from '../dist/src/tensor/random.js';

const variant = { ...BINARY, ...JSON.parse(process.argv[2] ?? '{}') };
const seeds = Number(process.argv[3] ?? 2);
if (process.argv[4]) variant.epochs = Number(process.argv[4]);
const base = pairbenchSpec('pilot', variant, 'pilot');
let net = null;
const spec = { ...base, build: (ctx) => (net = base.build(ctx)) };
const ds = loadMnist();
const stats = trainStats(ds);
const accs = [];
for (let s = 0; s < seeds; s++) {
  const seed = 1000 + s;
  const rng = new Rng(seed);
  const { train } = generatePairSets(1000, rng.split('data'), ds);
  const [fit, validation] = randomSplitPairs(standardise(train, stats), 0.8, new Rng(seed).split('pilot-split'));
  // testPairs: 1 keeps the test evaluation to a single pair (not looked at)
  const r = trainRun({ model: spec, seed, data: ds, train: fit, validation, testPairs: 1 });
  const curve = r.metrics.filter((_, i) => (i + 1) % 5 === 0 || i === r.metrics.length - 1).map((m) => (m.validationAccuracy * 100).toFixed(1));
  accs.push(r.validationAccuracy);
  const digits = evaluate(net, validation, false).digitAccuracy;
  console.log(`seed ${seed}: validation ${(r.validationAccuracy * 100).toFixed(2)}%  digits ${(digits * 100).toFixed(2)}%  train acc ${(r.metrics.at(-1).trainAccuracy * 100).toFixed(1)}%  ${r.trainSeconds.toFixed(0)} s  curve ${curve.join(' ')}`);
}
const mean = accs.reduce((a, b) => a + b, 0) / accs.length;
console.log(`${JSON.stringify(process.argv[2] ?? '{}')} epochs ${variant.epochs}: mean validation ${(mean * 100).toFixed(2)}% over ${seeds} seeds`);
