import { describe, expect, it } from 'vitest';
import { Rng } from '../util/rng.ts';
import {
  framesForAllSamples,
  InvalidSamplingError,
  sampleFrames,
  windowLength,
  type TemporalSpec,
} from './sampling.ts';

const TRAIN: TemporalSpec = { numFrames: 16, sampleRate: 4, mode: 'random' };
const EVAL: TemporalSpec = { ...TRAIN, mode: 'center' };

describe('temporal sampling', () => {
  it('takes num_frames frames sample_rate apart', () => {
    expect(windowLength(TRAIN)).toBe(61);
    const { indices, padded } = sampleFrames(100, EVAL, new Rng(1));
    // slack 39: the centre window starts at 19.
    expect(indices).toEqual(Array.from({ length: 16 }, (_, i) => 19 + 4 * i));
    expect(padded).toBe(false);
  });

  it('places random windows anywhere on the stride grid, reproducibly per seed', () => {
    const starts = new Set<number>();
    for (let s = 0; s < 400; s++) {
      const { indices } = sampleFrames(100, TRAIN, new Rng(`clip/${s}`));
      expect(indices[0]! % 4).toBe(0);
      expect(indices[15]).toBeLessThan(100);
      expect(indices.slice(1).map((v, i) => v - indices[i]!)).toEqual(Array(15).fill(4));
      starts.add(indices[0]!);
    }
    // slack 39 -> starts 0, 4, ..., 36: all ten are reachable.
    expect([...starts].sort((a, b) => a - b)).toEqual([0, 4, 8, 12, 16, 20, 24, 28, 32, 36]);
    expect(sampleFrames(100, TRAIN, new Rng(5)).indices).toEqual(
      sampleFrames(100, TRAIN, new Rng(5)).indices,
    );
  });

  it('repeats the last frame of a clip shorter than the window', () => {
    for (const mode of ['random', 'center'] as const) {
      const { indices, padded } = sampleFrames(10, { ...TRAIN, mode }, new Rng(2));
      expect(indices).toEqual([0, 4, 8, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9]);
      expect(padded).toBe(true);
    }
  });

  it('uniform mode spreads frames over the whole clip (pytorchvideo linspace, truncated)', () => {
    const { indices } = sampleFrames(186, { ...TRAIN, mode: 'uniform' }, new Rng(1));
    expect(indices[0]).toBe(0);
    expect(indices[15]).toBe(185);
    expect(indices[1]).toBe(Math.floor(185 / 15));
    expect(sampleFrames(5, { numFrames: 8, sampleRate: 1, mode: 'uniform' }, new Rng(1)).indices).toEqual([
      0, 0, 1, 1, 2, 2, 3, 4,
    ]);
  });

  it('lists every frame a spec can ask for: the grid for random windows, one window otherwise', () => {
    expect(framesForAllSamples(100, TRAIN)).toEqual(Array.from({ length: 25 }, (_, i) => 4 * i));
    expect(framesForAllSamples(100, EVAL)).toEqual(sampleFrames(100, EVAL, new Rng(0)).indices);
    expect(framesForAllSamples(10, TRAIN)).toEqual([0, 4, 8, 9]);
    // Every random sample's frames are on the list.
    const all = new Set(framesForAllSamples(97, TRAIN));
    for (let s = 0; s < 100; s++) {
      for (const i of sampleFrames(97, TRAIN, new Rng(s)).indices) expect(all.has(i)).toBe(true);
    }
  });

  it('rejects invalid specs', () => {
    expect(() => sampleFrames(10, { ...TRAIN, numFrames: 0 }, new Rng(1))).toThrow(InvalidSamplingError);
    expect(() => sampleFrames(10, { ...TRAIN, sampleRate: 1.5 }, new Rng(1))).toThrow(InvalidSamplingError);
    expect(() => sampleFrames(0, TRAIN, new Rng(1))).toThrow(InvalidSamplingError);
  });
});
