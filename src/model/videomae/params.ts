/**
 * The parameters of `VideoMAEForVideoClassification` for a config: their Hugging Face state_dict names (in
 * state_dict order), PyTorch shapes, and how HF's `_init_weights` initialises each one.
 */
import { Rng } from '../../util/rng.ts';
import type { VideoMAEConfig } from './config.ts';

export type ParamInit = 'normal' | 'zeros' | 'ones';

export interface ParamSpec {
  name: string;
  shape: number[];
  /** HF `_init_weights`: Linear/Conv3d weights N(0, initializer_range), biases 0, LayerNorm 1/0. */
  init: ParamInit;
}

export const CLASSIFIER_KEYS = ['classifier.weight', 'classifier.bias'] as const;
/** Everything of VideoMAEModel lives under this prefix (HF's `base_model_prefix`). */
export const BASE_MODEL_PREFIX = 'videomae';

export function layerPrefix(layer: number): string {
  return `${BASE_MODEL_PREFIX}.encoder.layer.${layer}.`;
}

/** One VideoMAELayer's parameters under `prefix`, in state_dict order. */
function layerSpecs(
  specs: ParamSpec[],
  prefix: string,
  hidden: number,
  intermediate: number,
  qkvBias: boolean,
): void {
  // A module's own parameters precede its children's in a PyTorch state_dict.
  if (qkvBias) {
    specs.push({ name: `${prefix}attention.attention.q_bias`, shape: [hidden], init: 'zeros' });
    specs.push({ name: `${prefix}attention.attention.v_bias`, shape: [hidden], init: 'zeros' });
  }
  linearSpecs(specs, `${prefix}attention.attention.query`, hidden, hidden, false);
  linearSpecs(specs, `${prefix}attention.attention.key`, hidden, hidden, false);
  linearSpecs(specs, `${prefix}attention.attention.value`, hidden, hidden, false);
  linearSpecs(specs, `${prefix}attention.output.dense`, hidden, hidden);
  linearSpecs(specs, `${prefix}intermediate.dense`, intermediate, hidden);
  linearSpecs(specs, `${prefix}output.dense`, hidden, intermediate);
  layerNormSpecs(specs, `${prefix}layernorm_before`, hidden);
  layerNormSpecs(specs, `${prefix}layernorm_after`, hidden);
}

function linearSpecs(specs: ParamSpec[], name: string, out: number, inp: number, bias = true): void {
  specs.push({ name: `${name}.weight`, shape: [out, inp], init: 'normal' });
  if (bias) specs.push({ name: `${name}.bias`, shape: [out], init: 'zeros' });
}

function layerNormSpecs(specs: ParamSpec[], name: string, size: number): void {
  specs.push({ name: `${name}.weight`, shape: [size], init: 'ones' });
  specs.push({ name: `${name}.bias`, shape: [size], init: 'zeros' });
}

/**
 * HF's `VideoMAEModel` under `videomae.`: embeddings and encoder blocks, plus `videomae.layernorm` when
 * `use_mean_pooling` is off (with mean pooling the base model has no final norm).
 */
function encoderSpecs(config: VideoMAEConfig): ParamSpec[] {
  const h = config.hidden_size;
  const specs: ParamSpec[] = [];
  const projection = `${BASE_MODEL_PREFIX}.embeddings.patch_embeddings.projection`;
  specs.push({
    name: `${projection}.weight`,
    shape: [h, config.num_channels, config.tubelet_size, config.patch_size, config.patch_size],
    init: 'normal',
  });
  specs.push({ name: `${projection}.bias`, shape: [h], init: 'zeros' });
  for (let i = 0; i < config.num_hidden_layers; i++)
    layerSpecs(specs, layerPrefix(i), h, config.intermediate_size, config.qkv_bias);
  if (!config.use_mean_pooling) layerNormSpecs(specs, `${BASE_MODEL_PREFIX}.layernorm`, h);
  return specs;
}

/** The parameters of `VideoMAEForVideoClassification`. */
export function parameterSpecs(config: VideoMAEConfig): ParamSpec[] {
  const specs = encoderSpecs(config);
  if (config.use_mean_pooling) layerNormSpecs(specs, 'fc_norm', config.hidden_size);
  linearSpecs(specs, 'classifier', config.num_labels, config.hidden_size);
  return specs;
}

export function decoderLayerPrefix(layer: number): string {
  return `decoder.decoder_layers.${layer}.`;
}

/** Values per masked cube that the decoder head predicts: tubelet * patch * patch * channels. */
export function decoderOutputSize(
  config: Pick<VideoMAEConfig, 'tubelet_size' | 'patch_size' | 'num_channels'>,
): number {
  return config.tubelet_size * config.patch_size * config.patch_size * config.num_channels;
}

/**
 * The parameters of `VideoMAEForPreTraining`, in its state_dict order: `mask_token` (the module's own
 * parameter), `videomae.*`, `encoder_to_decoder.weight` (no bias), `decoder.decoder_layers.N.*`,
 * `decoder.norm`, `decoder.head`. `mask_token` starts at zero as in HF (`_init_weights` leaves it alone).
 */
export function pretrainingParameterSpecs(config: VideoMAEConfig): ParamSpec[] {
  const d = config.decoder_hidden_size;
  const specs: ParamSpec[] = [{ name: 'mask_token', shape: [1, 1, d], init: 'zeros' }];
  specs.push(...encoderSpecs(config));
  linearSpecs(specs, 'encoder_to_decoder', d, config.hidden_size, false);
  for (let i = 0; i < config.decoder_num_hidden_layers; i++)
    layerSpecs(specs, decoderLayerPrefix(i), d, config.decoder_intermediate_size, config.qkv_bias);
  layerNormSpecs(specs, 'decoder.norm', d);
  linearSpecs(specs, 'decoder.head', decoderOutputSize(config), d);
  return specs;
}

export function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * A fresh value for one parameter. The stream is forked by parameter name, so a key's initial value
 * depends only on the seed and its name: re-initialising just the classifier gives the same head whether
 * or not the rest came from a checkpoint.
 */
export function initParameter(spec: ParamSpec, config: VideoMAEConfig, seed: number | string): Float32Array {
  const values = new Float32Array(numel(spec.shape));
  if (spec.init === 'ones') values.fill(1);
  else if (spec.init === 'normal') {
    const rng = new Rng(`${seed}`).fork(spec.name);
    const std = config.initializer_range;
    for (let i = 0; i < values.length; i++) values[i] = rng.normal() * std;
  }
  return values;
}
