import { test } from '../fixtures.ts';
import { ON_SWIFTSHADER } from '../helpers/adapters.ts';
import { expectModelParity, PARITY_REPOS } from '../helpers/model-parity.ts';

// WebGL is unavailable under lavapipe's flags (see ON_SWIFTSHADER): this file's browser runs on SwiftShader.
test.use(ON_SWIFTSHADER);

for (const repo of PARITY_REPOS) {
  test(`VideoMAE matches Hugging Face on webgl: ${repo}`, async ({ page }) => {
    test.setTimeout(300_000);
    await expectModelParity(page, 'webgl', repo);
  });
}
