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
  /** Which tensor that is, in words (the same at every batch size). */
  largestTensorNamePerClip: { stock: string; fused: string };
}

/** The largest single tensor one training step makes: what must fit one GPU storage binding. */
export interface LargestTensor {
  /** In words, for messages: which tensor it is. */
  name: string;
  shape: number[];
  bytes: number;
}

/**
 * The largest tensor of a training step for `batch` clips: the input clips, the MLP's hidden activations
 * (and their gradient), or the attention scores and probabilities, heads x tokens x tokens per clip, which
 * the fused kernel never makes (its largest per-head tensor is q, k, v or the context, tokens x hidden).
 */
export function largestTensor(c: VideoMAEConfig, batch: number, fused: boolean): LargestTensor {
  const n = sequenceLength(c);
  const heads = c.num_attention_heads;
  const candidates: LargestTensor[] = [
    {
      name: 'input clips',
      shape: [batch, c.num_frames, c.num_channels, c.image_size, c.image_size],
      bytes: 0,
    },
    { name: 'MLP hidden activations', shape: [batch, n, c.intermediate_size], bytes: 0 },
    fused
      ? { name: 'attention queries/keys/values', shape: [batch, heads, n, c.hidden_size / heads], bytes: 0 }
      : { name: 'attention scores', shape: [batch, heads, n, n], bytes: 0 },
  ];
  for (const t of candidates) t.bytes = 4 * t.shape.reduce((a, b) => a * b, 1);
  return candidates.reduce((a, b) => (b.bytes > a.bytes ? b : a));
}

/** Bytes of the largest tensor one training step makes for `batch` clips. */
export function largestTensorBytes(c: VideoMAEConfig, batch: number, fused: boolean): number {
  return largestTensor(c, batch, fused).bytes;
}

const MB = 1e6;
const MIB = 2 ** 20;

function describeTensor(t: LargestTensor): string {
  return `the ${t.name} [${t.shape.join(' × ')}] (${Math.round(t.bytes / MB)} MB)`;
}

/**
 * Why a training step at `batch` cannot run on a WebGPU device whose storage bindings hold `limit` bytes,
 * or null when it can: WebGPU rejects a larger binding and the program then computes nothing, so the
 * tensors come back wrong rather than the step failing. `fusedAvailable`: the fused attention kernel can
 * run on this device (then the scores are never made). The message names the tensor and the limit.
 */
export function bindingProblem(
  c: VideoMAEConfig,
  batch: number,
  fusedAvailable: boolean,
  limit: number,
): string | null {
  const stock = largestTensor(c, batch, false);
  const fused = largestTensor(c, batch, true);
  const used = fusedAvailable ? fused : stock;
  if (used.bytes <= limit) return null;
  const limitText = `this GPU’s storage binding limit of ${Math.round(limit / MIB)} MiB (maxStorageBufferBindingSize)`;
  const paths =
    fused.bytes > limit
      ? ' with fused attention or without'
      : ' (fused attention would avoid them, but it cannot run on this device)';
  return `at batch ${batch}, ${describeTensor(used)} exceed ${limitText}${paths}: use a smaller batch or input size`;
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
    largestTensorNamePerClip: {
      stock: largestTensor(config, 1, false).name,
      fused: largestTensor(config, 1, true).name,
    },
  };
}
