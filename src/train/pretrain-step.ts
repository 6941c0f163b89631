/**
 * One optimizer step of VideoMAE pretraining with the paper's recipe (VideoMAE, Tong et al. 2022, Table 9):
 * AdamW with betas (0.9, 0.95), weight decay 0.05 (never on biases, norms, 1-D parameters or `mask_token`),
 * lr = 1.5e-4 x batch / 256, half-cosine decay after a linear warmup.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { VideoMAEForPreTraining } from '../model/videomae/pretraining.ts';
import { clipByGlobalNorm } from './gradients.ts';
import { AdamOptimizer, type OptimizerOptions } from './optimizers.ts';

export interface PretrainOptimizerSettings {
  /** Clips per optimizer step: scales the lr (lr = baseLr x batchSize / 256). */
  batchSize: number;
  totalSteps: number;
  warmupSteps: number;
  /** Per 256 clips (default 1.5e-4). */
  baseLr?: number;
  beta1?: number;
  beta2?: number;
  weightDecay?: number;
  eps?: number;
}

/** VideoMAE's `no_weight_decay()` names beyond the 1-D / `.bias` rule. */
export const PRETRAIN_NO_WEIGHT_DECAY = ['mask_token'] as const;

export const PRETRAIN_DEFAULTS = {
  baseLr: 1.5e-4,
  beta1: 0.9,
  beta2: 0.95,
  weightDecay: 0.05,
  eps: 1e-8,
} as const;

/** The recipe as AdamOptimizer options (layer decay off: pretraining has none). */
export function pretrainOptimizerOptions(settings: PretrainOptimizerSettings): OptimizerOptions {
  if (!(settings.batchSize > 0))
    throw new RangeError(`batchSize must be positive, got ${settings.batchSize}`);
  const baseLr = settings.baseLr ?? PRETRAIN_DEFAULTS.baseLr;
  return {
    kind: 'adamw',
    lr: (baseLr * settings.batchSize) / 256,
    beta1: settings.beta1 ?? PRETRAIN_DEFAULTS.beta1,
    beta2: settings.beta2 ?? PRETRAIN_DEFAULTS.beta2,
    eps: settings.eps ?? PRETRAIN_DEFAULTS.eps,
    weightDecay: settings.weightDecay ?? PRETRAIN_DEFAULTS.weightDecay,
    layerDecay: 1,
    noWeightDecay: PRETRAIN_NO_WEIGHT_DECAY,
    schedule: { kind: 'cosine', totalSteps: settings.totalSteps, warmupSteps: settings.warmupSteps },
  };
}

export function createPretrainOptimizer(
  model: VideoMAEForPreTraining,
  settings: PretrainOptimizerSettings,
): AdamOptimizer {
  return new AdamOptimizer(model.params, pretrainOptimizerOptions(settings));
}

export interface PretrainStepOptions {
  /** Seeds dropout / drop path of this step (all off in the default config). */
  seed?: number;
  fusedAttention?: boolean;
  /** Clip the global gradient norm to this value first (VideoMAE's pretraining leaves it off). */
  clipGradNorm?: number;
}

export interface PretrainStepResult {
  /** The step's reconstruction loss (before the update), owned by the caller: read it asynchronously, then dispose. */
  loss: tf.Scalar;
  /** Optimizer steps taken, this one included. */
  step: number;
  /** The lr this step used (base x batch / 256 x schedule). */
  lr: number;
}

/**
 * Forward, backward and one AdamW update on a batch ([B, T, C, H, W], normalised) with its mask ([B, seq_len],
 * 1 = masked). Frees every tensor it makes except the returned loss.
 */
export function pretrainStep(
  model: VideoMAEForPreTraining,
  optimizer: AdamOptimizer,
  pixels: tf.Tensor5D,
  mask: Uint8Array,
  options: PretrainStepOptions = {},
): PretrainStepResult {
  const variables = model.trainableVariables();
  const nameOf = new Map<string, string>();
  for (const [name, v] of model.params) nameOf.set(v.name, name);
  const { value, grads } = tf.variableGrads(
    () =>
      model.forward(pixels, mask, {
        training: true,
        seed: options.seed,
        fusedAttention: options.fusedAttention,
      }).loss,
    variables,
  );
  let named = new Map<string, tf.Tensor>();
  for (const [variableName, grad] of Object.entries(grads)) named.set(nameOf.get(variableName)!, grad);
  try {
    if (options.clipGradNorm !== undefined) {
      const clipped = clipByGlobalNorm(named, options.clipGradNorm);
      tf.dispose([...named.values()]);
      named = clipped.grads;
      clipped.totalNorm.dispose();
    }
    const info = optimizer.step(named);
    return { loss: value, step: info.step, lr: info.lr };
  } catch (error) {
    value.dispose();
    throw error;
  } finally {
    tf.dispose([...named.values()]);
  }
}
