import { test, expect } from '../fixtures.ts';

test('the dev server serves the app and its worker', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'VideoMAE CutMix Playground' })).toBeVisible();
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-status', 'ready', {
    timeout: 90_000,
  });
});
