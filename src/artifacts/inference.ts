// a checkpoint's network on raw pooled pairs (pixels 0-255): standardised as in training, then the
// model's own prediction rule, its probability that the first digit is <= the second, its digits
import { standardiseValues } from '../data/pairs.js';
import type { PairOutputs } from '../models/types.js';
import type { Tensor } from '../tensor/tensor.js';
import { inferChunks, predictPairs } from '../train/run.js';
import type { Checkpoint, CheckpointMeta } from './checkpoint.js';

export interface PairPrediction {
  lessOrEqual: boolean; // by the model's own rule (argmax, sign, or comparing its predicted digits)
  probability: number; // the model's probability that the first digit is <= the second
  digits?: [number, number]; // where the model predicts digits
}

// (x - mean) / std in float32 arithmetic, exactly as the training data was standardised
export function standardiseRaw(raw: Float32Array, s: CheckpointMeta['standardisation']): Float32Array {
  return standardiseValues(raw, s);
}

function softmaxRow(t: Tensor, row: number, onSigmoid = false): number[] {
  const c = t.shape[1]!;
  const v = Array.from(t.data.subarray(row * c, (row + 1) * c), (x) => (onSigmoid ? 1 / (1 + Math.exp(-x)) : x));
  const mx = Math.max(...v);
  const e = v.map((x) => Math.exp(x - mx));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}

// P(first <= second) as the model's loss reads its outputs
function probabilityOf(o: PairOutputs, i: number, ck: Checkpoint): number {
  const r = ck.meta.recipe;
  if (o.main !== null && !r.compareInCode) {
    if (o.main.shape[1] === 1) return 1 / (1 + Math.exp(-o.main.data[i]!));
    return softmaxRow(o.main, i, r.mainLoss === 'ce-on-sigmoid')[1]!;
  }
  // from the two digit distributions: sum over a <= b of p1(a) p2(b)
  const p1 = softmaxRow(o.digits![0], i);
  const p2 = softmaxRow(o.digits![1], i);
  let p = 0;
  let tail = 0;
  for (let b = 0; b < 10; b++) {
    tail += p1[b]!;
    p += tail * p2[b]!;
  }
  return p;
}

// the network's raw outputs and predictions for n raw pooled pairs (n x 2 x 14 x 14, 0-255)
export function predictRaw(ck: Checkpoint, raw: Float32Array): PairPrediction[] {
  const out: PairPrediction[] = [];
  inferChunks(ck.network, standardiseRaw(raw, ck.meta.standardisation), raw.length / 392, (o, _start, count) => {
    const { pred, digits } = predictPairs(o, ck.meta.recipe.compareInCode);
    for (let i = 0; i < count; i++) {
      out.push({
        lessOrEqual: pred[i] === 1,
        probability: probabilityOf(o, i, ck),
        ...(digits !== null ? { digits: [digits[2 * i]!, digits[2 * i + 1]!] as [number, number] } : {}),
      });
    }
  });
  return out;
}
