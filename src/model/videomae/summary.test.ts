import { describe, expect, it } from 'vitest';
import { INPUT_CHOICES, PRESETS, presetConfig, type PresetName } from './config.ts';
import { VideoMAEForVideoClassification } from './model.ts';
import { bindingProblem, largestTensor, summarizeModel } from './summary.ts';

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

/** Mesa lavapipe's compatibility adapter: 128 MiB per storage binding. */
const LAVAPIPE_BINDING = 128 * 2 ** 20;

describe('largestTensor and bindingProblem', () => {
  const base = presetConfig('base', { num_frames: 16, image_size: 224 }, ['a', 'b']);

  it('at ViT-B 16x224 the stock scores are 118 MB per clip: batch 1 fits 128 MiB, batch 2 does not', () => {
    expect(largestTensor(base, 1, false)).toEqual({
      name: 'attention scores',
      shape: [1, 12, 1568, 1568],
      bytes: 4 * 12 * 1568 * 1568,
    });
    expect(bindingProblem(base, 1, false, LAVAPIPE_BINDING)).toBeNull();
    expect(bindingProblem(base, 2, false, LAVAPIPE_BINDING)).toBe(
      'at batch 2, the attention scores [2 × 12 × 1568 × 1568] (236 MB) exceed this GPU’s storage binding limit ' +
        'of 128 MiB (maxStorageBufferBindingSize) (fused attention would avoid them, but it cannot run on this ' +
        'device): use a smaller batch or input size',
    );
  });

  it('fused attention keeps ViT-B within the binding up to batch 6, where the MLP activations are largest', () => {
    expect(largestTensor(base, 1, true).name).toBe('MLP hidden activations');
    expect(bindingProblem(base, 2, true, LAVAPIPE_BINDING)).toBeNull();
    expect(bindingProblem(base, 6, true, LAVAPIPE_BINDING)).toBeNull();
    expect(bindingProblem(base, 7, true, LAVAPIPE_BINDING)).toMatch(
      /^at batch 7, the MLP hidden activations \[7 × 1568 × 3072\] \(135 MB\) exceed .* 128 MiB .* with fused attention or without/,
    );
  });

  it('every preset and input the app offers either fits or names the tensor and the limit', () => {
    for (const preset of Object.keys(PRESETS) as PresetName[]) {
      for (const input of INPUT_CHOICES) {
        const config = presetConfig(preset, input, ['a', 'b']);
        // Batch 1 fits everywhere with the fused kernel: the app can always train, if slowly.
        expect(
          bindingProblem(config, 1, true, LAVAPIPE_BINDING),
          `${preset} ${JSON.stringify(input)}`,
        ).toBeNull();
        for (const batch of [2, 4, 8, 16, 32, 64]) {
          const tensor = largestTensor(config, batch, true);
          const problem = bindingProblem(config, batch, true, LAVAPIPE_BINDING);
          if (tensor.bytes <= LAVAPIPE_BINDING) expect(problem).toBeNull();
          else {
            expect(problem).toContain(tensor.name);
            expect(problem).toContain('128 MiB (maxStorageBufferBindingSize)');
          }
        }
      }
    }
  });
});
