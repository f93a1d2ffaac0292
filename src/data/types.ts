// the data types of the data layer. All pixel arrays are float32, NCHW, 14x14 images.
// Convention: nothing in src/data mutates an array it was given; every function returns fresh arrays,
// except the cached MNIST splits, which are shared (between calls and worker threads): read-only.

export const IMAGE_SIDE = 14;
export const IMAGE_PIXELS = IMAGE_SIDE * IMAGE_SIDE; // 196

// one pooled MNIST split
export interface MnistSplit {
  images: Float32Array; // (n, 14, 14): 2x2-mean-pooled raw pixels, 0..255
  labels: Uint8Array; // (n): 0..9
  n: number;
}

export interface MnistDataset {
  train: MnistSplit; // the 60,000-image training split
  test: MnistSplit; // the 10,000-image test split
  dir: string; // the directory the idx files came from (absolute)
}

// mean and sample std over every pixel of the whole pooled training split: recorded with a run
export interface StandardiseStats {
  mean: number; // float64
  std: number; // float64, sample std (n - 1)
  pixels: number; // how many pixels they were computed over
  source: string; // e.g. 'mnist train split, 2x2-pooled, raw 0..255'
}

export interface PairSet {
  input: Float32Array; // (n, 2, 14, 14): channel 0 = first digit, channel 1 = second
  target: Float32Array; // (n): 1 iff class0 <= class1, else 0
  classes: Int32Array; // (n, 2)
  indices: Int32Array; // (n, 2): the images' indices in their MNIST split
  n: number;
  standardisation?: StandardiseStats | undefined; // set when input was standardised with these stats
}

// single-digit view of a pair set: image i of pair p is item 2p + i
export interface DigitSet {
  input: Float32Array; // (m, 1, 14, 14)
  classes: Int32Array; // (m)
  indices: Int32Array; // (m): the images' indices in their MNIST split
  n: number; // m
  standardisation?: StandardiseStats | undefined;
}
