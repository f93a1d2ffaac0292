// training-speed benchmarks per model: seconds per epoch (1000 pairs, batch 100, Adam) on each backend,
// and with --vs-pytorch the same models in PyTorch (one thread) in the same run.
//
// PLACE FOR THE MODEL BENCHMARKS: models do not exist yet. Whoever lands src/models/ registers one
// entry per model here (at least the siamese CNN of DESIGN.md, carparelli2019/conv2-sharing-aux and
// the 392-200-200-2 MLP); bench/main.ts already calls runTrainingBench().
import type { BenchOptions } from './util.js';

export interface TrainingBench {
  readonly model: string;          // model id in the registry, e.g. 'carparelli2019/conv2-sharing-aux'
  readonly pytorchSecondsRef?: number; // DESIGN.md's one-thread PyTorch figure for 25 epochs, if any
  // trains `epochs` epochs on `pairs` pairs with batch `batch` on the current backend; returns seconds
  run(opts: { pairs: number; batch: number; epochs: number }): Promise<number> | number;
}

export const trainingBenches: TrainingBench[] = [];

export async function runTrainingBench(opts: BenchOptions): Promise<void> {
  if (opts.only !== null && !'training'.includes(opts.only)) return;
  console.log('\n## Training speed per model');
  if (trainingBenches.length === 0) {
    console.log('no model benchmarks registered yet (bench/training.ts: trainingBenches)');
    if (opts.vsPytorch) console.log('--vs-pytorch: nothing to compare until models are registered');
    return;
  }
  for (const b of trainingBenches) {
    const s = await b.run({ pairs: 1000, batch: 100, epochs: opts.quick ? 1 : 3 });
    console.log(`${b.model}: ${(s / (opts.quick ? 1 : 3)).toFixed(3)} s/epoch`);
  }
}
