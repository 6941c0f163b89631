/**
 * Spatial transforms and normalisation, the Hugging Face VideoMAE tutorial's by default:
 * - train: random short-side scale in [256, 320] (scaled by image_size / 224), random image_size crop,
 *   random horizontal flip, the same for every frame of a clip;
 * - eval: resize to image_size x image_size (`eval-resize`, the tutorial), or short side to image_size then a
 *   centre crop (`eval-crop`, VideoMAEImageProcessor).
 * Then (x / 255 - mean) / std, written as [T, 3, H, W] float32: Hugging Face's `pixel_values` layout.
 */
import type { Rng } from '../util/rng.ts';
import { axisTaps, horizontalPass, resampleWindow, type AxisTaps, type RgbFrame } from './image.ts';

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

/** Filter taps of a plan for one source size, computed once per clip and shared by all its frames. */
interface PreparedPlan {
  plan: SpatialPlan;
  srcWidth: number;
  srcHeight: number;
  xTaps: AxisTaps;
  yTaps: AxisTaps;
  rowLo: number;
  rows: number;
  scratch: Float32Array;
}

function preparePlan(srcWidth: number, srcHeight: number, plan: SpatialPlan): PreparedPlan {
  const xTaps = axisTaps(srcWidth, plan.scaledWidth, plan.x, plan.width);
  const yTaps = axisTaps(srcHeight, plan.scaledHeight, plan.y, plan.height);
  let rowLo = srcHeight;
  let rowHi = 0;
  for (let j = 0; j < plan.height; j++) {
    rowLo = Math.min(rowLo, yTaps.start[j]!);
    rowHi = Math.max(rowHi, yTaps.start[j]! + yTaps.count[j]!);
  }
  const rows = rowHi - rowLo;
  return {
    plan,
    srcWidth,
    srcHeight,
    xTaps,
    yTaps,
    rowLo,
    rows,
    scratch: new Float32Array(rows * plan.width * 3),
  };
}

/**
 * Resample (horizontal pass into scratch, vertical pass straight into the output) and normalise one frame
 * as [3, H, W] at `offset`. Same arithmetic as image.ts's resampleWindow, fused with the layout change.
 */
function writePrepared(
  frame: RgbFrame,
  p: PreparedPlan,
  normalize: NormalizeSpec,
  out: Float32Array,
  offset: number,
) {
  if (frame.width !== p.srcWidth || frame.height !== p.srcHeight) {
    throw new RangeError(
      `frame is ${frame.width}x${frame.height}, plan was made for ${p.srcWidth}x${p.srcHeight}`,
    );
  }
  const { plan, xTaps, yTaps, rowLo, rows, scratch } = p;
  const w = plan.width;
  const h = plan.height;
  horizontalPass(frame, xTaps, rowLo, rows, scratch);
  const plane = w * h;
  const scale0 = 1 / (255 * normalize.std[0]);
  const scale1 = 1 / (255 * normalize.std[1]);
  const scale2 = 1 / (255 * normalize.std[2]);
  const shift0 = normalize.mean[0] / normalize.std[0];
  const shift1 = normalize.mean[1] / normalize.std[1];
  const shift2 = normalize.mean[2] / normalize.std[2];
  for (let y = 0; y < h; y++) {
    const k0 = yTaps.start[y]! - rowLo;
    const n = yTaps.count[y]!;
    const wBase = y * yTaps.maxTaps;
    const rowOut = offset + y * w;
    for (let x = 0; x < w; x++) {
      let red = 0;
      let green = 0;
      let blue = 0;
      for (let k = 0; k < n; k++) {
        const weight = yTaps.weights[wBase + k]!;
        const q = ((k0 + k) * w + x) * 3;
        red += weight * scratch[q]!;
        green += weight * scratch[q + 1]!;
        blue += weight * scratch[q + 2]!;
      }
      const ox = rowOut + (plan.flip ? w - 1 - x : x);
      out[ox] = red * scale0 - shift0;
      out[ox + plane] = green * scale1 - shift1;
      out[ox + 2 * plane] = blue * scale2 - shift2;
    }
  }
}

/** Writes one frame, transformed and normalised, as [3, H, W] at `offset` of `out`. */
export function writeFrameChw(
  frame: RgbFrame,
  plan: SpatialPlan,
  normalize: NormalizeSpec,
  out: Float32Array,
  offset: number,
): void {
  writePrepared(frame, preparePlan(frame.width, frame.height, plan), normalize, out, offset);
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
  if (frames.length === 0) return target;
  const prepared = preparePlan(frames[0]!.width, frames[0]!.height, plan);
  frames.forEach((frame, t) => writePrepared(frame, prepared, normalize, target, offset + t * frameSize));
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
