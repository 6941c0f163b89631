/**
 * The CutMix preview: one batch of training clips mixed the way a run's settings would mix them (mixing
 * forced on), as RGBA frames with what went into each clip (kind, lambda, both labels, the pasted box).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { NormalizeSpec } from '../data/transforms.ts';
import { Rng } from '../util/rng.ts';
import { applyMix } from './cutmix.ts';
import { planMix } from './mix-plan.ts';
import { mixConfigOf, type RunConfig } from './run-config.ts';
import type { TrainingBatch } from './trainer.ts';
import type { MixPreviewItem } from './types.ts';

export interface MixPreviewInput {
  /** Training clips as the trainer gets them: [B, T, 3, H, W], normalised with `normalize`. */
  batch: Pick<TrainingBatch, 'data' | 'shape' | 'labels'>;
  config: RunConfig;
  classes: readonly string[];
  normalize: NormalizeSpec;
  patchSize: number;
  tubeletSize: number;
  count: number;
}

export async function mixPreview(input: MixPreviewInput): Promise<MixPreviewItem[]> {
  const { batch, config, classes, normalize } = input;
  const [b, t, , h, w] = batch.shape;
  const mixConfig = mixConfigOf(
    { ...config, mixProb: 1 },
    { patchSize: input.patchSize, tubeletSize: input.tubeletSize },
  );
  const plan = planMix(new Rng(`${config.seed}/mix/preview`), mixConfig, b, {
    frames: t,
    height: h,
    width: w,
  });
  const clips = tf.tensor5d(batch.data, batch.shape);
  const mix = applyMix(clips, batch.labels, plan, classes.length);
  try {
    const pixels = await mix.inputs.data();
    const { mean, std } = normalize;
    return mix.samples.slice(0, input.count).map((sample, i) => ({
      kind: sample.kind,
      lam: sample.lam,
      label: classes[sample.label]!,
      pairedLabel: classes[sample.pairedLabel]!,
      box: sample.box,
      frames: Array.from({ length: t }, (_, f) => {
        const rgba = new Uint8ClampedArray(h * w * 4);
        const offset = (i * t + f) * 3 * h * w;
        for (let p = 0; p < h * w; p++) {
          for (let c = 0; c < 3; c++) {
            rgba[p * 4 + c] = (pixels[offset + c * h * w + p]! * std[c]! + mean[c]!) * 255;
          }
          rgba[p * 4 + 3] = 255;
        }
        return { width: w, height: h, rgba };
      }),
    }));
  } finally {
    clips.dispose();
    mix.inputs.dispose();
    mix.targets.dispose();
  }
}
