/**
 * What one model input is made of (frames, geometry, normalisation) and how a clip's random choices are
 * drawn: from an Rng keyed by (seed, epoch, clip id), never by call order, so prefetching, concurrency and
 * anything else a run does (CutMix, say) cannot change which frames, crops and flips a clip gets.
 */
import { Rng } from '../util/rng.ts';
import type { ClipRecord } from './dataset-index.ts';
import {
  DEFAULT_NUM_FRAMES,
  DEFAULT_SAMPLE_RATE,
  sampleFrames,
  type TemporalSample,
  type TemporalSpec,
} from './sampling.ts';
import {
  IMAGENET_NORMALIZE,
  planSpatial,
  type NormalizeSpec,
  type SpatialMode,
  type SpatialPlan,
  type SpatialSpec,
} from './transforms.ts';

export interface ClipSpec {
  temporal: TemporalSpec;
  spatial: SpatialSpec;
  normalize: NormalizeSpec;
}

/** The model-side settings preprocessing depends on (HF VideoMAEConfig / VideoMAEImageProcessor). */
export interface PreprocessSettings {
  imageSize: number;
  numFrames: number;
  sampleRate: number;
  mean?: NormalizeSpec['mean'];
  std?: NormalizeSpec['std'];
  /** `window` (default): num_frames every sample_rate frames; `uniform`: num_frames spread over the clip. */
  temporal?: 'window' | 'uniform';
}

export const DEFAULT_PREPROCESS: PreprocessSettings = {
  imageSize: 224,
  numFrames: DEFAULT_NUM_FRAMES,
  sampleRate: DEFAULT_SAMPLE_RATE,
};

function normalizeOf(p: PreprocessSettings): NormalizeSpec {
  return { mean: p.mean ?? IMAGENET_NORMALIZE.mean, std: p.std ?? IMAGENET_NORMALIZE.std };
}

/** Random window, random short-side scale + crop + flip. */
export function trainClipSpec(p: PreprocessSettings): ClipSpec {
  return {
    temporal: {
      numFrames: p.numFrames,
      sampleRate: p.sampleRate,
      mode: p.temporal === 'uniform' ? 'uniform' : 'random',
    },
    spatial: { imageSize: p.imageSize, mode: 'train' },
    normalize: normalizeOf(p),
  };
}

/** Centre window, resize (the tutorial) or short side + centre crop (the image processor). */
export function evalClipSpec(
  p: PreprocessSettings,
  mode: Exclude<SpatialMode, 'train'> = 'eval-resize',
): ClipSpec {
  return {
    temporal: {
      numFrames: p.numFrames,
      sampleRate: p.sampleRate,
      mode: p.temporal === 'uniform' ? 'uniform' : 'center',
    },
    spatial: { imageSize: p.imageSize, mode },
    normalize: normalizeOf(p),
  };
}

/**
 * The working resolution's short side for a model input size: 256 at 224 (the bottom of the training
 * scale range, so crops lose almost nothing), proportionally otherwise; never below the input size.
 */
export function maxShortSideFor(imageSize: number): number {
  return Math.max(imageSize, Math.round((256 * imageSize) / 224));
}

export interface SampleInfo {
  indices: number[];
  padded: boolean;
  plan: SpatialPlan;
}

export function clipRng(seed: number | string, epoch: number, clipId: string): Rng {
  return new Rng(`${seed}/${epoch}/${clipId}`);
}

/** Temporal part of a clip's sample (the spatial part needs the working frame size, known after decoding). */
export function temporalSample(
  record: Pick<ClipRecord, 'id' | 'frameCount'>,
  spec: ClipSpec,
  seed: number | string,
  epoch: number,
): TemporalSample {
  return sampleFrames(record.frameCount, spec.temporal, clipRng(seed, epoch, record.id).fork('temporal'));
}

export function spatialPlan(
  record: Pick<ClipRecord, 'id'>,
  width: number,
  height: number,
  spec: ClipSpec,
  seed: number | string,
  epoch: number,
): SpatialPlan {
  return planSpatial(width, height, spec.spatial, clipRng(seed, epoch, record.id).fork('spatial'));
}
