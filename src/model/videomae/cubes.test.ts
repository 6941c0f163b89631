import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../util/rng.ts';
import {
  IMAGENET_DEFAULT_MEAN,
  IMAGENET_DEFAULT_STD,
  pixelTargets,
  pixelTargetsArray,
  reconstructionView,
  unnormalizeFrames,
  type VideoShape,
} from './cubes.ts';
import { makeMasks } from './masking.ts';

const shape: VideoShape = [2, 4, 3, 8, 12];
const rng = new Rng('cubes-test');
const pixels = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal());
const grid = { temporalSlices: 2, patchesPerSlice: 6 };

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return Number.isNaN(max) ? Infinity : max;
}

/** Masked tokens' rows of [B * tokens, cube] values, in increasing token order. */
function maskedRows(all: Float32Array, mask: Uint8Array, cube: number): Float32Array {
  const out: number[] = [];
  mask.forEach((m, i) => {
    if (m) out.push(...all.subarray(i * cube, (i + 1) * cube));
  });
  return Float32Array.from(out);
}

describe('pretraining target cubes and the reconstruction view', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  for (const norm of [true, false]) {
    const config = { tubelet_size: 2, patch_size: 4, num_channels: 3, norm_pix_loss: norm };

    it(`tensor and array targets agree (norm_pix_loss ${norm}); raw cubes are (t, h, w, c) with c fastest`, async () => {
      const t = pixelTargets(tf.tensor5d(pixels, [...shape]), config);
      expect(t.shape).toEqual([2, 12, 2 * 4 * 4 * 3]);
      const array = pixelTargetsArray(pixels, shape, config);
      expect(maxAbsDiff(await t.data(), array)).toBeLessThan(1e-5);
      t.dispose();
      if (!norm) {
        // Token 7 of clip 1 = slice 1, row 0, column 1; its value (t=1, y=2, x=3, c=2) by hand.
        const [, frames, channels, height, width] = shape;
        const pixel = (((1 * frames + 3) * channels + 2) * height + 2) * width + 4 + 3;
        const within = ((1 * 4 + 2) * 4 + 3) * 3 + 2;
        const token = 1 * 12 + 7;
        expect(array[token * 96 + within]).toBeCloseTo(
          pixels[pixel]! * IMAGENET_DEFAULT_STD[2] + IMAGENET_DEFAULT_MEAN[2],
          6,
        );
      }
    });

    it(`a perfect prediction reconstructs the un-normalised clip (norm_pix_loss ${norm})`, () => {
      const mask = makeMasks(2, grid, { kind: 'tube', ratio: 0.5, seed: 2 });
      const prediction = maskedRows(pixelTargetsArray(pixels, shape, config), mask, 96);
      const view = reconstructionView(pixels, shape, mask, prediction, config, 0.25);
      const original = unnormalizeFrames(pixels, shape);
      expect(maxAbsDiff(view.original, original)).toBe(0);
      expect(maxAbsDiff(view.reconstruction, original)).toBeLessThan(1e-5);
      const filled = view.maskedInput.filter((v, i) => v !== original[i]).length;
      expect(filled).toBe((pixels.length * 6) / 12); // 6 of 12 tokens per clip are masked
      expect(view.maskedInput.filter((v) => v === 0.25).length).toBeGreaterThanOrEqual(filled);
      // A zero prediction shows as the cube's own mean with norm_pix_loss, as zero without.
      const zero = reconstructionView(pixels, shape, mask, new Float32Array(prediction.length), config);
      expect(maxAbsDiff(zero.reconstruction, original)).toBeGreaterThan(0.1);
      expect(() => reconstructionView(pixels, shape, mask, prediction.subarray(1), config)).toThrow(
        /prediction has/,
      );
    });
  }
});
