/** Browser tests that need the other software WebGPU adapter than the default one (playwright.config.ts). */
import { chromiumFlags } from '../../playwright.config.ts';

/**
 * For `test.use(...)`: Chromium on SwiftShader. What only it gives: WebGL. Under lavapipe's
 * `--use-angle=vulkan` Chromium meets llvmpipe, which its software-rendering list blocks, so WebGL is
 * unavailable (and `--ignore-gpu-blocklist` gives WebGL 1 only, besides changing video and compositing).
 */
export const ON_SWIFTSHADER = {
  launchOptions: {
    executablePath: process.env.CHROME_PATH ?? '/usr/bin/chromium',
    args: chromiumFlags('swiftshader'),
  },
};
