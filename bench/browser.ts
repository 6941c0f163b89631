/**
 * Runs code in headless Chromium for benchmarks: starts the Vite dev server on a free port, opens the test
 * harness page (e2e/harness) with one suite loaded, and hands the page to the caller.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from '@playwright/test';
import { createServer } from 'vite';
import { chromiumFlags, type SoftwareAdapter } from '../playwright.config.ts';
import { callHarness, openHarness } from '../e2e/harness/harness.ts';

export { callHarness };

export interface HarnessOptions {
  /**
   * A normal on-disk browser profile instead of an incognito-like context. Storage then behaves as for a
   * user (OPFS writes hit the disk directly instead of crossing to the browser process).
   */
  persistentProfile?: boolean;
  /** Which software WebGPU adapter Chromium gets on a machine without a GPU (default: lavapipe). */
  adapter?: SoftwareAdapter;
}

/** `--adapter swiftshader|lavapipe` from a benchmark's arguments. */
export function adapterArg(value: string | true | undefined): SoftwareAdapter | undefined {
  if (value === undefined) return undefined;
  if (value === 'lavapipe' || value === 'swiftshader') return value;
  throw new Error(`--adapter must be lavapipe or swiftshader, not ${String(value)}`);
}

export async function withHarnessPage<T>(
  suite: string,
  fn: (page: Page) => Promise<T>,
  options: HarnessOptions = {},
): Promise<T> {
  // No HMR: an edit in the checkout during a long benchmark must not reload the page under it.
  const server = await createServer({
    server: { port: 0, host: '127.0.0.1', hmr: false, watch: null },
    logLevel: 'warn',
  });
  await server.listen();
  const address = server.httpServer?.address();
  if (!address || typeof address === 'string') throw new Error('vite dev server has no port');
  const baseURL = `http://127.0.0.1:${address.port}`;
  const launch = {
    executablePath: process.env.CHROME_PATH ?? '/usr/bin/chromium',
    args: chromiumFlags(options.adapter),
  };
  const profile = options.persistentProfile ? mkdtempSync(join(tmpdir(), 'bench-profile-')) : null;
  const context = profile
    ? await chromium.launchPersistentContext(profile, { ...launch, baseURL })
    : await (await chromium.launch(launch)).newContext({ baseURL });
  try {
    const page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error' || /WGSL|Invalid/.test(message.text())) {
        console.error(`[browser ${message.type()}] ${message.text()}`);
      }
    });
    await openHarness(page, suite);
    return await fn(page);
  } finally {
    const browser = context.browser();
    await context.close();
    await browser?.close();
    await server.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  }
}

/** What the harness page reports about the browser and adapter, for every benchmark's JSON. */
export async function describeBrowser(page: Page): Promise<{ userAgent: string; adapter: unknown }> {
  return page.evaluate(async () => {
    const adapter = await navigator.gpu?.requestAdapter();
    const info = adapter?.info as (GPUAdapterInfo & { isFallbackAdapter?: boolean }) | undefined;
    return {
      userAgent: navigator.userAgent,
      adapter:
        adapter && info
          ? {
              vendor: info.vendor,
              architecture: info.architecture,
              description: info.description,
              device: info.device,
              isFallbackAdapter: Boolean(info.isFallbackAdapter),
              // Lavapipe's compatibility adapter has empty info: its limits and features are what tell it apart.
              features: [...adapter.features].sort(),
              maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
              maxStorageBuffersPerShaderStage: adapter.limits.maxStorageBuffersPerShaderStage,
              compatibilityMode: !adapter.features.has('core-features-and-limits'),
            }
          : null,
    };
  });
}
