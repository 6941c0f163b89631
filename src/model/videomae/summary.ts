/**
 * What a model configuration costs, for the Model panel: parameters, compute per clip and the memory a
 * training step needs at a batch size. Estimates from the config alone (no tensors), so the page can show
 * them before anything is built.
 */
import {
  countParameters,
  forwardFlopsPerClip,
  sequenceLength,
  trainingActivationBytes,
  type VideoMAEConfig,
} from './config.ts';

export interface ModelSummary {
  batchSize: number;
  /** Tokens the encoder attends over per clip. */
  tokens: number;
  parameterCount: number;
  /** float32 weights. */
  parameterBytes: number;
  /** Forward pass, matmuls and attention, a multiply-add counted as 2. */
  forwardFlopsPerClip: number;
  /** Forward plus backward (about twice the forward again). */
  trainingFlopsPerClip: number;
  /** Activations kept for the backward pass of one batch, stock attention (scores materialised). */
  activationBytes: number;
  /** The same with a fused attention kernel (no tokens x tokens matrices kept). */
  activationBytesFusedAttention: number;
  /** Weights + gradients + Adam's two moments + activations (stock attention). */
  trainingBytes: number;
}

export function summarizeModel(config: VideoMAEConfig, batchSize: number): ModelSummary {
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new RangeError(`batch size must be a positive integer, got ${batchSize}`);
  const parameterCount = countParameters(config);
  const parameterBytes = 4 * parameterCount;
  const forward = forwardFlopsPerClip(config);
  const activationBytes = trainingActivationBytes(config, batchSize, false);
  return {
    batchSize,
    tokens: sequenceLength(config),
    parameterCount,
    parameterBytes,
    forwardFlopsPerClip: forward,
    trainingFlopsPerClip: 3 * forward,
    activationBytes,
    activationBytesFusedAttention: trainingActivationBytes(config, batchSize, true),
    trainingBytes: 4 * parameterBytes + activationBytes,
  };
}

/** What one clip of a training step costs: what the page scales by batch size for each run. */
export interface PerClipCost {
  parameters: number;
  forwardFlopsPerClip: number;
  tokens: number;
  /** Activations kept for the backward pass, stock and fused attention. */
  activationBytesPerClip: { stock: number; fused: number };
  /**
   * The largest single tensor of a training step (what must fit one GPU storage binding): the MLP's hidden
   * activations, the input clip, or, with stock attention, the attention scores.
   */
  largestTensorBytesPerClip: { stock: number; fused: number };
}

/** Bytes of the largest tensor one training step makes for `batch` clips. */
export function largestTensorBytes(c: VideoMAEConfig, batch: number, fused: boolean): number {
  const n = sequenceLength(c);
  const pixels = c.num_frames * c.num_channels * c.image_size * c.image_size;
  const scores = fused ? n * c.hidden_size : c.num_attention_heads * n * n;
  return 4 * batch * Math.max(pixels, n * c.intermediate_size, scores);
}

export function perClipCost(config: VideoMAEConfig): PerClipCost {
  const one = summarizeModel(config, 1);
  return {
    parameters: one.parameterCount,
    forwardFlopsPerClip: one.forwardFlopsPerClip,
    tokens: one.tokens,
    activationBytesPerClip: { stock: one.activationBytes, fused: one.activationBytesFusedAttention },
    largestTensorBytesPerClip: {
      stock: largestTensorBytes(config, 1, false),
      fused: largestTensorBytes(config, 1, true),
    },
  };
}
