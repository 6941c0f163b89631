import { test, expect } from '../fixtures.ts';
import { callHarness, openHarness } from '../harness/harness.ts';

test('fused WGSL GELU matches the composed ops on webgpu, values and gradients', async ({ page }) => {
  await openHarness(page, 'backends');
  expect(await callHarness<string>(page, 'useBackend', 'webgpu')).toBe('webgpu');
  const xs = Array.from({ length: 1000 }, (_, i) => -8 + i * 0.016);
  const result = await callHarness<{ maxValueDiff: number; maxGradDiff: number }>(page, 'geluParity', xs);
  expect(result.maxValueDiff).toBeLessThan(1e-5);
  expect(result.maxGradDiff).toBeLessThan(1e-5);
});
