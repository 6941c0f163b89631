/**
 * The page for everyone: every control labelled, reachable from the keyboard, readable at 1280 px and in dark
 * mode, and no serious or critical axe violation in the main states of the page.
 */
import type { Page } from '@playwright/test';
import { metricsToJson } from '../src/store/metrics-file.ts';
import { expect, test } from './fixtures.ts';
import { expectNoSeriousViolations } from './helpers/axe.ts';
import { earlierExport, importMetrics } from './helpers/metrics.ts';
import { run, screenshot } from './helpers/page.ts';

test('every control has a label, the page fits 1280 px, and it reads in dark mode', async ({
  page,
}, testInfo) => {
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto('/');
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-status', 'ready');
  await page.getByTestId('model-source').getByRole('radio', { name: 'Hub checkpoint' }).check();
  await page.getByTestId('advanced-A').locator('summary').click();
  await page.getByTestId('pretrain-stage').locator(':scope > summary').click();
  const unlabelled = await page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>('input, select, button, textarea')]
      .filter((el) => {
        if (el.closest('.recharts-wrapper')) return false;
        const control = el as HTMLInputElement;
        const labelled =
          (control.labels?.length ?? 0) > 0 ||
          el.getAttribute('aria-label') ||
          el.getAttribute('aria-labelledby') ||
          (el.tagName === 'BUTTON' && el.textContent?.trim());
        return !labelled;
      })
      .map((el) => el.outerHTML.slice(0, 120)),
  );
  expect(unlabelled).toEqual([]);
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1280);

  // Keyboard: the disclosure opens with Enter, and its settings are reachable with Tab.
  const summary = page.getByTestId('advanced-B').locator('summary');
  await summary.focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('advanced-B')).toHaveAttribute('open', '');
  await page.keyboard.press('Tab');
  await expect(run(page, 'B').getByLabel('LR scaling')).toBeFocused();
  await page.keyboard.press('ArrowDown');
  await expect.poll(() => new URL(page.url()).searchParams.get('b.lrScaling')).toBe('batch/256');
  await screenshot(page, testInfo, 'light-1280');

  await page.getByTestId('theme').selectOption('dark');
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  const text = await page.evaluate(() => getComputedStyle(document.querySelector('h1')!).color);
  const luminance = (css: string) => {
    const [r, g, b] = css.match(/\d+/g)!.map(Number);
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
  };
  expect(luminance(background)).toBeLessThan(40);
  expect(luminance(text)).toBeGreaterThan(200);
  await screenshot(page, testInfo, 'dark-1280');
  await page.getByTestId('theme').selectOption('auto');
  await page.emulateMedia({ colorScheme: 'dark' });
  expect(luminance(await page.evaluate(() => getComputedStyle(document.body).backgroundColor))).toBeLessThan(
    40,
  );
});

async function openPage(page: Page): Promise<void> {
  await page.goto('/');
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-status', 'ready');
}

async function loadSample(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Try the sample dataset' }).click();
  await expect(page.getByTestId('dataset-summary')).toBeVisible();
}

async function importEarlierRuns(page: Page): Promise<void> {
  await importMetrics(page, 'earlier.json', metricsToJson(earlierExport()));
  await expect(page.getByTestId('legend-imported')).toContainText('A from earlier.json');
}

test('axe finds no serious or critical violation on the first screen', async ({ page }) => {
  await openPage(page);
  await expectNoSeriousViolations(page, 'the page as it opens');
});

test('axe finds no serious or critical violation with the sample dataset loaded', async ({ page }) => {
  await openPage(page);
  await loadSample(page);
  await expectNoSeriousViolations(page, 'the page with the sample dataset');
});

test('axe finds no serious or critical violation with the Pretrain stage open', async ({ page }) => {
  await openPage(page);
  await loadSample(page);
  await page.getByTestId('pretrain-stage').locator(':scope > summary').click();
  await expect(page.getByTestId('pretrain-settings')).toBeVisible();
  await expectNoSeriousViolations(page, 'the page with the Pretrain stage open');
});

test('axe finds no serious or critical violation with an imported metrics file on the charts', async ({
  page,
}) => {
  await openPage(page);
  await importEarlierRuns(page);
  await expectNoSeriousViolations(page, 'the page with an imported metrics file');
});

test('axe finds no serious or critical violation in dark mode', async ({ page }) => {
  await openPage(page);
  await loadSample(page);
  await importEarlierRuns(page);
  await page.getByTestId('theme').selectOption('dark');
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await expectNoSeriousViolations(page, 'the page in dark mode, with the sample and an imported file');
});
