/**
 * The README screenshot, made from the app itself: builds it, serves the build, loads the built-in sample,
 * presses "Train both" with the defaults and, once both runs have a few validation points, takes the part
 * of the page the app is for: the two runs training and the live comparison.
 *
 *   npx tsx scripts/screenshot.ts [out.png]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from '@playwright/test';
import { build, preview } from 'vite';
import { chromiumFlags } from '../playwright.config.ts';

const out = process.argv[2] ?? 'docs/screenshot.png';
/** Validation points each run has before the picture is taken (the sample evaluates once per epoch). */
const EVALUATIONS = 3;

const dist = mkdtempSync(join(tmpdir(), 'screenshot-build-'));
await build({ logLevel: 'warn', build: { outDir: dist, emptyOutDir: true } });
const server = await preview({
  logLevel: 'warn',
  build: { outDir: dist },
  preview: { host: '127.0.0.1', port: 4391, strictPort: false },
});
const browser = await chromium.launch({
  executablePath: process.env.CHROME_PATH ?? '/usr/bin/chromium',
  args: chromiumFlags(),
});
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1300 }, colorScheme: 'light' });
  await page.goto(server.resolvedUrls!.local[0]!);
  await page
    .getByTestId('backend-badge')
    .and(page.locator('[data-status="ready"]'))
    .waitFor({ timeout: 120_000 });
  await page.getByRole('button', { name: 'Try the sample dataset' }).click();
  await page.getByTestId('dataset-summary').waitFor({ timeout: 120_000 });
  await page.getByTestId('train-both').click();
  // Both curves far enough along to show the comparison (validation accuracy is drawn per epoch).
  await page.waitForFunction(
    (count) => {
      const chart = document.querySelector('[data-testid="chart-val-accuracy"]');
      return ['a', 'b'].every((run) => Number(chart?.getAttribute(`data-points-${run}`) ?? 0) >= count);
    },
    EVALUATIONS,
    { timeout: 15 * 60_000, polling: 2000 },
  );
  // From "Train both" down: the runs, their progress, and the charts.
  await page.locator('.train-bar').evaluate((bar) => bar.scrollIntoView({ block: 'start' }));
  // No chart tooltip in the picture.
  await page.mouse.move(0, 0);
  await page.waitForTimeout(500);
  await page.screenshot({ path: out });
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
  await server.close();
  rmSync(dist, { recursive: true, force: true });
}
