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

export function parameterSpecs(config: VideoMAEConfig): ParamSpec[] {
  const h = config.hidden_size;
  const specs: ParamSpec[] = [];
  const linear = (name: string, out: number, inp: number, bias = true): void => {
    specs.push({ name: `${name}.weight`, shape: [out, inp], init: 'normal' });
    if (bias) specs.push({ name: `${name}.bias`, shape: [out], init: 'zeros' });
  };
  const layerNorm = (name: string): void => {
    specs.push({ name: `${name}.weight`, shape: [h], init: 'ones' });
    specs.push({ name: `${name}.bias`, shape: [h], init: 'zeros' });
  };
  const projection = `${BASE_MODEL_PREFIX}.embeddings.patch_embeddings.projection`;
  specs.push({
    name: `${projection}.weight`,
    shape: [h, config.num_channels, config.tubelet_size, config.patch_size, config.patch_size],
    init: 'normal',
  });
  specs.push({ name: `${projection}.bias`, shape: [h], init: 'zeros' });
  for (let i = 0; i < config.num_hidden_layers; i++) {
    const p = layerPrefix(i);
    // A module's own parameters precede its children's in a PyTorch state_dict.
    if (config.qkv_bias) {
      specs.push({ name: `${p}attention.attention.q_bias`, shape: [h], init: 'zeros' });
      specs.push({ name: `${p}attention.attention.v_bias`, shape: [h], init: 'zeros' });
    }
    linear(`${p}attention.attention.query`, h, h, false);
    linear(`${p}attention.attention.key`, h, h, false);
    linear(`${p}attention.attention.value`, h, h, false);
    linear(`${p}attention.output.dense`, h, h);
    linear(`${p}intermediate.dense`, config.intermediate_size, h);
    linear(`${p}output.dense`, h, config.intermediate_size);
    layerNorm(`${p}layernorm_before`);
    layerNorm(`${p}layernorm_after`);
  }
  if (config.use_mean_pooling) layerNorm('fc_norm');
  else layerNorm(`${BASE_MODEL_PREFIX}.layernorm`);
  linear('classifier', config.num_labels, h);
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
