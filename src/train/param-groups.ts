/**
 * Which learning-rate scale and weight decay each parameter gets, keyed by its Hugging Face state_dict name
 * (`videomae.encoder.layer.3.attention.attention.q_bias`, `fc_norm.weight`, `classifier.bias`, ...).
 *
 * Follows VideoMAE's fine-tuning recipe (its `get_parameter_groups` / `LayerDecayValueAssigner`, which come
 * from timm/BEiT): no weight decay on 1-D parameters (biases, LayerNorm weights, q_bias/v_bias) and names
 * ending in `.bias` or listed in a skip list; layer-wise lr decay with layer id 0 for the embeddings, i + 1
 * for encoder block i and L + 1 for everything after the encoder, scaled by decay^(L + 1 - id).
 */

export interface ParamGroupOptions {
  /** Number of encoder blocks L (config.num_hidden_layers). */
  numLayers: number;
  /** Layer-wise lr decay; 1 turns it off. */
  layerDecay: number;
  /** Weight decay for parameters that take it. */
  weightDecay: number;
  /** Extra names that never take weight decay (timm's `model.no_weight_decay()`). */
  noWeightDecay?: readonly string[];
}

export interface ParamGroup {
  layerId: number;
  lrScale: number;
  weightDecay: number;
}

// The `videomae.` prefix is optional so a bare VideoMAEModel state_dict (`encoder.layer.0...`) groups the same.
const ENCODER_BLOCK = /^(?:videomae\.)?encoder\.layer\.(\d+)\./;
const EMBEDDINGS = /^(?:videomae\.)?embeddings\./;

export class ParamGroupError extends Error {
  override name = 'ParamGroupError';
}

/** VideoMAE's `get_num_layer_for_vit` in HF naming: 0 embeddings, i + 1 for block i, L + 1 for the rest. */
export function layerIdOf(name: string, numLayers: number): number {
  if (EMBEDDINGS.test(name) || name === 'mask_token') return 0;
  const block = ENCODER_BLOCK.exec(name);
  if (block) {
    const index = Number(block[1]);
    if (index >= numLayers) {
      throw new ParamGroupError(`${name}: encoder block ${index} but the model has ${numLayers} blocks`);
    }
    return index + 1;
  }
  return numLayers + 1;
}

/** Whether a parameter is exempt from weight decay (timm: `ndim <= 1 or name.endswith('.bias')` or skip list). */
export function skipsWeightDecay(name: string, rank: number, noWeightDecay: readonly string[] = []): boolean {
  return rank <= 1 || name.endsWith('.bias') || noWeightDecay.includes(name);
}

export function paramGroupOf(name: string, rank: number, options: ParamGroupOptions): ParamGroup {
  const layerId = layerIdOf(name, options.numLayers);
  return {
    layerId,
    lrScale: Math.pow(options.layerDecay, options.numLayers + 1 - layerId),
    weightDecay: skipsWeightDecay(name, rank, options.noWeightDecay) ? 0 : options.weightDecay,
  };
}

/** The number of encoder blocks named in a state_dict (highest block index + 1). */
export function countEncoderBlocks(names: Iterable<string>): number {
  let count = 0;
  for (const name of names) {
    const block = ENCODER_BLOCK.exec(name);
    if (block) count = Math.max(count, Number(block[1]) + 1);
  }
  return count;
}
