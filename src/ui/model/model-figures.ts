/**
 * What the chosen model costs, for the Model panel: parameters, forward FLOPs per clip, tokens, and the
 * memory of training at each run's batch size. For a preset the figures come from its config (computed on
 * the page, no tensors); for a loaded checkpoint from the engine's ModelSummary.
 */
import {
  countParameters,
  forwardFlopsPerClip,
  parseConfig,
  sequenceLength,
  trainingActivationBytes,
  type VideoMAEConfig,
  type ModelSummary,
  type RunId,
} from '../../store/domain.ts';

export interface ModelFigures {
  parameters: number;
  forwardFlopsPerClip: number;
  tokens: number;
  /** float32 weights, gradients and Adam's two moments: what a run keeps for its whole life. */
  stateBytes: number;
  /** Activations of one training step at the run's batch size, stock and fused attention. */
  activationBytes: Record<RunId, { stock: number; fused: number }>;
  /** Each run alone: state + activations (stock attention). */
  runBytes: Record<RunId, number>;
  /** Both models on the device, one step at a time (the engine steps A and B in turn). */
  bothBytes: number;
  /**
   * The largest single tensor of a training step, per clip of the batch (what must fit one GPU storage
   * binding): the MLP's hidden activations, the input clips, or, with stock attention, the scores.
   */
  largestTensorBytesPerClip: { stock: number; fused: number };
  /** The same activations for one clip, to rescale for other batch sizes. */
  activationBytesPerClip: { stock: number; fused: number };
}

/** Bytes of the largest tensor one training step makes for `batch` clips. */
export function largestTensorBytes(c: VideoMAEConfig, batch: number, fused: boolean): number {
  const n = sequenceLength(c);
  const pixels = c.num_frames * c.num_channels * c.image_size * c.image_size;
  const scores = fused ? n * c.hidden_size : c.num_attention_heads * n * n;
  return BYTES_PER_FLOAT * batch * Math.max(pixels, n * c.intermediate_size, scores);
}

const BYTES_PER_FLOAT = 4;
/** Weights, gradients, Adam's first and second moments. */
const STATE_COPIES = 4;

function assemble(
  config: VideoMAEConfig,
  parameters: number,
  forward: number,
  tokens: number,
  activation: (batch: number) => { stock: number; fused: number },
  batch: Record<RunId, number>,
): ModelFigures {
  const stateBytes = STATE_COPIES * BYTES_PER_FLOAT * parameters;
  const activationBytes = { A: activation(batch.A), B: activation(batch.B) };
  return {
    largestTensorBytesPerClip: {
      stock: largestTensorBytes(config, 1, false),
      fused: largestTensorBytes(config, 1, true),
    },
    activationBytesPerClip: activation(1),
    parameters,
    forwardFlopsPerClip: forward,
    tokens,
    stateBytes,
    activationBytes,
    runBytes: { A: stateBytes + activationBytes.A.stock, B: stateBytes + activationBytes.B.stock },
    bothBytes: 2 * stateBytes + Math.max(activationBytes.A.stock, activationBytes.B.stock),
  };
}

export function figuresFromConfig(config: VideoMAEConfig, batch: Record<RunId, number>): ModelFigures {
  return assemble(
    config,
    countParameters(config),
    forwardFlopsPerClip(config),
    sequenceLength(config),
    (b) => ({
      stock: trainingActivationBytes(config, b, false),
      fused: trainingActivationBytes(config, b, true),
    }),
    batch,
  );
}

export function figuresFromSummary(summary: ModelSummary, batch: Record<RunId, number>): ModelFigures {
  return assemble(
    parseConfig(summary.config),
    summary.parameters,
    summary.forwardFlopsPerClip,
    summary.tokens,
    (b) => ({
      stock: summary.activationBytesPerClip.stock * b,
      fused: summary.activationBytesPerClip.fused * b,
    }),
    batch,
  );
}
