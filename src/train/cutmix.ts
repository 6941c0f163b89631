/**
 * Applies a MixPlan to a batch of clips `[B, T, C, H, W]` (HF pixel_values layout) on any tfjs backend.
 *
 * Every sample's weight on its paired clip is the outer product of three small per-axis vectors
 * (frames x rows x columns): a box's indicator for CutMix, the constant 1 - lambda for Mixup, zero for an
 * unmixed clip. Only those vectors are built in JS (B * (T + H + W) numbers); the per-pixel work is two
 * multiplies and an add on the device, and nothing is read back. With 0/1 weights CutMix copies pixels
 * exactly (x * 1 + y * 0 = x).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { CutBox } from './cutmix-boxes.ts';
import { mixedTargets } from './losses.ts';
import { dominantIndex, type MixKind, type MixPlan } from './mix-plan.ts';

export interface MixedSample {
  index: number;
  pairedIndex: number;
  kind: MixKind;
  lam: number;
  box: CutBox | null;
  selfPaired: boolean;
  label: number;
  pairedLabel: number;
  /** The label the clip mostly shows: what accuracy on a mixed batch is measured against. */
  dominantLabel: number;
}

export interface MixResult {
  inputs: tf.Tensor5D;
  /** Soft targets lam * smooth(label) + (1 - lam) * smooth(paired label), `[B, numClasses]`. */
  targets: tf.Tensor2D;
  samples: MixedSample[];
}

export class MixShapeError extends Error {
  override name = 'MixShapeError';
}

/** Per-sample labels and the dominant label, without touching tensors (for metrics and the preview). */
export function describeMix(plan: MixPlan, labels: ArrayLike<number>): MixedSample[] {
  if (labels.length !== plan.samples.length) {
    throw new MixShapeError(`${labels.length} labels for a plan of ${plan.samples.length} clips`);
  }
  return plan.samples.map((sample) => ({
    ...sample,
    label: labels[sample.index]!,
    pairedLabel: labels[sample.pairedIndex]!,
    dominantLabel: labels[dominantIndex(sample)]!,
  }));
}

/** Fills one sample's row of an axis vector: 1 inside [lo, hi), 0 outside. */
function fillRange(row: Float32Array, lo: number, hi: number): void {
  row.fill(0);
  row.fill(1, lo, hi);
}

/** The three per-axis factors of each sample's weight on its paired clip. */
function pairWeightFactors(plan: MixPlan): { t: Float32Array; y: Float32Array; x: Float32Array } {
  const { frames, height, width } = plan.dims;
  const batch = plan.samples.length;
  const t = new Float32Array(batch * frames);
  const y = new Float32Array(batch * height).fill(1);
  const x = new Float32Array(batch * width).fill(1);
  for (const sample of plan.samples) {
    const b = sample.index;
    const tRow = t.subarray(b * frames, (b + 1) * frames);
    if (sample.kind === 'mixup') tRow.fill(1 - sample.lam);
    else if (sample.kind === 'cutmix' && sample.box) {
      fillRange(tRow, sample.box.t0, sample.box.t1);
      fillRange(y.subarray(b * height, (b + 1) * height), sample.box.y0, sample.box.y1);
      fillRange(x.subarray(b * width, (b + 1) * width), sample.box.x0, sample.box.x1);
    }
  }
  return { t, y, x };
}

/**
 * The batch in reverse order (clip i <- clip B - 1 - i). Reversed as a 2-D [B, rest] view: tfjs-backend-webgpu
 * 4.22's Reverse mishandles 5-D tensors ("Size must match the product of shape").
 */
function flipBatch(clips: tf.Tensor5D): tf.Tensor5D {
  return tf.tidy(() => tf.reshape(tf.reverse(tf.reshape(clips, [clips.shape[0], -1]), 0), clips.shape));
}

/**
 * Mixes `clips` as `plan` says and builds the soft targets. The caller owns the returned tensors and
 * keeps ownership of `clips`.
 */
export function applyMix(
  clips: tf.Tensor5D,
  labels: ArrayLike<number>,
  plan: MixPlan,
  numClasses: number,
  labelSmoothing = 0,
): MixResult {
  const [batch, frames, , height, width] = clips.shape;
  const { dims } = plan;
  if (
    batch !== plan.samples.length ||
    frames !== dims.frames ||
    height !== dims.height ||
    width !== dims.width
  ) {
    throw new MixShapeError(
      `clips [${clips.shape}] do not match the plan (${plan.samples.length} clips of ` +
        `${dims.frames}x${dims.height}x${dims.width})`,
    );
  }
  const samples = describeMix(plan, labels);
  const targets = mixedTargets(
    samples.map((s) => s.label),
    samples.map((s) => s.pairedLabel),
    samples.map((s) => s.lam),
    numClasses,
    labelSmoothing,
  );
  if (samples.every((s) => s.kind === 'none')) return { inputs: tf.clone(clips), targets, samples };
  const factors = pairWeightFactors(plan);
  const inputs = tf.tidy(() => {
    const pairWeight = tf.mul(
      tf.mul(tf.tensor(factors.t, [batch, frames, 1, 1, 1]), tf.tensor(factors.y, [batch, 1, 1, height, 1])),
      tf.tensor(factors.x, [batch, 1, 1, 1, width]),
    );
    const ownWeight = tf.sub(1, pairWeight);
    return tf.add(tf.mul(clips, ownWeight), tf.mul(flipBatch(clips), pairWeight)) as tf.Tensor5D;
  });
  return { inputs, targets, samples };
}

export interface MixPreview {
  /** The mixed clips, `[B, T, C, H, W]` row-major, as the model sees them. */
  frames: Float32Array;
  shape: [number, number, number, number, number];
  samples: MixedSample[];
}

/** The mixed batch read back for the UI (boxes, lambdas, both labels and the pixels). */
export async function previewMix(
  clips: tf.Tensor5D,
  labels: ArrayLike<number>,
  plan: MixPlan,
  numClasses: number,
): Promise<MixPreview> {
  const { inputs, targets, samples } = applyMix(clips, labels, plan, numClasses);
  try {
    const frames = Float32Array.from(await inputs.data());
    return { frames, shape: inputs.shape, samples };
  } finally {
    inputs.dispose();
    targets.dispose();
  }
}
