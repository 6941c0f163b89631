/**
 * The pretraining target and its inverse: pixel values cut into cubes (one per token) laid out
 * (tubelet, patch, patch, channel) with the channel fastest, as HF's `VideoMAEForPreTraining` builds its
 * labels. The pixels are first un-normalised with ImageNet's mean/std (HF hard-codes them for 3 channels
 * whatever processor made the input); with `norm_pix_loss` each channel of each cube is then normalised over
 * its tubelet * patch * patch values with the UNBIASED variance: (x - mean) / (sqrt(var) + 1e-6).
 *
 * The tensor path computes the training target on the device; the Float32Array path rebuilds frames from a
 * prediction for display (VideoMAE's `run_videomae_vis.py`), so a reconstruction can be drawn without tfjs.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { VideoMAEConfig } from './config.ts';

/** transformers' IMAGENET_DEFAULT_MEAN / IMAGENET_DEFAULT_STD, used by the pretraining loss. */
export const IMAGENET_DEFAULT_MEAN = [0.485, 0.456, 0.406] as const;
export const IMAGENET_DEFAULT_STD = [0.229, 0.224, 0.225] as const;
/** Added to the cube's standard deviation before dividing (HF and the original VideoMAE). */
export const NORM_PIX_EPS = 1e-6;

export type CubeConfig = Pick<
  VideoMAEConfig,
  'tubelet_size' | 'patch_size' | 'num_channels' | 'norm_pix_loss'
>;
export type VideoShape = readonly [number, number, number, number, number];

/**
 * [B, T, C, H, W] to [B, tokens, tubelet * patch * patch, C], tokens in (t, h, w) order. Rank-4 transposes
 * only (the wasm backend's rank-5+ transpose is an order of magnitude slower).
 */
function toCubes(x: tf.Tensor5D, tubelet: number, patch: number): tf.Tensor4D {
  const [b, t, c, height, width] = x.shape;
  const tp = t / tubelet;
  const hp = height / patch;
  const wp = width / patch;
  // (B, Tp, ts, C, Hp, ph, Wp, pw) -> (B, Tp, ts, C, Hp, Wp, ph, pw)
  const a = tf.transpose(tf.reshape(x, [b * tp * tubelet * c * hp, patch, wp, patch]), [0, 2, 1, 3]);
  // -> (B*Tp, Hp*Wp, ts*C, ph*pw)
  const rows = tf.transpose(tf.reshape(a, [b * tp, tubelet * c, hp * wp, patch * patch]), [0, 2, 1, 3]);
  // -> (B*Tp*Hp*Wp, ts, ph*pw, C)
  const cubes = tf.transpose(tf.reshape(rows, [b * tp * hp * wp, tubelet, c, patch * patch]), [0, 1, 3, 2]);
  return tf.reshape(cubes, [b, tp * hp * wp, tubelet * patch * patch, c]);
}

/**
 * Every token's target cube, [B, tokens, tubelet * patch * patch * C], with HF's un-normalisation and (with
 * norm_pix_loss) per-cube normalisation. Not differentiable on purpose: HF computes it under no_grad.
 */
export function pixelTargets(pixelValues: tf.Tensor5D, config: CubeConfig): tf.Tensor3D {
  return tf.tidy(() => {
    const channels = pixelValues.shape[2];
    let frames: tf.Tensor5D = pixelValues;
    if (channels === 3) {
      const std = tf.tensor5d([...IMAGENET_DEFAULT_STD], [1, 1, 3, 1, 1]);
      const mean = tf.tensor5d([...IMAGENET_DEFAULT_MEAN], [1, 1, 3, 1, 1]);
      frames = tf.add(tf.mul(pixelValues, std), mean);
    }
    let cubes = toCubes(frames, config.tubelet_size, config.patch_size);
    const [b, tokens, n, c] = cubes.shape;
    if (config.norm_pix_loss) {
      const centred = tf.sub(cubes, tf.mean(cubes, 2, true));
      const variance = tf.div(tf.sum(tf.square(centred), 2, true), n - 1);
      cubes = tf.div(centred, tf.add(tf.sqrt(variance), NORM_PIX_EPS));
    }
    return tf.reshape(cubes, [b, tokens, n * c]) as tf.Tensor3D;
  });
}

/** Index of pixel (b, t, c, y, x) of a [B, T, C, H, W] array in token/cube coordinates, and back. */
function cubeWalker(
  shape: VideoShape,
  config: Pick<CubeConfig, 'tubelet_size' | 'patch_size'>,
): (visit: (pixel: number, token: number, withinCube: number) => void) => void {
  const [batch, frames, channels, height, width] = shape;
  const ts = config.tubelet_size;
  const p = config.patch_size;
  const hp = height / p;
  const wp = width / p;
  const tokens = (frames / ts) * hp * wp;
  const cubeSize = ts * p * p * channels;
  return (visit) => {
    let pixel = 0;
    for (let b = 0; b < batch; b++)
      for (let t = 0; t < frames; t++)
        for (let c = 0; c < channels; c++)
          for (let y = 0; y < height; y++)
            for (let x = 0; x < width; x++, pixel++) {
              const token =
                b * tokens + (Math.floor(t / ts) * hp + Math.floor(y / p)) * wp + Math.floor(x / p);
              const within = (((t % ts) * p + (y % p)) * p + (x % p)) * channels + c;
              visit(pixel, token * cubeSize, within);
            }
  };
}

/** Un-normalised frames: x * std + mean per channel for 3 channels (HF's rule), a copy otherwise. */
export function unnormalizeFrames(pixels: Float32Array, shape: VideoShape): Float32Array {
  const [, , channels, height, width] = shape;
  const out = Float32Array.from(pixels);
  if (channels !== 3) return out;
  const plane = height * width;
  for (let i = 0; i < out.length; i++) {
    const c = Math.floor(i / plane) % 3;
    out[i] = Math.fround(Math.fround(pixels[i]! * IMAGENET_DEFAULT_STD[c]!) + IMAGENET_DEFAULT_MEAN[c]!);
  }
  return out;
}

/** Per cube and channel: mean and (unbiased std + eps) of un-normalised frames, [B * tokens, C] each. */
function cubeStatistics(
  frames: Float32Array,
  shape: VideoShape,
  config: CubeConfig,
): { mean: Float64Array; scale: Float64Array } {
  const channels = shape[2];
  const n = config.tubelet_size * config.patch_size * config.patch_size;
  const cubes = frames.length / (n * channels);
  const sum = new Float64Array(cubes * channels);
  const sumSq = new Float64Array(cubes * channels);
  cubeWalker(
    shape,
    config,
  )((pixel, cubeStart, within) => {
    const slot = (cubeStart / (n * channels)) * channels + (within % channels);
    const v = frames[pixel]!;
    sum[slot] = sum[slot]! + v;
    sumSq[slot] = sumSq[slot]! + v * v;
  });
  const mean = new Float64Array(sum.length);
  const scale = new Float64Array(sum.length);
  for (let i = 0; i < sum.length; i++) {
    mean[i] = sum[i]! / n;
    const variance = Math.max(0, (sumSq[i]! - n * mean[i]! * mean[i]!) / (n - 1));
    scale[i] = Math.sqrt(variance) + NORM_PIX_EPS;
  }
  return { mean, scale };
}

export interface ReconstructionView {
  /** The clip un-normalised (ImageNet mean/std undone for 3 channels): [B, T, C, H, W], about [0, 1]. */
  original: Float32Array;
  /** `original` with every masked cube set to `fill`. */
  maskedInput: Float32Array;
  /** Visible cubes from the input, masked cubes from the prediction (un-normalised like `original`). */
  reconstruction: Float32Array;
}

/**
 * Frames for a reconstruction view, as VideoMAE's visualisation builds them: the prediction of each masked
 * cube ([B, num_masked, tubelet * patch * patch * C], masked cubes in increasing token order) is taken back to
 * pixels (with norm_pix_loss through the target cube's own mean and std, which the model never predicts);
 * visible cubes are copied from the input. `pixels` is what the model was given (normalised).
 */
export function reconstructionView(
  pixels: Float32Array,
  shape: VideoShape,
  mask: Uint8Array,
  prediction: Float32Array,
  config: CubeConfig,
  fill = 0.5,
): ReconstructionView {
  const [batch, frames, channels, height, width] = shape;
  const n = config.tubelet_size * config.patch_size * config.patch_size;
  const cubeSize = n * channels;
  const tokens = (frames / config.tubelet_size) * (height / config.patch_size) * (width / config.patch_size);
  if (pixels.length !== batch * frames * channels * height * width)
    throw new RangeError(
      `pixels has ${pixels.length} values, shape [${shape.join(', ')}] needs more or fewer`,
    );
  if (mask.length !== batch * tokens)
    throw new RangeError(`mask has ${mask.length} values, expected [${batch}, ${tokens}]`);
  // Where each masked token's prediction row starts (rows are per clip, in increasing token order).
  const rowOf = new Int32Array(batch * tokens).fill(-1);
  let rows = 0;
  for (let b = 0; b < batch; b++)
    for (let i = 0; i < tokens; i++) if (mask[b * tokens + i]) rowOf[b * tokens + i] = rows++;
  if (prediction.length !== rows * cubeSize) {
    throw new RangeError(
      `prediction has ${prediction.length} values, expected [${batch}, ${rows / batch}, ${cubeSize}] for this mask`,
    );
  }
  const original = unnormalizeFrames(pixels, shape);
  const maskedInput = Float32Array.from(original);
  const reconstruction = Float32Array.from(original);
  const stats = config.norm_pix_loss ? cubeStatistics(original, shape, config) : null;
  cubeWalker(
    shape,
    config,
  )((pixel, cubeStart, within) => {
    const token = cubeStart / cubeSize;
    const row = rowOf[token]!;
    if (row < 0) return;
    maskedInput[pixel] = fill;
    let value = prediction[row * cubeSize + within]!;
    if (stats) {
      const slot = token * channels + (within % channels);
      value = value * stats.scale[slot]! + stats.mean[slot]!;
    }
    reconstruction[pixel] = value;
  });
  return { original, maskedInput, reconstruction };
}

/** All cubes of a clip batch as plain values ([B, tokens, cube]), normalised as the target is: for tests and views. */
export function pixelTargetsArray(pixels: Float32Array, shape: VideoShape, config: CubeConfig): Float32Array {
  const channels = shape[2];
  const frames = unnormalizeFrames(pixels, shape);
  const out = new Float32Array(frames.length);
  const stats = config.norm_pix_loss ? cubeStatistics(frames, shape, config) : null;
  const cubeSize = config.tubelet_size * config.patch_size * config.patch_size * channels;
  cubeWalker(
    shape,
    config,
  )((pixel, cubeStart, within) => {
    let v = frames[pixel]!;
    if (stats) {
      const slot = (cubeStart / cubeSize) * channels + (within % channels);
      v = (v - stats.mean[slot]!) / stats.scale[slot]!;
    }
    out[cubeStart + within] = v;
  });
  return out;
}
