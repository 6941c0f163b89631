/**
 * Spatial transforms and normalisation, the Hugging Face VideoMAE tutorial's by default:
 * - train: random short-side scale in [256, 320] (scaled by image_size / 224), random image_size crop,
 *   random horizontal flip, the same for every frame of a clip;
 * - eval: resize to image_size x image_size (`eval-resize`, the tutorial), or short side to image_size then a
 *   centre crop (`eval-crop`, VideoMAEImageProcessor).
 * Then (x / 255 - mean) / std, written as [T, 3, H, W] float32: Hugging Face's `pixel_values` layout.
 */
import type { Rng } from '../util/rng.ts';
import { resampleWindow, type RgbFrame } from './image.ts';

export type SpatialMode = 'train' | 'eval-resize' | 'eval-crop';

export interface SpatialSpec {
  imageSize: number;
  mode: SpatialMode;
  /** Short-side range for `train`, inclusive; default [256, 320] * imageSize / 224. */
  scaleRange?: readonly [number, number];
  /** Probability of a horizontal flip in `train` (default 0.5). */
  flipProbability?: number;
}

export interface NormalizeSpec {
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
}

/** ImageNet statistics: VideoMAEImageProcessor's defaults. */
export const IMAGENET_NORMALIZE: NormalizeSpec = {
  mean: [0.485, 0.456, 0.406],
  std: [0.229, 0.224, 0.225],
};

/** Where the output crop comes from: resize the frame to scaled*, take the window at (x, y), maybe flip. */
export interface SpatialPlan {
  scaledWidth: number;
  scaledHeight: number;
  x: number;
  y: number;
  width: number;
  height: number;
  flip: boolean;
}

export class InvalidSpatialSpecError extends Error {
  override name = 'InvalidSpatialSpecError';
}

export function defaultScaleRange(imageSize: number): [number, number] {
  return [Math.round((256 * imageSize) / 224), Math.round((320 * imageSize) / 224)];
}

/** Short side scaled to `size`, the long side floored (pytorchvideo's short_side_scale). */
function shortSideScale(width: number, height: number, size: number): [number, number] {
  if (width <= height) return [size, Math.max(size, Math.floor((height / width) * size))];
  return [Math.max(size, Math.floor((width / height) * size)), size];
}

export function planSpatial(width: number, height: number, spec: SpatialSpec, rng: Rng): SpatialPlan {
  const size = spec.imageSize;
  if (!Number.isInteger(size) || size < 1) {
    throw new InvalidSpatialSpecError(`image_size must be a positive integer, got ${size}`);
  }
  if (spec.mode === 'eval-resize') {
    return { scaledWidth: size, scaledHeight: size, x: 0, y: 0, width: size, height: size, flip: false };
  }
  if (spec.mode === 'eval-crop') {
    const [sw, sh] = shortSideScale(width, height, size);
    const x = Math.round((sw - size) / 2);
    const y = Math.round((sh - size) / 2);
    return { scaledWidth: sw, scaledHeight: sh, x, y, width: size, height: size, flip: false };
  }
  const [lo, hi] = spec.scaleRange ?? defaultScaleRange(size);
  if (!(lo >= size && hi >= lo)) {
    throw new InvalidSpatialSpecError(`train scale range [${lo}, ${hi}] must be >= image_size ${size}`);
  }
  const short = rng.int(Math.round(lo), Math.round(hi));
  const [sw, sh] = shortSideScale(width, height, short);
  const y = rng.int(0, sh - size);
  const x = rng.int(0, sw - size);
  const flip = rng.bernoulli(spec.flipProbability ?? 0.5);
  return { scaledWidth: sw, scaledHeight: sh, x, y, width: size, height: size, flip };
}

/** Writes one frame, transformed and normalised, as [3, H, W] at `offset` of `out`. */
export function writeFrameChw(
  frame: RgbFrame,
  plan: SpatialPlan,
  normalize: NormalizeSpec,
  out: Float32Array,
  offset: number,
): void {
  const values = resampleWindow(frame, plan);
  const { width: w, height: h } = plan;
  const plane = w * h;
  for (let c = 0; c < 3; c++) {
    const scale = 1 / (255 * normalize.std[c]!);
    const shift = normalize.mean[c]! / normalize.std[c]!;
    const base = offset + c * plane;
    for (let y = 0; y < h; y++) {
      const rowIn = y * w * 3 + c;
      const rowOut = base + y * w;
      for (let x = 0; x < w; x++) {
        const sx = plan.flip ? w - 1 - x : x;
        out[rowOut + x] = values[rowIn + sx * 3]! * scale - shift;
      }
    }
  }
}

/** One clip as [T, 3, H, W], written at `offset` of `out` (a batch buffer) or into a new array. */
export function writeClip(
  frames: readonly RgbFrame[],
  plan: SpatialPlan,
  normalize: NormalizeSpec,
  out?: Float32Array,
  offset = 0,
): Float32Array {
  const frameSize = 3 * plan.width * plan.height;
  const target = out ?? new Float32Array(frames.length * frameSize);
  frames.forEach((frame, t) => writeFrameChw(frame, plan, normalize, target, offset + t * frameSize));
  return target;
}

/** The transformed frame as RGBA bytes, for showing what the model sees. */
export function renderFrameRgba(frame: RgbFrame, plan: SpatialPlan): Uint8ClampedArray {
  const values = resampleWindow(frame, plan);
  const { width: w, height: h } = plan;
  const out = new Uint8ClampedArray(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const sx = plan.flip ? w - 1 - x : x;
      const i = (y * w + sx) * 3;
      const o = (y * w + x) * 4;
      out[o] = Math.round(values[i]!);
      out[o + 1] = Math.round(values[i + 1]!);
      out[o + 2] = Math.round(values[i + 2]!);
      out[o + 3] = 255;
    }
  }
  return out;
}
