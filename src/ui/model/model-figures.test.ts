import { describe, expect, it } from 'vitest';
import { countParameters, presetConfig, trainingActivationBytes } from '../../store/domain.ts';
import { figuresFromConfig, figuresFromCost } from './model-figures.ts';

describe('model figures', () => {
  const config = presetConfig('small', { num_frames: 16, image_size: 224 }, ['a', 'b', 'c']);

  it('adds weights, gradients and Adam moments to the activations of each batch size', () => {
    const figures = figuresFromConfig(config, { A: 8, B: 2 });
    const params = countParameters(config);
    expect(figures.parameters).toBe(params);
    expect(figures.tokens).toBe(8 * 14 * 14);
    expect(figures.stateBytes).toBe(16 * params);
    expect(figures.runBytes.A).toBe(16 * params + trainingActivationBytes(config, 8));
    expect(figures.runBytes.B).toBe(16 * params + trainingActivationBytes(config, 2));
    expect(figures.bothBytes).toBe(32 * params + trainingActivationBytes(config, 8));
    expect(figures.activationBytes.A.fused).toBeLessThan(figures.activationBytes.A.stock);
  });

  it("scales the engine's per-clip activation figure by the batch size", () => {
    const figures = figuresFromCost(
      {
        parameters: 1000,
        forwardFlopsPerClip: 5e9,
        activationBytesPerClip: { stock: 300, fused: 100 },
        largestTensorBytesPerClip: { stock: 200, fused: 50 },
        largestTensorNamePerClip: { stock: 'attention scores', fused: 'MLP hidden activations' },
        tokens: 1568,
      },
      { A: 4, B: 8 },
    );
    expect(figures.activationBytes).toEqual({
      A: { stock: 1200, fused: 400 },
      B: { stock: 2400, fused: 800 },
    });
    expect(figures.bothBytes).toBe(2 * 16_000 + 2400);
  });
});
