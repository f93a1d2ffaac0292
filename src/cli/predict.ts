// pairbench predict <checkpoint> <input...>: two PNG images (one pair) or an idx file of pairs
import { loadCheckpoint } from '../artifacts/checkpoint.js';
import { predictRaw } from '../artifacts/inference.js';
import { isPng, pairFromPngBytes, pairsFromIdxBytes } from '../artifacts/inputs.js';
import { readBytes } from '../artifacts/read-bytes.js';
import { isGzip } from '../data/idx.js';
import { PairbenchError } from '../errors.js';

export function predictCommand(file: string, inputs: string[], o: { json?: boolean }): void {
  const ck = loadCheckpoint(file);
  let pairs: Float32Array;
  if (inputs.length === 2) {
    const read = inputs.map((f): [string, Uint8Array] => {
      const b = readBytes(f, 'image');
      // an idx file (plain or gzipped) given beside another input
      if (!isPng(b) && (isGzip(b) || (b.length >= 2 && b[0] === 0 && b[1] === 0))) {
        throw new PairbenchError('bad_input', `${f}: an idx file, not a PNG image: two inputs are the two images of one pair; an idx file of pairs goes alone (predict <checkpoint> pairs.idx)`, { file: f });
      }
      return [f, b];
    });
    pairs = pairFromPngBytes(read[0]!, read[1]!);
  } else if (inputs.length === 1) {
    const bytes = readBytes(inputs[0]!, 'input');
    if (isPng(bytes)) {
      throw new PairbenchError('bad_input', `${inputs[0]}: one PNG is half a pair; give two (predict <checkpoint> first.png second.png) or an idx file of pairs`, { file: inputs[0] });
    }
    pairs = pairsFromIdxBytes(bytes, inputs[0]!).pairs;
  } else {
    throw new PairbenchError('bad_argument', `predict takes two PNG images or one idx file after the checkpoint, got ${inputs.length} inputs`, { inputs });
  }
  const predictions = predictRaw(ck, pairs);
  if (o.json) {
    process.stdout.write(JSON.stringify({ model: ck.meta.model, predictions }) + '\n');
    return;
  }
  const w = String(predictions.length).length;
  predictions.forEach((p, i) => {
    const d = p.digits !== undefined ? `  digits ${p.digits[0]} and ${p.digits[1]}` : '';
    process.stdout.write(`pair ${String(i + 1).padStart(w)}: first <= second: ${p.lessOrEqual ? 'yes' : 'no '}  probability ${p.probability.toFixed(4)}${d}\n`);
  });
}
