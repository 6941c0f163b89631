/** Helpers for browser tests that train both runs in the app. */
import type { Page } from '@playwright/test';
import { parseMetricsFile, type MetricsFile } from '../../src/store/metrics-file.ts';
import { readFileSync } from 'node:fs';
import { expect } from '../fixtures.ts';

/** Waits for both runs to finish; when one does not, says where it stood and what the engine logged. */
export async function expectBothFinished(page: Page, timeout: number): Promise<void> {
  for (const id of ['A', 'B'] as const) {
    try {
      await expect(page.getByTestId(`run-status-${id}`)).toHaveAttribute('data-status', 'finished', {
        timeout,
      });
    } catch (error) {
      // Whatever is on the page (the log appears only once it has entries), without waiting for it.
      const text = (testId: string) =>
        page
          .getByTestId(testId)
          .textContent({ timeout: 2000 })
          .catch(() => '(not shown)');
      const progress = await text(`run-card-${id}`);
      const log = await text('engine-log');
      const silent = await page
        .getByTestId('memory-in-use')
        .getAttribute('data-silent-s', { timeout: 2000 })
        .catch(() => '?');
      const worker = `${await text('memory-in-use')} (last question unanswered for ${silent} s)`;
      const trainError = await text('train-error');
      throw new Error(
        `run ${id} did not finish: ${progress}\ntraining error: ${trainError}\nengine log: ${log}\ncompute worker: ${worker}`,
        {
          cause: error,
        },
      );
    }
  }
}

/** The page's own metrics export (JSON), parsed. */
export async function exportedMetrics(page: Page): Promise<MetricsFile> {
  const download = page.waitForEvent('download');
  await page.getByTestId('export-metrics-json').click();
  return parseMetricsFile(readFileSync(await (await download).path(), 'utf8'));
}

/** The engine log's lines (present in the page once it has entries, open or not). */
export async function engineLogLines(page: Page): Promise<string[]> {
  return page.getByTestId('engine-log').locator('li').allTextContents();
}

/** Opens the System panel's diagnostics (the checks and simulated faults live behind a disclosure). */
export async function openDiagnostics(page: Page): Promise<void> {
  const diagnostics = page.getByTestId('diagnostics');
  if ((await diagnostics.getAttribute('open')) === null) await diagnostics.locator('summary').click();
}

/** The step a run's status shows, e.g. 7 from "7 / 18". */
export async function stepOf(page: Page, id: 'A' | 'B'): Promise<number> {
  const text = (await page.getByTestId(`run-step-${id}`).textContent()) ?? '';
  return Number(text.split('/')[0]) || 0;
}

/** How many points each run has on the training-loss chart. */
export async function pointCounts(page: Page): Promise<{ a: number; b: number }> {
  const chart = page.getByTestId('chart-train-loss');
  return {
    a: Number(await chart.getAttribute('data-points-a')),
    b: Number(await chart.getAttribute('data-points-b')),
  };
}
