/**
 * What the chosen model costs, for the Model panel: parameters, forward FLOPs per clip, tokens, and the
 * memory of training at each run's batch size, scaled from what one clip costs (model/videomae/summary.ts): a
 * preset's from its config, a loaded checkpoint's from the engine's summary of it.
 */
import { perClipCost, type PerClipCost, type RunId, type VideoMAEConfig } from '../../store/domain.ts';

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
  /** Which tensor that is, in words. */
  largestTensorNamePerClip: { stock: string; fused: string };
  /** The same activations for one clip, to rescale for other batch sizes. */
  activationBytesPerClip: { stock: number; fused: number };
}

const BYTES_PER_FLOAT = 4;
/** Weights, gradients, Adam's first and second moments. */
const STATE_COPIES = 4;

/** The figures at each run's batch size, from what one clip costs. */
export function figuresFromCost(cost: PerClipCost, batch: Record<RunId, number>): ModelFigures {
  const stateBytes = STATE_COPIES * BYTES_PER_FLOAT * cost.parameters;
  const activation = (b: number) => ({
    stock: cost.activationBytesPerClip.stock * b,
    fused: cost.activationBytesPerClip.fused * b,
  });
  const activationBytes = { A: activation(batch.A), B: activation(batch.B) };
  return {
    largestTensorBytesPerClip: cost.largestTensorBytesPerClip,
    largestTensorNamePerClip: cost.largestTensorNamePerClip,
    activationBytesPerClip: cost.activationBytesPerClip,
    parameters: cost.parameters,
    forwardFlopsPerClip: cost.forwardFlopsPerClip,
    tokens: cost.tokens,
    stateBytes,
    activationBytes,
    runBytes: { A: stateBytes + activationBytes.A.stock, B: stateBytes + activationBytes.B.stock },
    bothBytes: 2 * stateBytes + Math.max(activationBytes.A.stock, activationBytes.B.stock),
  };
}

/** A preset's figures, from its config (computed on the page, no tensors). */
export function figuresFromConfig(config: VideoMAEConfig, batch: Record<RunId, number>): ModelFigures {
  return figuresFromCost(perClipCost(config), batch);
}
