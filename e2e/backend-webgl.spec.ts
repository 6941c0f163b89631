/**
 * The backends that need WebGL: every backend's result checked against cpu in the worker, and the backend
 * setting in the URL (switching to webgl). On SwiftShader, since under lavapipe's flags Chromium offers no
 * WebGL (e2e/helpers/adapters.ts).
 */
import { test, expect } from './fixtures.ts';
import { ON_SWIFTSHADER } from './helpers/adapters.ts';
import { openDiagnostics } from './helpers/training.ts';

test.use(ON_SWIFTSHADER);

test('every backend computes the same small op in the worker, within 1e-4 of cpu', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-status', 'ready');
  await openDiagnostics(page);
  await page.getByRole('button', { name: 'Check every backend' }).click();
  const table = page.getByTestId('self-check-table');
  await expect(table).toBeVisible({ timeout: 90_000 });
  for (const backend of ['webgpu', 'wasm', 'webgl', 'cpu']) {
    const row = table.locator(`tr[data-backend="${backend}"]`);
    await expect(row).toHaveCount(1);
    const diff = Number(await row.getAttribute('data-max-diff'));
    expect(Number.isFinite(diff), `${backend} produced a result`).toBe(true);
    expect(diff, `${backend} vs cpu`).toBeLessThan(1e-4);
  }
  // The cpu row compares with itself; the others must have produced non-trivial values to compare.
  await expect(table.locator('tr[data-ok="true"]')).toHaveCount(4);
});

test('the backend setting lives in the URL and can be overridden', async ({ page }) => {
  await page.goto('/?backend=cpu');
  const badge = page.getByTestId('backend-badge');
  await expect(badge).toHaveAttribute('data-backend', 'cpu');
  await expect(page.getByTestId('backend-reason')).toHaveText('cpu chosen in settings');
  await page.getByTestId('backend-select').selectOption('webgl');
  await expect(badge).toHaveAttribute('data-backend', 'webgl');
  await expect.poll(() => new URL(page.url()).searchParams.get('backend')).toBe('webgl');
  await page.getByTestId('backend-select').selectOption('auto');
  await expect(badge).toHaveAttribute('data-backend', 'wasm');
  await expect.poll(() => new URL(page.url()).searchParams.has('backend')).toBe(false);
});
