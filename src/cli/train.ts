// pairbench train <id>: one model, R rounds in this process; per-round lines and mean ± sd, or --json
import { backendReason, getBackend } from '../backend/select.js';
import { loadMnist } from '../data/mnist.js';
import { parseAssignments } from '../models/hyper.js';
import { getModel } from '../models/registry.js';
import { runSeed } from '../study/seeds.js';
import { describe } from '../study/stats.js';
import { trainRun } from '../train/run.js';
import type { Diverged } from '../train/types.js';
import { int, pairCountText, percent, plural, optimizerText } from './format.js';
import { pct } from '../report/summary.js';
import { prepareSaveDir, saveRunCheckpoint } from './save.js';
import type { RunRecord } from '../train/types.js';

function pairCounts(r: RunRecord): { trainPairs: number; validationPairs: number; testPairs: number } {
  return { trainPairs: r.trainPairs ?? 0, validationPairs: r.validationPairs ?? 0, testPairs: r.testPairs ?? 0 };
}

export interface TrainFlags {
  epochs?: number;
  rounds: number;
  seed: number;
  json?: boolean;
  mnistDir?: string;
  batchSize?: number;
  trainPairs?: number;
  testPairs?: number;
  verbose?: boolean;
  save?: string; // a directory: one checkpoint per round
  set?: string[]; // key=value hyperparameters
}

export function trainCommand(id: string, o: TrainFlags): void {
  const base = getModel(id);
  const set = parseAssignments(base.id, base.hyperSpace, o.set ?? []);
  // a variant keeps the id (and so the seeds) of its zoo model: the same data and initialisation draws
  const spec = Object.keys(set).length > 0 ? base.variant(set) : base;
  const setText = Object.keys(set).length > 0 ? ` with ${Object.entries(set).map(([k, v]) => `${k} ${v}`).join(', ')}` : '';
  const data = loadMnist(o.mnistDir !== undefined ? { dir: o.mnistDir } : {});
  if (o.save !== undefined) prepareSaveDir(o.save);
  const epochs = o.epochs ?? spec.recipe.epochs;
  const batch = o.batchSize ?? spec.recipe.batchSize;
  // human output goes to stdout, unless --json: then stdout holds the one JSON object and the rest goes to stderr
  const say = (s: string): void => {
    (o.json ? process.stderr : process.stdout).write(s + '\n');
  };
  if (!o.json) {
    say(`${spec.id}${setText}: ${int(spec.params)} parameters, ${plural(epochs, 'epoch')}${epochs !== spec.recipe.epochs ? ` (recipe: ${spec.recipe.epochs})` : ''}, batch ${batch}, ${optimizerText(spec.recipe)}; ${backendReason()}`);
  }
  const rounds: { round: number; seed: number; testAccuracy: number; trainSeconds: number; diverged?: Diverged; collapsed?: boolean; checkpoint?: string }[] = [];
  let params = spec.params;
  let counts = { trainPairs: 0, validationPairs: 0, testPairs: 0 };
  for (let round = 0; round < o.rounds; round++) {
    const seed = runSeed(o.seed, spec.id, round);
    let checkpoint: string | undefined;
    const r = trainRun({
      model: spec,
      ...(o.save !== undefined ? { onFinished: (net, rec) => { checkpoint = saveRunCheckpoint(o.save!, net, rec, spec); } } : {}),
      seed,
      round,
      epochs,
      batchSize: batch,
      data,
      ...(o.trainPairs !== undefined ? { trainPairs: o.trainPairs } : {}),
      ...(o.testPairs !== undefined ? { testPairs: o.testPairs } : {}),
      ...(o.verbose && !o.json
        ? { onEpoch: (m) => say(`    epoch ${String(m.epoch).padStart(String(epochs).length)}/${epochs} ${m.phase === 'pretrain' ? '(digits) ' : ''}loss ${m.trainLoss.toFixed(4)}  ${m.phase === 'pretrain' ? 'train digits' : 'train'} ${percent(m.trainAccuracy)}  test ${percent(m.testAccuracy)}  ${m.seconds.toFixed(2)} s`) }
        : {}),
    });
    params = r.params;
    counts = pairCounts(r);
    rounds.push({ round, seed, testAccuracy: r.testAccuracy, trainSeconds: r.trainSeconds, ...(r.diverged !== undefined ? { diverged: r.diverged } : {}), ...(r.collapsed ? { collapsed: true } : {}), ...(checkpoint !== undefined ? { checkpoint } : {}) });
    if (!o.json) {
      const best = spec.recipe.bestEpoch ? `  best epoch ${percent(r.bestTestAccuracy)} (epoch ${r.bestEpoch}, chosen on the test set)` : '';
      const flag = r.diverged !== undefined ? `  DIVERGED at epoch ${r.diverged.epoch} (${r.diverged.term} loss not finite; run stopped)` : r.collapsed ? '  COLLAPSED (one class for every test pair)' : '';
      // rounds are numbered from 0, as in a study and in the JSON
      say(`[${String(round + 1).padStart(String(o.rounds).length)}/${o.rounds}] round ${round}  seed ${seed}  test ${percent(r.testAccuracy)}${best}  ${r.trainSeconds.toFixed(1)} s${flag}`);
      if (checkpoint !== undefined) say(`    checkpoint: ${checkpoint}`);
    }
  }
  const kept = rounds.filter((r) => r.diverged === undefined);
  const s = describe(kept.map((r) => r.testAccuracy));
  const nDiverged = rounds.length - kept.length;
  if (o.json) {
    const obj = { model: spec.id, ...(setText !== '' ? { set } : {}), params, epochs, backend: getBackend().name, ...counts, rounds, meanAccuracy: s.mean, sdAccuracy: s.sd };
    process.stdout.write(JSON.stringify(obj) + '\n');
  } else {
    const sd = s.sd === null ? '(no sd: one round)' : `± ${pct(s.sd ?? 0)} (sample sd, n-1)`;
    const div = nDiverged > 0 ? ` (${nDiverged} diverged round${nDiverged === 1 ? '' : 's'} left out)` : '';
    say(`${spec.id}${setText}: test accuracy ${percent(s.mean)} ${sd} over ${s.n} round${s.n === 1 ? '' : 's'}${div}; ${pairCountText(counts)}`);
  }
}
