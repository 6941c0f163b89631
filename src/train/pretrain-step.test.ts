import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { HF_DEFAULTS, labelMaps, type VideoMAEConfig } from '../model/videomae/config.ts';
import { makeMasks, maskGrid } from '../model/videomae/masking.ts';
import { VideoMAEForPreTraining } from '../model/videomae/pretraining.ts';
import { Rng } from '../util/rng.ts';
import { createPretrainOptimizer, pretrainOptimizerOptions, pretrainStep } from './pretrain-step.ts';

const config: VideoMAEConfig = {
  ...HF_DEFAULTS,
  ...labelMaps(['a', 'b']),
  image_size: 16,
  patch_size: 8,
  num_frames: 4,
  tubelet_size: 2,
  hidden_size: 16,
  num_hidden_layers: 1,
  num_attention_heads: 2,
  intermediate_size: 32,
  use_mean_pooling: false,
  decoder_hidden_size: 8,
  decoder_num_hidden_layers: 1,
  decoder_num_attention_heads: 2,
  decoder_intermediate_size: 16,
};

function batch(b: number): tf.Tensor5D {
  const rng = new Rng('pretrain-step-batch');
  const shape = [b, config.num_frames, 3, config.image_size, config.image_size] as const;
  const values = Float32Array.from({ length: shape.reduce((x, y) => x * y, 1) }, () => rng.normal());
  return tf.tensor5d(values, [...shape]);
}

describe('pretrainOptimizerOptions', () => {
  it('follows the paper: AdamW (0.9, 0.95), wd 0.05, lr 1.5e-4 x batch / 256, cosine with warmup', () => {
    const o = pretrainOptimizerOptions({ batchSize: 64, totalSteps: 100, warmupSteps: 10 });
    expect(o).toMatchObject({ kind: 'adamw', beta1: 0.9, beta2: 0.95, weightDecay: 0.05, layerDecay: 1 });
    expect(o.lr).toBeCloseTo(1.5e-4 / 4, 12);
    expect(o.schedule).toEqual({ kind: 'cosine', totalSteps: 100, warmupSteps: 10 });
    expect(() => pretrainOptimizerOptions({ batchSize: 0, totalSteps: 1, warmupSteps: 0 })).toThrow(
      /batchSize/,
    );
  });

  it('exempts biases, norms and mask_token from weight decay, not the weight matrices', async () => {
    await tf.setBackend('cpu');
    const model = VideoMAEForPreTraining.create(config, { seed: 1 });
    const optimizer = createPretrainOptimizer(model, { batchSize: 8, totalSteps: 10, warmupSteps: 1 });
    expect(optimizer.groupOf('mask_token').weightDecay).toBe(0);
    expect(optimizer.groupOf('decoder.norm.weight').weightDecay).toBe(0);
    expect(optimizer.groupOf('decoder.head.bias').weightDecay).toBe(0);
    expect(optimizer.groupOf('videomae.encoder.layer.0.attention.attention.q_bias').weightDecay).toBe(0);
    expect(optimizer.groupOf('decoder.head.weight').weightDecay).toBe(0.05);
    expect(optimizer.groupOf('encoder_to_decoder.weight').weightDecay).toBe(0.05);
    expect(optimizer.groupOf('videomae.embeddings.patch_embeddings.projection.weight').weightDecay).toBe(
      0.05,
    );
    optimizer.dispose();
    model.dispose();
  });
});

for (const backend of ['cpu', 'wasm'])
  describe(`pretrainStep (${backend})`, () => {
    beforeAll(async () => {
      expect(await tf.setBackend(backend)).toBe(true);
    });

    it('lowers the reconstruction loss on a fixed batch and leaves no tensor behind', async () => {
      const model = VideoMAEForPreTraining.create(config, { seed: 3 });
      // A larger base lr than the paper's (lr 1e-2) so that a handful of steps on 2 clips moves the loss.
      const optimizer = createPretrainOptimizer(model, {
        batchSize: 2,
        totalSteps: 1000,
        warmupSteps: 0,
        baseLr: 1.28,
      });
      const x = batch(2);
      const mask = makeMasks(2, maskGrid(config), { kind: 'tube', ratio: 0.75, seed: 5 });
      const losses: number[] = [];
      // The first step creates the optimizer's slots; count from after it.
      const first = pretrainStep(model, optimizer, x, mask);
      losses.push((await first.loss.data())[0]!);
      first.loss.dispose();
      const before = tf.memory().numTensors;
      for (let i = 0; i < 8; i++) {
        const { loss, step, lr } = pretrainStep(model, optimizer, x, mask);
        expect(step).toBe(i + 2);
        expect(lr).toBeGreaterThan(0);
        losses.push((await loss.data())[0]!);
        loss.dispose();
      }
      expect(tf.memory().numTensors).toBe(before);
      expect(losses.every(Number.isFinite)).toBe(true);
      expect(losses.at(-1)!).toBeLessThan(0.9 * losses[0]!);
      const clipped = pretrainStep(model, optimizer, x, mask, { clipGradNorm: 0.1 });
      clipped.loss.dispose();
      expect(tf.memory().numTensors).toBe(before);
      x.dispose();
      optimizer.dispose();
      model.dispose();
    });
  });
