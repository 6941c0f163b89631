import { describe, expect, it } from 'vitest';
import { presetConfig } from './config.ts';
import { VideoMAEForVideoClassification } from './model.ts';
import { summarizeModel } from './summary.ts';

describe('summarizeModel', () => {
  it('reports VideoMAE-Base at 16x224: 1568 tokens, 86.2M parameters, ~180 GFLOPs per clip', () => {
    const base = presetConfig(
      'base',
      { num_frames: 16, image_size: 224 },
      Array.from({ length: 400 }, (_, i) => `c${i}`),
    );
    const s = summarizeModel(base, 4);
    expect(s.tokens).toBe(1568);
    expect(s.parameterCount).toBe(86_534_800);
    expect(s.parameterBytes).toBe(4 * 86_534_800);
    // The VideoMAE paper lists ViT-B at 180 GFLOPs (multiply-adds) per 16x224 clip.
    expect(s.forwardFlopsPerClip / 2 / 1e9).toBeGreaterThan(170);
    expect(s.forwardFlopsPerClip / 2 / 1e9).toBeLessThan(190);
    expect(s.trainingFlopsPerClip).toBe(3 * s.forwardFlopsPerClip);
    expect(s.activationBytesFusedAttention).toBeLessThan(s.activationBytes);
    expect(summarizeModel(base, 8).activationBytes).toBeCloseTo(2 * s.activationBytes, -6);
    expect(s.trainingBytes).toBeGreaterThan(4 * s.parameterBytes);
    expect(() => summarizeModel(base, 0)).toThrow(RangeError);
  });

  it('counts exactly the parameters a built model has', () => {
    const tiny = presetConfig('tiny', { num_frames: 4, image_size: 64 }, ['a', 'b', 'c']);
    const model = VideoMAEForVideoClassification.create(tiny, { seed: 1 });
    expect(summarizeModel(tiny, 1).parameterCount).toBe(model.parameterCount());
    model.dispose();
  });
});
