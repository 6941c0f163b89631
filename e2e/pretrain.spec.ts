/**
 * VideoMAE's own pretraining from the page: the Pretrain stage on the sample dataset with the tiny model,
 * its loss curve and reconstruction view, pause and resume, the exports, and runs A and B started from
 * different weights (A from the pretraining, B from random init).
 */
import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { unzipSync } from 'fflate';
import { expect, test } from './fixtures.ts';
import { screenshot, setting } from './helpers/page.ts';
import { safetensorsHeader } from './helpers/safetensors.ts';
import { stepOf } from './helpers/training.ts';

const stage = (page: Page) => page.getByTestId('pretrain-stage');
const lossPoints = async (page: Page) =>
  Number(await page.getByTestId('chart-pretrain-loss-pretraining-1').getAttribute('data-points-a'));

async function openWithSample(page: Page, query: string): Promise<void> {
  await page.goto(`/?${query}`);
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-status', 'ready');
  await page.getByRole('button', { name: 'Try the sample dataset' }).click();
  await expect(page.getByTestId('dataset-summary')).toBeVisible({ timeout: 120_000 });
}

/** The files of a downloaded zip, keyed by their path in it. */
async function downloadedZip(page: Page, testId: string): Promise<Record<string, Uint8Array>> {
  const download = page.waitForEvent('download');
  await page.getByTestId(testId).click();
  return unzipSync(readFileSync(await (await download).path()));
}

function tensorNames(files: Record<string, Uint8Array>): string[] {
  const entry = Object.entries(files).find(([name]) => name.endsWith('/model.safetensors'));
  expect(entry, 'model.safetensors in the zip').toBeDefined();
  return Object.keys(safetensorsHeader(Buffer.from(entry![1])));
}

test('a run cannot start from a pretraining that has no weights: it says so before the engine is asked', async ({
  page,
}) => {
  await openWithSample(page, 'a.startFrom=pretraining-2');
  await expect(page.getByTestId('start-from-warning-A')).toContainText('Pretraining 2 has no weights yet');
  // B follows A: same start weights.
  await expect(page.getByTestId('start-from-warning-B')).toBeVisible();
  await page.getByTestId('train-both').click();
  await expect(page.getByTestId('train-error')).toContainText('Run A: Pretraining 2 has no weights yet');
  await expect(page.getByTestId('train-both')).toBeEnabled();
  await expect(page.getByTestId('run-status-A')).toHaveAttribute('data-status', 'idle');
});

test('pretraining on the sample: loss curve, reconstructions, pause and resume, exports, then A from it and B from random init', async ({
  page,
}, testInfo) => {
  test.setTimeout(20 * 60_000);
  // Tiny model at 8x64 from scratch (the defaults); 2 epochs at batch 4 give enough steps to pause in.
  await openWithSample(page, 'p1.epochs=2&p1.batchSize=4&a.epochs=1&b.epochs=1');

  // Closed by default, with its one-line summary; opened, it shows the paper's recipe.
  await expect(stage(page)).not.toHaveAttribute('open', '');
  await expect(page.getByTestId('pretrain-summary')).toContainText('Pretraining 1: not started · tube 75%');
  await stage(page).locator(':scope > summary').click();
  await expect(page.getByTestId('pretrain-setting-pretraining-1-beta2').locator('input')).toHaveValue('0.95');
  await expect(
    page.getByTestId('pretrain-setting-pretraining-1-includeEvalSplits').getByRole('switch'),
  ).not.toBeChecked();
  await expect(page.getByTestId('pretrain-effective-lr')).toHaveAttribute(
    'data-lr',
    String((1.5e-4 * 4) / 256),
  );

  await page.getByTestId('pretrain-start').click();
  await expect.poll(() => lossPoints(page), { timeout: 300_000 }).toBeGreaterThan(0);
  await page.getByTestId('pretrain-pause').click();
  await expect(page.getByTestId('pretrain-status')).toHaveAttribute('data-status', 'paused', {
    timeout: 60_000,
  });
  // Settings stay locked while it is paused (it still holds its optimizer state).
  await expect(page.getByTestId('pretrain-setting-pretraining-1-epochs').locator('input')).toBeDisabled();
  // The chart follows the store at its own pace: let the steps taken before the pause arrive, then none more.
  await page.waitForTimeout(1500);
  const pausedAt = await lossPoints(page);
  await page.waitForTimeout(2000);
  expect(await lossPoints(page), 'no steps while paused').toBe(pausedAt);
  await page.getByTestId('pretrain-resume').click();
  await expect(page.getByTestId('pretrain-status')).toHaveAttribute('data-status', 'finished', {
    timeout: 600_000,
  });
  expect(await lossPoints(page)).toBeGreaterThan(pausedAt);
  await expect(page.getByTestId('pretrain-problems')).toHaveCount(0);

  // The reconstruction view: original, masked input and reconstruction, labelled with step and loss.
  const view = page.getByTestId('reconstruction-view');
  await expect(view).toBeVisible();
  await expect(view.locator('canvas')).toHaveCount(3);
  await expect(view.locator('figcaption')).toContainText(/step \d+ · loss [\d.e-]+/);
  // Another clip (a validation one, never pretrained on) is reconstructed on demand from the weights.
  const picker = page.getByTestId('reconstruction-clip');
  const valClip = await picker
    .locator('option', { hasText: /^val: / })
    .first()
    .getAttribute('value');
  await picker.selectOption(valClip!);
  await expect(view).toHaveAttribute('data-clip', valClip!);
  await expect(view.locator('canvas')).toHaveCount(3);
  await screenshot(page, testInfo, 'pretrained');

  // Exports: the whole VideoMAEForPreTraining, and the encoder alone for classification.
  const full = tensorNames(await downloadedZip(page, 'export-pretraining-pretraining-1'));
  expect(full.some((k) => k.startsWith('decoder.'))).toBe(true);
  expect(full).toContain('encoder_to_decoder.weight');
  expect(full.some((k) => k.startsWith('videomae.'))).toBe(true);
  const encoder = tensorNames(await downloadedZip(page, 'export-encoder-pretraining-1'));
  // The encoder as a bare VideoMAEModel (what the classifier's from_pretrained takes under its `videomae.`).
  expect(encoder.some((k) => k.startsWith('embeddings.'))).toBe(true);
  expect(encoder.some((k) => k.startsWith('encoder.layer.'))).toBe(true);
  expect(encoder.some((k) => k.startsWith('decoder.') || k === 'encoder_to_decoder.weight')).toBe(false);
  expect(encoder).toHaveLength(full.filter((k) => k.startsWith('videomae.')).length);

  // One click: both runs fine-tune from it; then B goes back to random init.
  await page.getByTestId('pretrain-fine-tune').click();
  await expect(page.getByTestId('pretrain-fine-tune-set')).toContainText(
    'Runs A and B start from Pretraining 1',
  );
  await expect(setting(page, 'A', 'startFrom').locator('select')).toHaveValue('pretraining-1');
  await setting(page, 'B', 'startFrom').locator('select').selectOption('random');
  await expect(page.getByTestId('ab-diff')).toHaveAttribute('data-keys', /startFrom/);
  await expect.poll(() => new URL(page.url()).searchParams.get('a.startFrom')).toBe('pretraining-1');

  await page.getByTestId('train-both').click();
  await expect
    .poll(async () => Math.min(await stepOf(page, 'A'), await stepOf(page, 'B')), { timeout: 300_000 })
    .toBeGreaterThan(0);
  for (const id of ['A', 'B'] as const) {
    await expect(page.getByTestId(`run-status-${id}`)).not.toHaveAttribute('data-status', 'failed');
  }
  await screenshot(page, testInfo, 'runs-started');
  // Enough: both started from their weights. Stop what has not finished yet.
  for (const id of ['A', 'B'] as const) {
    const stop = page.getByTestId(`run-card-${id}`).getByRole('button', { name: 'Stop' });
    if (await stop.isEnabled()) await stop.click();
  }
  await expect(page.getByTestId('train-both')).toBeEnabled({ timeout: 120_000 });
});
