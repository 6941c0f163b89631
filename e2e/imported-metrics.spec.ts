/** An earlier run's metrics export, imported beside the runs: drawn dashed, in the summary, on any x-axis. */
import { readFileSync } from 'node:fs';
import { metricsToJson } from '../src/store/metrics-file.ts';
import { expect, test } from './fixtures.ts';
import { earlierExport, importMetrics } from './helpers/metrics.ts';
import { screenshot } from './helpers/page.ts';

test('an imported metrics file draws as a dashed series and joins the summary', async ({
  page,
}, testInfo) => {
  await page.goto('/');
  await importMetrics(page, 'earlier.json', '{"format":1}');
  await expect(page.getByTestId('import-error')).toContainText('earlier.json: not a metrics export');

  await importMetrics(page, 'earlier.json', metricsToJson(earlierExport()));
  await expect(page.getByTestId('legend-imported')).toContainText('A from earlier.json');
  const loss = page.getByTestId('chart-train-loss');
  // Raw and smoothed, both dashed; 2000 steps drawn with at most 400 points each.
  const dashed = loss.locator('path.recharts-curve[stroke-dasharray]');
  await expect(dashed).toHaveCount(2);
  const drawnPoints = await dashed
    .first()
    .evaluate((path) => (path.getAttribute('d') ?? '').split('L').length);
  expect(drawnPoints).toBeGreaterThan(100);
  expect(drawnPoints).toBeLessThanOrEqual(400);
  await expect(
    page.getByTestId('chart-val-accuracy').locator('path.recharts-curve[stroke-dasharray]'),
  ).toHaveCount(1);
  // earlierExport's runs were tested at 81.25% and validated at best at 87.5%.
  const row = page.getByTestId('summary-table').locator('tr[data-run="A from earlier.json"]');
  await expect(row.locator('[data-metric="test-top1"]')).toHaveText('81.3%');
  await expect(row.locator('[data-metric="best-val"]')).toContainText('87.5%');

  await page.getByTestId('imported-shown').selectOption({ label: 'B from earlier.json' });
  await expect(page.getByTestId('legend-imported')).toContainText('B from earlier.json');
  // The x-axis choice applies to every series: epochs of the imported run end at 12.
  await page.getByTestId('x-axis').getByRole('radio', { name: 'Epoch' }).check();
  await expect
    .poll(() =>
      loss.locator('.recharts-xAxis-tick-labels .recharts-cartesian-axis-tick-value').allTextContents(),
    )
    .toEqual(['0', '3', '6', '9', '12']);
  await expect.poll(() => new URL(page.url()).searchParams.get('x')).toBe('epoch');

  const download = page.waitForEvent('download');
  await loss.getByRole('button', { name: /as PNG/ }).click();
  const png = readFileSync(await (await download).path());
  expect(png.subarray(1, 4).toString()).toBe('PNG');
  await screenshot(page, testInfo, 'imported-run');
});
