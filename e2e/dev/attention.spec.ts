import { test, expect } from '../fixtures.ts';
import { callHarness, openHarness } from '../harness/harness.ts';
import type { AttentionShape, ParityResult } from '../harness/suites/attention.ts';

/**
 * Fused WGSL attention against the stock tfjs ops on the webgpu backend (SwiftShader here: ~0.6 GFLOP/s,
 * so the shapes are small except N = 392, VideoMAE-small's token count at 8 frames of 112 x 112).
 */
const TOLERANCE = 1e-4;

const SHAPES: AttentionShape[] = [
  { batch: 1, heads: 1, tokens: 392, headDim: 64 },
  { batch: 1, heads: 2, tokens: 392, headDim: 32 },
  { batch: 2, heads: 3, tokens: 45, headDim: 64 },
  { batch: 1, heads: 2, tokens: 100, headDim: 96 },
  { batch: 3, heads: 1, tokens: 1, headDim: 32 },
  { batch: 1, heads: 16, tokens: 17, headDim: 16 },
  { batch: 1, heads: 1, tokens: 67, headDim: 128 },
  { batch: 1, heads: 2, tokens: 33, headDim: 40 },
  { batch: 2, heads: 2, tokens: 50, keyTokens: 77, headDim: 24 },
];

test.describe('fused attention on webgpu', () => {
  test.describe.configure({ timeout: 300_000 });

  test.beforeEach(async ({ page }) => {
    await openHarness(page, 'attention');
    expect(await callHarness<string>(page, 'useBackend', 'webgpu')).toBe('webgpu');
  });

  test('matches the stock ops: output and dq, dk, dv within 1e-4', async ({ page }) => {
    for (const shape of SHAPES) {
      const result = await callHarness<ParityResult>(page, 'attentionParity', shape);
      const label = JSON.stringify(shape);
      expect(result.finite, label).toBe(true);
      expect(result.selectedPath, label).toBe('fused');
      for (const name of ['out', 'dq', 'dk', 'dv'] as const) {
        expect(result.maxDiff[name], `${label} ${name}`).toBeLessThan(TOLERANCE);
        // The comparison means something only if the tensors are not all zero (with a single key the
        // softmax is constant, so dq and dk are exactly zero).
        const alwaysZero = (shape.keyTokens ?? shape.tokens) === 1 && (name === 'dq' || name === 'dk');
        if (!alwaysZero) expect(result.maxReference[name], `${label} ${name}`).toBeGreaterThan(0.05);
      }
    }
  });
});
