import { defineConfig } from '@playwright/test';

/**
 * Browser tests drive the system Chromium (never a downloaded one): `CHROME_PATH` overrides it, e.g. for
 * Google Chrome. `--enable-unsafe-webgpu` is what gives headless Chromium a WebGPU adapter (SwiftShader on a
 * machine without a GPU). Most tests run against the production build served by `vite preview`; a smoke
 * test also covers the dev server.
 */
export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/**
 * Mesa's lavapipe (Debian `mesa-vulkan-drivers`) under ANGLE, reached through Dawn's OpenGL ES backend: a
 * compatibility-mode WebGPU adapter 8-16x faster than SwiftShader on a CPU, so WebGPU can be tested at size.
 * Without `--force-webgpu-compat` Chromium picks SwiftShader again; without `--use-angle=vulkan` the GLES
 * adapter sits on SwiftShader. Limits differ from a GPU's: 128 MiB per storage binding, 8 storage buffers per
 * stage, no timestamp queries, empty `adapter.info`.
 */
export const LAVAPIPE_WEBGPU_FLAGS = [
  '--use-angle=vulkan',
  '--use-webgpu-adapter=opengles',
  '--force-webgpu-compat',
];

/** The software WebGPU adapters a CPU-only machine can give headless Chromium. */
export type SoftwareAdapter = 'lavapipe' | 'swiftshader';

/** Launch flags for one of the software adapters (`E2E_WEBGPU_ADAPTER` picks the default). */
export function chromiumFlags(
  adapter: SoftwareAdapter = process.env.E2E_WEBGPU_ADAPTER === 'swiftshader' ? 'swiftshader' : 'lavapipe',
): string[] {
  return adapter === 'lavapipe' ? [...CHROMIUM_FLAGS, ...LAVAPIPE_WEBGPU_FLAGS] : [...CHROMIUM_FLAGS];
}

// Ports can be moved (e.g. two checkouts testing at once); a server already on a port is never reused, so a
// test can never run against another checkout's code.
export const PREVIEW_PORT = Number(process.env.E2E_PREVIEW_PORT ?? 4173);
export const DEV_PORT = Number(process.env.E2E_DEV_PORT ?? 5173);
export const FAKE_HUB_PORT = Number(process.env.FAKE_HUB_PORT ?? 4180);
/** Where browser tests find the local Hugging Face Hub stand-in (scripts/fake-hub.ts). */
export const FAKE_HUB_URL = `http://127.0.0.1:${FAKE_HUB_PORT}`;

export default defineConfig({
  testDir: 'e2e',
  // Two cores: SwiftShader, decoders and the app compete for them.
  workers: 1,
  fullyParallel: false,
  timeout: 120_000,
  expect: { timeout: 30_000 },
  forbidOnly: Boolean(process.env.CI),
  reporter: [['list'], ['html', { open: 'never', outputFolder: 'playwright-report' }]],
  outputDir: 'test-results',
  use: {
    browserName: 'chromium',
    headless: true,
    viewport: { width: 1400, height: 900 },
    launchOptions: {
      executablePath: process.env.CHROME_PATH ?? '/usr/bin/chromium',
      // Every browser test gets the lavapipe adapter, so WebGPU is tested at size; E2E_WEBGPU_ADAPTER=swiftshader
      // switches back.
      args: chromiumFlags(),
    },
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
  },
  projects: [
    {
      // The app as users get it: the production build.
      name: 'preview',
      testIgnore: /[\\/]dev[\\/]/,
      use: { baseURL: `http://127.0.0.1:${PREVIEW_PORT}` },
    },
    {
      // The dev server: its own smoke test, and the harness page (e2e/harness) for module-level tests.
      name: 'dev',
      testMatch: /[\\/]dev[\\/].*\.spec\.ts$/,
      use: { baseURL: `http://127.0.0.1:${DEV_PORT}` },
    },
  ],
  webServer: [
    {
      // `npm run test:e2e` builds first; here we only serve the built bundle.
      command: `npx vite preview --host 127.0.0.1 --port ${PREVIEW_PORT} --strictPort`,
      url: `http://127.0.0.1:${PREVIEW_PORT}`,
      reuseExistingServer: false,
      timeout: 60_000,
    },
    {
      command: `npx vite --host 127.0.0.1 --port ${DEV_PORT} --strictPort`,
      url: `http://127.0.0.1:${DEV_PORT}`,
      reuseExistingServer: false,
      timeout: 120_000,
    },
    {
      command: `npx tsx scripts/fake-hub.ts --port ${FAKE_HUB_PORT}`,
      url: `${FAKE_HUB_URL}/fixtures/tiny_cls_meanpool/resolve/main/config.json`,
      reuseExistingServer: false,
      timeout: 60_000,
    },
  ],
});
