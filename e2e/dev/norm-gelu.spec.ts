import { test, expect } from '../fixtures.ts';
import { callHarness, openHarness } from '../harness/harness.ts';
import type { OpParity } from '../harness/suites/norm-gelu.ts';

function expectClose(result: OpParity, label: string, tolerance: number): void {
  expect(result.fused, `${label} ran the fused programs`).toBe(true);
  for (const [name, diff] of Object.entries(result.maxDiff)) {
    expect(result.maxReference[name], `${label} ${name} is not all zero`).toBeGreaterThan(0.01);
    expect(diff, `${label} ${name}`).toBeLessThan(tolerance * Math.max(1, result.maxReference[name]!));
  }
}

test('fused LayerNorm and bias + GELU match the composed ops on webgpu, values and gradients', async ({
  page,
}) => {
  test.setTimeout(180_000);
  await openHarness(page, 'norm-gelu');
  expect(await callHarness<string>(page, 'useBackend', 'webgpu')).toBe('webgpu');
  // VideoMAE widths (384, 768) with its eps 1e-12 and PyTorch's default 1e-5; an odd width; one row of one.
  for (const [shape, epsilon] of [
    [[2, 50, 384], 1e-12],
    [[1, 196, 768], 1e-5],
    [[3, 7, 45], 1e-12],
    [[4, 1], 1e-5],
  ] as [number[], number][]) {
    const result = await callHarness<OpParity>(page, 'layerNormParity', shape, epsilon);
    if (shape[shape.length - 1] === 1) {
      // A single column normalises to 0: y = beta, and dx, dgamma vanish.
      expect(result.fused).toBe(true);
      expect(result.maxDiff.y!).toBeLessThan(1e-6);
      continue;
    }
    expectClose(result, `layerNorm ${JSON.stringify(shape)} eps=${epsilon}`, 1e-4);
  }
  for (const shape of [
    [2, 20, 1536],
    [3, 5, 7],
  ]) {
    expectClose(
      await callHarness<OpParity>(page, 'biasGeluParity', shape),
      `biasGelu ${JSON.stringify(shape)}`,
      1e-5,
    );
  }
});
