import { describe, expect, it } from 'vitest';
import {
  countEncoderBlocks,
  layerIdOf,
  paramGroupOf,
  ParamGroupError,
  skipsWeightDecay,
} from './param-groups.ts';

// VideoMAE-Base fine-tuning: 12 blocks, layer decay 0.75, weight decay 0.05.
const BASE = { numLayers: 12, layerDecay: 0.75, weightDecay: 0.05 };

describe('parameter groups (VideoMAE fine-tuning recipe, HF names)', () => {
  it('gives the embeddings layer 0, block i layer i + 1, and the head L + 1', () => {
    expect(layerIdOf('videomae.embeddings.patch_embeddings.projection.weight', 12)).toBe(0);
    expect(layerIdOf('videomae.encoder.layer.0.attention.attention.q_bias', 12)).toBe(1);
    expect(layerIdOf('videomae.encoder.layer.11.output.dense.weight', 12)).toBe(12);
    expect(layerIdOf('fc_norm.weight', 12)).toBe(13);
    expect(layerIdOf('videomae.layernorm.bias', 12)).toBe(13);
    expect(layerIdOf('classifier.weight', 12)).toBe(13);
    // A bare VideoMAEModel state_dict has no `videomae.` prefix.
    expect(layerIdOf('encoder.layer.4.intermediate.dense.weight', 12)).toBe(5);
    expect(layerIdOf('embeddings.patch_embeddings.projection.bias', 12)).toBe(0);
  });

  it('scales the lr by decay^(L + 1 - layer id): the head at full rate, the embeddings least', () => {
    expect(paramGroupOf('classifier.weight', 2, BASE).lrScale).toBe(1);
    expect(paramGroupOf('videomae.encoder.layer.11.output.dense.weight', 2, BASE).lrScale).toBe(0.75);
    expect(paramGroupOf('videomae.encoder.layer.0.output.dense.weight', 2, BASE).lrScale).toBeCloseTo(
      0.75 ** 12,
      15,
    );
    expect(
      paramGroupOf('videomae.embeddings.patch_embeddings.projection.weight', 5, BASE).lrScale,
    ).toBeCloseTo(0.75 ** 13, 15);
    expect(
      paramGroupOf('videomae.encoder.layer.3.output.dense.weight', 2, { ...BASE, layerDecay: 1 }).lrScale,
    ).toBe(1);
  });

  it('exempts biases, norms, 1-D params and the skip list from weight decay', () => {
    expect(paramGroupOf('classifier.weight', 2, BASE).weightDecay).toBe(0.05);
    expect(paramGroupOf('classifier.bias', 1, BASE).weightDecay).toBe(0);
    expect(paramGroupOf('fc_norm.weight', 1, BASE).weightDecay).toBe(0);
    expect(paramGroupOf('videomae.encoder.layer.2.layernorm_before.weight', 1, BASE).weightDecay).toBe(0);
    expect(paramGroupOf('videomae.encoder.layer.2.attention.attention.v_bias', 1, BASE).weightDecay).toBe(0);
    expect(paramGroupOf('videomae.embeddings.patch_embeddings.projection.weight', 5, BASE).weightDecay).toBe(
      0.05,
    );
    expect(skipsWeightDecay('mask_token', 3)).toBe(false);
    expect(skipsWeightDecay('mask_token', 3, ['mask_token'])).toBe(true);
    expect(skipsWeightDecay('some.scalar', 0)).toBe(true);
  });

  it('refuses a block index the model does not have', () => {
    expect(() => layerIdOf('videomae.encoder.layer.12.output.dense.bias', 12)).toThrow(ParamGroupError);
  });

  it('counts the encoder blocks a state_dict names', () => {
    const names = ['videomae.encoder.layer.0.a', 'videomae.encoder.layer.11.b', 'classifier.bias'];
    expect(countEncoderBlocks(names)).toBe(12);
    expect(countEncoderBlocks(['classifier.bias'])).toBe(0);
  });
});
