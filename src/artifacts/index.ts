// trained models a user keeps: checkpoints (safetensors), predictions from them, ONNX export
export { loadCheckpoint, saveCheckpoint, decodeCheckpoint, checkpointName, specFor, CHECKPOINT_FORMAT, type Checkpoint, type CheckpointMeta } from './checkpoint.js';
export { encodeSafetensors, decodeSafetensors, type NamedArray, type SafetensorsFile } from './safetensors.js';
export { predictRaw, standardiseRaw, type PairPrediction } from './inference.js';
export { exportOnnx, ONNX_OPSET, type OnnxExport } from './onnx/export.js';
