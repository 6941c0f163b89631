/**
 * Takes the README screenshot from a running app (`npm run preview` or `npm run dev`):
 *   npx tsx scripts/screenshot.ts [url] [out.png]
 * It loads the sample dataset first so the picture shows the app in use.
 */
import { chromium } from '@playwright/test';
import { CHROMIUM_FLAGS } from '../playwright.config.ts';

const url = process.argv[2] ?? 'http://127.0.0.1:4173/';
const out = process.argv[3] ?? 'docs/screenshot.png';

const browser = await chromium.launch({
  executablePath: process.env.CHROME_PATH ?? '/usr/bin/chromium',
  args: CHROMIUM_FLAGS,
});
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 }, colorScheme: 'light' });
  await page.goto(url);
  await page
    .getByTestId('backend-badge')
    .and(page.locator('[data-status="ready"]'))
    .waitFor({ timeout: 60_000 });
  await page.getByRole('button', { name: 'Try the sample dataset' }).click();
  await page.getByTestId('dataset-summary').waitFor({ timeout: 60_000 });
  await page.screenshot({ path: out, fullPage: true });
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
}
