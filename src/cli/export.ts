// pairbench export <checkpoint> --onnx <file>: the evaluation-mode network as an ONNX graph
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadCheckpoint } from '../artifacts/checkpoint.js';
import { exportOnnx, ONNX_OPSET } from '../artifacts/onnx/export.js';
import { PairbenchError, writeErrorText } from '../errors.js';

export function exportCommand(file: string, o: { onnx: string }): void {
  const ck = loadCheckpoint(file);
  const ex = exportOnnx(ck);
  const out = resolve(o.onnx);
  try {
    writeFileSync(out, ex.bytes);
  } catch (e) {
    throw new PairbenchError('io_error', `cannot write ${out}: ${writeErrorText(e)}`, { path: out });
  }
  process.stdout.write(`${ck.meta.model}: ${out} (${(ex.bytes.length / 1e3).toFixed(0)} kB, opset ${ONNX_OPSET}, ${ex.nodes} nodes)\n`);
  process.stdout.write(`  input  pairs float32 [N, 2, 14, 14]: 2x2-mean-pooled 28x28 digits, raw pixels 0-255 (standardised inside the graph)\n`);
  process.stdout.write(`  output ${ex.outputs.join(', ')}${ex.outputs.includes('pred') ? ' (pred int64 [N]: 1 when the first digit is <= the second)' : ''}\n`);
}
