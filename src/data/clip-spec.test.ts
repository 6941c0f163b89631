import { describe, expect, it } from 'vitest';
import {
  DEFAULT_PREPROCESS,
  evalClipSpec,
  maxShortSideFor,
  spatialPlan,
  temporalSample,
  trainClipSpec,
} from './clip-spec.ts';

const clips = Array.from({ length: 20 }, (_, i) => ({ id: `train/A/clip${i}.mp4`, frameCount: 90 + i * 7 }));
const train = trainClipSpec(DEFAULT_PREPROCESS);

function draws(order: typeof clips, seed: number, epoch: number) {
  const out = new Map<string, unknown>();
  for (const c of order) {
    out.set(c.id, [temporalSample(c, train, seed, epoch), spatialPlan(c, 320, 240, train, seed, epoch)]);
  }
  return out;
}

describe('per-clip randomness', () => {
  it('depends on (seed, epoch, clip) only, not on call order', () => {
    const forward = draws(clips, 42, 3);
    const backward = draws([...clips].reverse(), 42, 3);
    for (const c of clips) expect(backward.get(c.id)).toEqual(forward.get(c.id));
    const nextEpoch = draws(clips, 42, 4);
    expect(
      clips.filter((c) => JSON.stringify(nextEpoch.get(c.id)) !== JSON.stringify(forward.get(c.id))).length,
    ).toBeGreaterThan(15);
  });

  it('keeps crops and flips when the temporal settings change (independent streams)', () => {
    const other = trainClipSpec({ ...DEFAULT_PREPROCESS, numFrames: 8, sampleRate: 2 });
    for (const c of clips)
      expect(spatialPlan(c, 320, 240, other, 1, 0)).toEqual(spatialPlan(c, 320, 240, train, 1, 0));
  });

  it('builds train and eval specs from model settings', () => {
    expect(train.temporal.mode).toBe('random');
    expect(train.spatial).toEqual({ imageSize: 224, mode: 'train' });
    expect(evalClipSpec(DEFAULT_PREPROCESS).temporal.mode).toBe('center');
    expect(evalClipSpec(DEFAULT_PREPROCESS, 'eval-crop').spatial.mode).toBe('eval-crop');
    expect(evalClipSpec({ ...DEFAULT_PREPROCESS, temporal: 'uniform' }).temporal.mode).toBe('uniform');
    expect(
      trainClipSpec({ ...DEFAULT_PREPROCESS, mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] }).normalize.mean,
    ).toEqual([0.5, 0.5, 0.5]);
    expect([maxShortSideFor(224), maxShortSideFor(112), maxShortSideFor(64)]).toEqual([256, 128, 73]);
  });
});
