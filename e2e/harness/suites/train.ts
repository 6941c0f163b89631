/**
 * Harness suite: the training building blocks (CutMix/Mixup application, losses, clipping, AdamW) run on
 * whichever backend is active, so a spec can compare webgpu and wasm against cpu.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { Rng } from '../../../src/util/rng.ts';
import { applyMix } from '../../../src/train/cutmix.ts';
import { planMix, type MixConfig } from '../../../src/train/mix-plan.ts';
import { softTargetCrossEntropy } from '../../../src/train/losses.ts';
import { clipByGlobalNorm, disposeAll } from '../../../src/train/gradients.ts';
import { AdamOptimizer } from '../../../src/train/optimizers.ts';

export { useBackend } from './backends.ts';

const MIX: MixConfig = {
  mixupAlpha: 0,
  cutmixAlpha: 1,
  prob: 1,
  switchProb: 0.5,
  mode: 'elem',
  cutmixMode: 'spatial',
  snapToGrid: false,
  grid: { patchSize: 4, tubeletSize: 2 },
  correctLam: true,
};

function values(rng: Rng, count: number, scale = 1): Float32Array {
  return Float32Array.from({ length: count }, () => rng.normal() * scale);
}

/** Every stage on the active backend, from fixed inputs; returns what each produced, read back. */
export async function trainPieces(): Promise<{ results: Record<string, number[]>; leaked: number }> {
  const rng = new Rng('train-harness');
  const results: Record<string, number[]> = {};
  const before = tf.memory().numTensors;
  const dims = { frames: 4, height: 16, width: 12 };
  const clips = tf.tensor5d(values(rng, 5 * 4 * 3 * 16 * 12), [5, 4, 3, 16, 12]);
  const variants: [string, MixConfig][] = [
    ['spatial', MIX],
    ['temporal', { ...MIX, cutmixMode: 'temporal' }],
    ['cube-grid', { ...MIX, cutmixMode: 'cube', snapToGrid: true }],
    ['mixup', { ...MIX, mixupAlpha: 0.8, cutmixAlpha: 0 }],
  ];
  for (const [name, config] of variants) {
    const plan = planMix(new Rng(name), config, 5, dims);
    const { inputs, targets } = applyMix(clips, [0, 1, 2, 3, 4], plan, 5, 0.1);
    results[`mix-${name}`] = Array.from(await inputs.data());
    results[`targets-${name}`] = Array.from(await targets.data());
    tf.dispose([inputs, targets]);
  }
  clips.dispose();

  const logits = tf.tensor2d(values(rng, 5 * 5, 3), [5, 5]);
  const targets = tf.tensor2d(
    Float32Array.from({ length: 25 }, (_, i) => (i % 6 === 0 ? 0.8 : 0.05)),
    [5, 5],
  );
  const { value, grad } = tf.valueAndGrad((x: tf.Tensor) =>
    softTargetCrossEntropy(x as tf.Tensor2D, targets),
  )(logits);
  results['loss'] = Array.from(await value.data());
  results['loss-grad'] = Array.from(await grad.data());
  tf.dispose([logits, targets, value, grad]);

  const shapes: Record<string, number[]> = {
    'videomae.embeddings.patch_embeddings.projection.weight': [4, 3, 2, 2, 2],
    'videomae.encoder.layer.0.attention.attention.q_bias': [4],
    'videomae.encoder.layer.1.output.dense.weight': [4, 8],
    'classifier.weight': [5, 4],
    'classifier.bias': [5],
  };
  const params = new Map<string, tf.Variable>();
  for (const [name, shape] of Object.entries(shapes)) {
    const size = shape.reduce((a, b) => a * b, 1);
    params.set(
      name,
      tf.tidy(() => tf.variable(tf.tensor(values(rng, size), shape))),
    );
  }
  const optimizer = new AdamOptimizer(params, {
    kind: 'adamw',
    lr: 1e-2,
    beta1: 0.9,
    beta2: 0.999,
    eps: 1e-8,
    weightDecay: 0.05,
    layerDecay: 0.75,
    schedule: { kind: 'cosine', warmupSteps: 1, totalSteps: 5 },
  });
  for (let step = 0; step < 4; step++) {
    const grads = new Map<string, tf.Tensor>();
    for (const [name, shape] of Object.entries(shapes)) {
      grads.set(
        name,
        tf.tensor(
          values(
            rng,
            shape.reduce((a, b) => a * b, 1),
            2,
          ),
          shape,
        ),
      );
    }
    const clipped = clipByGlobalNorm(grads, 1);
    results[`norm-${step}`] = Array.from(await clipped.totalNorm.data());
    optimizer.step(clipped.grads);
    clipped.totalNorm.dispose();
    disposeAll(clipped.grads);
    disposeAll(grads);
  }
  for (const [name, param] of params) results[`param-${name}`] = Array.from(await param.data());
  optimizer.dispose();
  disposeAll(params);
  return { results, leaked: tf.memory().numTensors - before };
}
