/**
 * The compute backend: which one the app picks here and why (by timing WebGPU against wasm, on lavapipe and
 * on SwiftShader) and a page that keeps answering while the worker computes. WebGL's checks are in
 * backend-webgl.spec.ts (they need SwiftShader).
 */
import { test, expect } from './fixtures.ts';
import { measuredFigures, withAdapterPage } from './helpers/backend.ts';
import { openDiagnostics } from './helpers/training.ts';

test.describe('on the lavapipe compatibility adapter', () => {
  test('auto times WebGPU against wasm, keeps wasm, says why, and reuses the timing next time', async ({
    playwright,
    baseURL,
  }) => {
    await withAdapterPage(playwright.chromium, 'lavapipe', baseURL, async (page) => {
      const badge = page.getByTestId('backend-badge');
      let started = Date.now();
      await page.goto('/');
      await expect(badge).toHaveAttribute('data-status', 'ready');
      const probedMs = Date.now() - started;
      // Not flagged as a fallback, and no vendor info: only a measurement can tell it is slower than wasm.
      await expect(badge).toHaveAttribute('data-fallback-adapter', 'false');
      await expect(badge).toHaveAttribute('data-measurement', 'measured');
      await expect(badge).toHaveAttribute('data-backend', 'wasm');
      await expect(badge).toContainText('compatibility-mode adapter, 128 MiB bindings, no vendor info');
      await expect(page.getByTestId('backend-reason')).toContainText(
        /^WebGPU adapter \(compatibility-mode adapter, 128 MiB bindings, no vendor info\): [\d.]+ GFLOP\/s measured vs wasm [\d.]+ GFLOP\/s — using wasm$/,
      );
      const first = await measuredFigures(page);
      expect(first.webgpu).toBeLessThan(first.wasm);
      await expect(page.getByTestId('adapter-info')).toContainText('compatibility-mode adapter');

      // A second visit reads the timing back instead of probing again: the very same figures, marked as such.
      started = Date.now();
      await page.reload();
      await expect(badge).toHaveAttribute('data-status', 'ready');
      // What the probe costs a first visit (reported, not asserted: timings belong in benchmarks).
      test.info().annotations.push({
        type: 'page-to-ready-ms',
        description: `probed ${probedMs}, from cache ${Date.now() - started}`,
      });
      await expect(badge).toHaveAttribute('data-measurement', 'cached');
      await expect(badge).toHaveAttribute('data-backend', 'wasm');
      await expect(page.getByTestId('backend-reason')).toContainText(
        '(timed earlier on this device) — using wasm',
      );
      expect(await measuredFigures(page)).toEqual(first);
    });
  });

  test('an explicit WebGPU choice runs on WebGPU, unmeasured', async ({ playwright, baseURL }) => {
    await withAdapterPage(playwright.chromium, 'lavapipe', baseURL, async (page) => {
      await page.goto('/?backend=webgpu');
      const badge = page.getByTestId('backend-badge');
      await expect(badge).toHaveAttribute('data-backend', 'webgpu');
      await expect(badge).toHaveAttribute('data-measurement', 'none');
      await expect(page.getByTestId('backend-reason')).toHaveText('webgpu chosen in settings');
      await openDiagnostics(page);
      await page.getByTestId('busy-work').click();
      await expect(page.getByTestId('busy-work-result')).toContainText(/matMuls .* on webgpu/, {
        timeout: 30_000,
      });
    });
  });
});

test('on SwiftShader, auto measures the flagged fallback adapter slower and picks wasm, saying why', async ({
  playwright,
  baseURL,
}) => {
  await withAdapterPage(playwright.chromium, 'swiftshader', baseURL, async (page) => {
    await page.goto('/');
    const badge = page.getByTestId('backend-badge');
    await expect(badge).toHaveAttribute('data-status', 'ready');
    await expect(badge).toHaveAttribute('data-fallback-adapter', 'true');
    await expect(badge).toHaveAttribute('data-measurement', 'measured');
    await expect(badge).toHaveAttribute('data-backend', 'wasm');
    await expect(badge).toContainText(/swiftshader/i);
    await expect(page.getByTestId('backend-reason')).toContainText(
      /swiftshader, software fallback\): [\d.]+ GFLOP\/s measured vs wasm [\d.]+ GFLOP\/s — using wasm$/,
    );
    const figures = await measuredFigures(page);
    expect(figures.webgpu).toBeLessThan(figures.wasm);
    await expect(page.getByTestId('backend-notice')).toBeVisible();
    await expect(page.getByRole('button', { name: 'Try the sample dataset' })).toBeVisible();
  });
});

test('the page keeps answering clicks while the worker computes', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-status', 'ready');
  await openDiagnostics(page);
  await page.getByTestId('busy-work').click();
  const status = page.getByTestId('busy-work-result');
  await expect(status).toHaveAttribute('data-running', 'true');
  const counter = page.getByTestId('click-counter');
  const latencies: number[] = [];
  for (let i = 1; i <= 5; i++) {
    const started = Date.now();
    await counter.click();
    await expect(counter).toHaveText(`Clicked ${i} ${i === 1 ? 'time' : 'times'}`, { timeout: 1000 });
    latencies.push(Date.now() - started);
    // The clicks must land while the worker is still busy, or they prove nothing.
    await expect(status).toHaveAttribute('data-running', 'true');
    await page.waitForTimeout(200);
  }
  expect(Math.max(...latencies)).toBeLessThan(500);
  await expect(status).toHaveAttribute('data-running', 'false', { timeout: 30_000 });
  await expect(status).toContainText(/matMuls .* on wasm/);
});

test('an invalid backend in the URL is reported and ignored', async ({ page }) => {
  await page.goto('/?backend=quantum');
  await expect(page.getByRole('alert')).toContainText('backend=quantum');
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', 'wasm');
});
