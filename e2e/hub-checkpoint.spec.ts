/**
 * A pretrained checkpoint from the Hub (the local stand-in, scripts/fake-hub.ts): it loads with progress and
 * a report of its keys, and a wrong repository or revision is explained.
 */
import { FAKE_HUB_URL } from '../playwright.config.ts';
import { expect, test } from './fixtures.ts';
import { run, screenshot } from './helpers/page.ts';

test('a Hub checkpoint loads with progress and a key report; a wrong repo or revision is explained', async ({
  page,
}, testInfo) => {
  const hub = encodeURIComponent(FAKE_HUB_URL);
  await page.goto(`/?model=hub&repo=fixtures/tiny_cls_meanpool&hubUrl=${hub}`);
  await page.getByRole('button', { name: 'Try the sample dataset' }).click();
  await expect(page.getByTestId('dataset-summary')).toBeVisible({ timeout: 120_000 });
  // The fixture is small: record the progress element even if it shows only briefly.
  await page.evaluate(() => {
    const observer = new MutationObserver(() => {
      if (document.querySelector('[data-testid="model-progress"]'))
        (window as unknown as { sawProgress: boolean }).sawProgress = true;
    });
    observer.observe(document.body, { childList: true, subtree: true });
  });
  // A pretrained checkpoint starts from the write-up's recipe, and the preset picker says why.
  await expect(run(page, 'A').getByLabel('Training preset')).toHaveValue('write-up');
  await expect(run(page, 'B').getByLabel('Training preset')).toHaveValue('write-up');
  await expect(page.getByTestId('recipe-note-A')).toHaveAttribute('data-fits', 'true');
  await expect(page.getByTestId('recipe-note-A')).toContainText('pretrained checkpoint');
  await page.getByRole('button', { name: 'Load checkpoint' }).click();
  await expect(page.getByTestId('key-report')).toBeVisible({ timeout: 60_000 });
  expect(await page.evaluate(() => (window as unknown as { sawProgress?: boolean }).sawProgress)).toBe(true);
  // The fixture has five labels; the dataset's six replace its classifier, and the report says so.
  await expect(page.getByTestId('key-report')).toContainText('classifier');
  await expect(page.getByTestId('model-parameters')).toHaveAttribute('data-value', /^\d+$/);
  await screenshot(page, testInfo, 'hub-loaded');

  await page.getByLabel('Repository').fill('fixtures/no-such-model');
  await page.getByRole('button', { name: 'Load checkpoint' }).click();
  const error = page.getByTestId('model-error');
  await expect(error).toHaveAttribute('data-error-name', 'HubRepoNotFoundError');
  await expect(error).toContainText('fixtures/no-such-model');

  await page.getByLabel('Repository').fill('fixtures/tiny_cls_meanpool');
  await page.getByLabel('Revision').fill('no-such-branch');
  await page.getByRole('button', { name: 'Load checkpoint' }).click();
  await expect(error).toHaveAttribute('data-error-name', 'HubRevisionNotFoundError');
  await expect(error).toContainText('no-such-branch');
  await screenshot(page, testInfo, 'hub-error');
});
