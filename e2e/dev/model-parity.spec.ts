import { test, expect } from '../fixtures.ts';
import { expectModelParity, PARITY_REPOS } from '../helpers/model-parity.ts';

test('there is a classifier fixture to check', () => {
  expect(PARITY_REPOS.length).toBeGreaterThan(0);
});

// WebGPU on the default adapter (lavapipe); WebGL, which only SwiftShader has, in model-parity-webgl.spec.ts.
for (const backend of ['wasm', 'webgpu'] as const) {
  for (const repo of PARITY_REPOS) {
    test(`VideoMAE matches Hugging Face on ${backend}: ${repo}`, async ({ page }) => {
      test.setTimeout(300_000);
      await expectModelParity(page, backend, repo);
    });
  }
}
