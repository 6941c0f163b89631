/**
 * Temporal sampling: which frames of a clip make one model input. Defaults follow the Hugging Face VideoMAE
 * fine-tuning tutorial: `num_frames` frames `sample_rate` apart from a window of `(num_frames - 1) *
 * sample_rate + 1` frames, the window placed at random for training and in the middle for evaluation.
 * Clips shorter than the window repeat their last frame. `uniform` spreads the frames over the whole clip
 * (pytorchvideo's UniformTemporalSubsample).
 *
 * Random windows start on multiples of `sample_rate`: then every training window of a clip uses frames from
 * one grid (0, s, 2s, ...), the decoded-frame cache holds 1/s of the clip instead of all of it, and a window
 * shifted by less than s frames (< 0.16 s at 25 fps, s = 4) is all the variety that is given up.
 */
import type { Rng } from '../util/rng.ts';

export type TemporalMode = 'random' | 'center' | 'uniform';

export interface TemporalSpec {
  numFrames: number;
  sampleRate: number;
  mode: TemporalMode;
}

export const DEFAULT_NUM_FRAMES = 16;
export const DEFAULT_SAMPLE_RATE = 4;

export interface TemporalSample {
  /** Frame indices in presentation order, one per output frame (repeats allowed). */
  indices: number[];
  /** True when the clip was shorter than the window and its last frame was repeated. */
  padded: boolean;
}

export class InvalidSamplingError extends Error {
  override name = 'InvalidSamplingError';
}

export function windowLength(spec: Pick<TemporalSpec, 'numFrames' | 'sampleRate'>): number {
  return (spec.numFrames - 1) * spec.sampleRate + 1;
}

function validate(frameCount: number, spec: TemporalSpec): void {
  if (!Number.isInteger(spec.numFrames) || spec.numFrames < 1) {
    throw new InvalidSamplingError(`num_frames must be a positive integer, got ${spec.numFrames}`);
  }
  if (!Number.isInteger(spec.sampleRate) || spec.sampleRate < 1) {
    throw new InvalidSamplingError(`sample_rate must be a positive integer, got ${spec.sampleRate}`);
  }
  if (!Number.isInteger(frameCount) || frameCount < 1) {
    throw new InvalidSamplingError(`a clip needs at least one frame, got ${frameCount}`);
  }
}

function strided(start: number, frameCount: number, spec: TemporalSpec): TemporalSample {
  const indices: number[] = [];
  let padded = false;
  for (let i = 0; i < spec.numFrames; i++) {
    const index = start + i * spec.sampleRate;
    if (index >= frameCount) padded = true;
    indices.push(Math.min(index, frameCount - 1));
  }
  return { indices, padded };
}

/** The sample of a mode that needs no randomness (centre, uniform, or a clip shorter than the window). */
function fixedSample(frameCount: number, spec: TemporalSpec): TemporalSample | null {
  const slack = frameCount - windowLength(spec);
  if (spec.mode === 'uniform') {
    const indices: number[] = [];
    for (let i = 0; i < spec.numFrames; i++) {
      const t = spec.numFrames === 1 ? 0 : (i * (frameCount - 1)) / (spec.numFrames - 1);
      indices.push(Math.min(frameCount - 1, Math.floor(t)));
    }
    return { indices, padded: frameCount < spec.numFrames };
  }
  if (slack < 0) return strided(0, frameCount, spec);
  if (spec.mode === 'center') return strided(Math.floor(slack / 2), frameCount, spec);
  return null;
}

/** Frames for one sample. `rng` is drawn from only in `random` mode on a clip longer than the window. */
export function sampleFrames(frameCount: number, spec: TemporalSpec, rng: Rng): TemporalSample {
  validate(frameCount, spec);
  const fixed = fixedSample(frameCount, spec);
  if (fixed) return fixed;
  const slack = frameCount - windowLength(spec);
  const start = spec.sampleRate * rng.int(0, Math.floor(slack / spec.sampleRate));
  return strided(start, frameCount, spec);
}

/** Every frame some sample of this spec can ask for: what the cache should hold for the clip. */
export function framesForAllSamples(frameCount: number, spec: TemporalSpec): number[] {
  validate(frameCount, spec);
  const fixed = fixedSample(frameCount, spec);
  if (fixed) return [...new Set(fixed.indices)].sort((a, b) => a - b);
  const slack = frameCount - windowLength(spec);
  const last = spec.sampleRate * Math.floor(slack / spec.sampleRate) + windowLength(spec) - 1;
  const out: number[] = [];
  for (let i = 0; i <= last; i += spec.sampleRate) out.push(i);
  return out;
}

/** Whether a clip of `frameCount` frames is shorter than one window of this spec. */
export function isShorterThanWindow(
  frameCount: number,
  spec: Pick<TemporalSpec, 'numFrames' | 'sampleRate'>,
) {
  return frameCount < windowLength(spec);
}
