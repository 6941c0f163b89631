/**
 * The data path at the user's scale and under the user's load: a dataset shaped like Hugging Face's
 * `UCF101_subset` (400 XviD AVIs at 320x240, 25 fps, 4-10 s, made by scripts/ucf-like-dataset.ts and cached
 * between runs), picked as a folder and as the `.tar.gz` the Hub ships, trained as A and B (B with CutMix)
 * on wasm while the ingest still decodes every clip, from a cold cache. No clip may be lost, every
 * evaluation must cover its whole split, and ffmpeg.wasm's memory must stay bounded; one run also crashes
 * ffmpeg.wasm instances mid-training and must lose nothing.
 */
import type { Page } from '@playwright/test';
import { ensureUcfLikeDataset, type UcfLikeDataset } from '../scripts/ucf-like-dataset.ts';
import type { MetricsFile } from '../src/store/metrics-file.ts';
import { expect, test } from './fixtures.ts';
import { engineLogLines, expectBothFinished, exportedMetrics, openDiagnostics } from './helpers/training.ts';

let dataset: UcfLikeDataset;

test.beforeAll(async () => {
  // About 80 s on two cores the first time; reused from the temp folder after that.
  test.setTimeout(15 * 60_000);
  dataset = await ensureUcfLikeDataset();
});

/** Tiny model at 8 frames x 64 px, the recipe that learns from scratch; B is A with CutMix. */
function experimentUrl(epochs: number): string {
  const run = `preset=write-up&epochs=${epochs}&lr=0.001&warmupRatio=0.1`;
  const a = run.replace(/(^|&)/g, '$1a.');
  const b = `${run.replace(/(^|&)/g, '$1b.')}&b.cutmix=true`;
  return `/?model=tiny&input=8x64&backend=wasm&${a}&${b}`;
}

async function expectWholeDataset(page: Page): Promise<void> {
  const summary = page.getByTestId('dataset-summary');
  await expect(summary).toHaveAttribute('data-clips', String(dataset.clips.length), { timeout: 5 * 60_000 });
  await expect(summary).toHaveAttribute('data-skipped', '0');
  await expect(summary.locator('p').first()).toContainText('UCF101_subset');
  for (const split of ['train', 'val', 'test'] as const) {
    await expect(page.getByTestId(`split-total-${split}`)).toHaveText(String(dataset.countBySplit[split]));
  }
}

/** Nothing lost: every step had all its clips, every evaluation its whole split, no run has a problem. */
function expectNothingLost(metrics: MetricsFile): void {
  expect(metrics.runs.map((r) => r.id)).toEqual(['A', 'B']);
  for (const run of metrics.runs) {
    expect(run.status, `run ${run.id}`).toBe('finished');
    expect(run.problems, `run ${run.id}`).toEqual([]);
    expect(
      run.steps.reduce((sum, p) => sum + (p.lostClips ?? 0), 0),
      `lost clips of ${run.id}`,
    ).toBe(0);
    expect(run.val.length, `validations of ${run.id}`).toBeGreaterThan(0);
    for (const point of run.val) {
      expect([point.clips, point.splitClips], `validation of ${run.id} at step ${point.step}`).toEqual([
        dataset.countBySplit.val,
        dataset.countBySplit.val,
      ]);
      expect(Number.isFinite(point.top1)).toBe(true);
    }
    expect([run.test?.clips, run.test?.splitClips], `test of ${run.id}`).toEqual([
      dataset.countBySplit.test,
      dataset.countBySplit.test,
    ]);
  }
}

async function expectCleanLogAndBoundedDecoders(page: Page, crashes: number): Promise<void> {
  const log = await engineLogLines(page);
  expect(
    log.filter((line) =>
      /skipped|could not read|decoder|ffmpeg|crashed|stalled|finished with problems/i.test(line),
    ),
  ).toEqual([]);
  await expect(page.getByTestId('dataset-summary')).toHaveAttribute('data-skipped', '0');
  await expect(page.getByTestId('run-status-A')).toHaveAttribute('data-problems', '0');
  await expect(page.getByTestId('run-status-B')).toHaveAttribute('data-problems', '0');
  const facts = page.getByTestId('decoder-facts');
  await expect(facts).toHaveAttribute('data-rejected', '0');
  await expect(facts).toHaveAttribute('data-recovered', String(crashes));
  const peak = Number(await facts.getAttribute('data-peak-heap'));
  const budget = Number(await facts.getAttribute('data-heap-budget'));
  expect(peak, 'ffmpeg.wasm heap').toBeGreaterThan(0);
  expect(peak, 'ffmpeg.wasm heap').toBeLessThanOrEqual(budget);
}

test('a UCF101-shaped folder of 400 XviD AVIs trains A and B with no clip lost and whole evaluations', async ({
  page,
}) => {
  test.setTimeout(20 * 60_000);
  await page.goto(experimentUrl(2));
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-status', 'ready', {
    timeout: 120_000,
  });
  await page.getByTestId('folder-input').setInputFiles(dataset.dir);
  await expectWholeDataset(page);
  // Train while the ingest still decodes every clip: A's and B's prefetches, evaluation and decode-all
  // share the decoders, from a cold cache.
  await page.getByTestId('train-both').click();
  await expectBothFinished(page, 15 * 60_000);
  expectNothingLost(await exportedMetrics(page));
  await expectCleanLogAndBoundedDecoders(page, 0);
  const summary = page.getByTestId('summary-table');
  await expect(summary.locator('.coverage-note')).toHaveCount(0);
  await expect(summary.locator('[data-metric="status"]')).toHaveText(['finished', 'finished']);
});

test('the same dataset as the Hub’s .tar.gz, with ffmpeg.wasm instances crashing mid-training, loses no clip', async ({
  page,
}) => {
  test.setTimeout(20 * 60_000);
  await page.goto(experimentUrl(1));
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-status', 'ready', {
    timeout: 120_000,
  });
  await page.getByTestId('files-input').setInputFiles(dataset.archive);
  await expectWholeDataset(page);
  await page.getByTestId('train-both').click();
  await expect(page.getByTestId('run-status-A')).toHaveAttribute('data-status', 'running', {
    timeout: 120_000,
  });
  // Two instances crash on their next command, while decode-all and both runs' prefetches keep them busy.
  const crashes = 2;
  await openDiagnostics(page);
  for (let i = 0; i < crashes; i++) await page.getByTestId('crash-ffmpeg').click();
  await expectBothFinished(page, 15 * 60_000);
  await expect(page.getByTestId('decoder-facts')).toHaveAttribute('data-retried', String(crashes), {
    timeout: 60_000,
  });
  expectNothingLost(await exportedMetrics(page));
  await expectCleanLogAndBoundedDecoders(page, crashes);
});
