import { describe, expect, it } from 'vitest';
import { Rng } from '../util/rng.ts';
import { resampleWindow, resizeRgb, type RgbFrame } from './image.ts';
import {
  IMAGENET_NORMALIZE,
  planSpatial,
  renderFrameRgba,
  writeClip,
  type SpatialSpec,
} from './transforms.ts';

function frame(width: number, height: number, seed: number): RgbFrame {
  const rng = new Rng(seed);
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = rng.int(0, 255);
  return { width, height, data };
}

describe('spatial plans', () => {
  it('train: short side in [256, 320] scaled by image_size/224, crop inside, flips about half the time', () => {
    const spec: SpatialSpec = { imageSize: 112, mode: 'train' };
    let flips = 0;
    const shorts = new Set<number>();
    for (let s = 0; s < 500; s++) {
      const plan = planSpatial(320, 240, spec, new Rng(s));
      expect(plan.scaledHeight).toBeGreaterThanOrEqual(128);
      expect(plan.scaledHeight).toBeLessThanOrEqual(160);
      expect(plan.scaledWidth).toBe(Math.floor((320 / 240) * plan.scaledHeight));
      expect(plan.x + plan.width).toBeLessThanOrEqual(plan.scaledWidth);
      expect(plan.y + plan.height).toBeLessThanOrEqual(plan.scaledHeight);
      expect([plan.width, plan.height]).toEqual([112, 112]);
      shorts.add(plan.scaledHeight);
      if (plan.flip) flips++;
    }
    expect(shorts.has(128) && shorts.has(160)).toBe(true);
    expect(flips).toBeGreaterThan(200);
    expect(flips).toBeLessThan(300);
    expect(planSpatial(320, 240, spec, new Rng(9))).toEqual(planSpatial(320, 240, spec, new Rng(9)));
  });

  it('eval: squash to image_size, or short side then centre crop', () => {
    expect(planSpatial(320, 240, { imageSize: 224, mode: 'eval-resize' }, new Rng(1))).toMatchObject({
      scaledWidth: 224,
      scaledHeight: 224,
      x: 0,
      y: 0,
      flip: false,
    });
    expect(planSpatial(320, 240, { imageSize: 224, mode: 'eval-crop' }, new Rng(1))).toMatchObject({
      scaledWidth: 298,
      scaledHeight: 224,
      x: 37,
      y: 0,
    });
  });
});

describe('clip tensors', () => {
  it('writes [T, 3, H, W] normalised with the given mean and std', () => {
    const frames = [frame(40, 30, 1), frame(40, 30, 2)];
    const plan = planSpatial(40, 30, { imageSize: 30, mode: 'eval-crop' }, new Rng(1));
    const out = writeClip(frames, plan, IMAGENET_NORMALIZE);
    expect(out.length).toBe(2 * 3 * 30 * 30);
    const resized = resizeRgb(frames[1]!, 40, 30);
    // Frame 1, channel 2 (blue), row 7, column 12 of the centre crop (x offset 5).
    const value = out[((1 * 3 + 2) * 30 + 7) * 30 + 12]!;
    const raw = resized.data[(7 * 40 + 12 + 5) * 3 + 2]!;
    expect(value).toBeCloseTo((raw / 255 - 0.406) / 0.225, 4);
    const custom = writeClip(frames, plan, { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] });
    expect(custom[((1 * 3 + 2) * 30 + 7) * 30 + 12]).toBeCloseTo(raw / 127.5 - 1, 4);
  });

  it('matches the reference resampler for scaled, cropped, flipped training frames', () => {
    const f = frame(57, 43, 11);
    const plan = planSpatial(57, 43, { imageSize: 32, mode: 'train' }, new Rng(4));
    const flipped = { ...plan, flip: true };
    const out = writeClip([f, f], flipped, IMAGENET_NORMALIZE);
    const reference = resampleWindow(f, plan);
    let maxDiff = 0;
    for (let c = 0; c < 3; c++) {
      for (let y = 0; y < 32; y++) {
        for (let x = 0; x < 32; x++) {
          const expected =
            (reference[(y * 32 + 31 - x) * 3 + c]! / 255 - IMAGENET_NORMALIZE.mean[c]!) /
            IMAGENET_NORMALIZE.std[c]!;
          maxDiff = Math.max(maxDiff, Math.abs(out[3 * 32 * 32 + (c * 32 + y) * 32 + x]! - expected));
        }
      }
    }
    expect(plan.scaledHeight).not.toBe(43);
    expect(maxDiff).toBeLessThan(1e-4);
  });

  it('flips horizontally and writes into a batch buffer at an offset', () => {
    const f = frame(16, 16, 3);
    const base = { scaledWidth: 16, scaledHeight: 16, x: 0, y: 0, width: 16, height: 16 };
    const plain = writeClip([f], { ...base, flip: false }, IMAGENET_NORMALIZE);
    const batch = new Float32Array(2 * plain.length);
    writeClip([f], { ...base, flip: true }, IMAGENET_NORMALIZE, batch, plain.length);
    expect(Array.from(batch.subarray(0, plain.length)).every((v) => v === 0)).toBe(true);
    const flipped = batch.subarray(plain.length);
    for (let c = 0; c < 3; c++) {
      for (let y = 0; y < 16; y++) {
        for (let x = 0; x < 16; x++) {
          expect(flipped[(c * 16 + y) * 16 + x]).toBe(plain[(c * 16 + y) * 16 + 15 - x]);
        }
      }
    }
    const rgba = renderFrameRgba(f, { ...base, flip: true });
    expect(Array.from(rgba.slice(0, 4))).toEqual([...Array.from(f.data.slice(15 * 3, 15 * 3 + 3)), 255]);
  });
});
