/**
 * Training survives what interrupts it: a reloaded page resumes the saved runs from their checkpoints, and a
 * lost GPU device pauses both runs until Resume continues them from the last checkpoint.
 */
import { expect, test } from './fixtures.ts';
import { copyOfSample } from './helpers/dataset.ts';
import { card, screenshot } from './helpers/page.ts';
import { expectBothFinished, openDiagnostics, stepOf } from './helpers/training.ts';

test('a reloaded page resumes saved runs from their checkpoints and ends with whole curves', async ({
  page,
}, testInfo) => {
  test.setTimeout(10 * 60_000);
  // 24 training clips, batch 4: 6 steps an epoch, a checkpoint at each epoch's end, 60 steps in all. On wasm:
  // what is tested is the reload, and WebGPU's pause and resume are the next test's.
  const dataset = copyOfSample({ train: 4, val: 2, test: 2 });
  const url =
    '/?backend=wasm&model=tiny&input=4x64&a.batchSize=4&a.epochs=10&b.batchSize=4&b.epochs=10&b.cutmix=true';
  await page.goto(url);
  await page.locator('input[type="file"][webkitdirectory]').setInputFiles(dataset);
  await expect(page.getByTestId('dataset-summary')).toBeVisible({ timeout: 120_000 });
  await page.getByTestId('train-both').click();
  await expect(card(page, 'A')).toContainText('Checkpoint at step', { timeout: 300_000 });
  await expect(card(page, 'B')).toContainText('Checkpoint at step', { timeout: 300_000 });

  // Leave mid-run, as a closed tab or a crash would.
  await page.reload();
  const saved = page.getByTestId('saved-runs');
  await expect(saved).toBeVisible({ timeout: 60_000 });
  await expect(saved).toContainText('Run A: step');
  await page.locator('input[type="file"][webkitdirectory]').setInputFiles(dataset);
  await expect(page.getByTestId('dataset-summary')).toBeVisible({ timeout: 120_000 });
  await saved.getByRole('button', { name: 'Resume both' }).click();
  await expect(page.getByTestId('engine-log')).toContainText(/Run A resumes from step [1-9]/, {
    timeout: 60_000,
  });
  await expectBothFinished(page, 300_000);
  for (const id of ['A', 'B'] as const) expect(await stepOf(page, id)).toBe(60);
  // The curves hold every step once: the ones before the reload came back from the checkpoint.
  await expect(page.getByTestId('chart-train-loss')).toHaveAttribute('data-points-a', '60');
  await expect(page.getByTestId('chart-train-loss')).toHaveAttribute('data-points-b', '60');
  await screenshot(page, testInfo, 'resumed-after-reload');
});

test('a lost GPU device pauses both runs with a message; Resume continues from the last checkpoint', async ({
  page,
}, testInfo) => {
  test.setTimeout(10 * 60_000);
  // WebGPU here is lavapipe (a CPU rasteriser under ANGLE, playwright.config.ts): a tiny model and a small
  // dataset keep this quick.
  const dataset = copyOfSample({ train: 2, val: 1, test: 1 });
  await page.goto(
    '/?backend=webgpu&model=tiny&input=4x64&a.batchSize=2&a.epochs=1&b.batchSize=2&b.epochs=1&b.cutmix=true',
  );
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', 'webgpu', {
    timeout: 60_000,
  });
  await page.locator('input[type="file"][webkitdirectory]').setInputFiles(dataset);
  await expect(page.getByTestId('dataset-summary')).toBeVisible({ timeout: 120_000 });
  await page.getByTestId('train-both').click();

  // Pausing writes a checkpoint; the device is lost a few steps after it.
  await expect.poll(() => stepOf(page, 'A'), { timeout: 300_000 }).toBeGreaterThanOrEqual(1);
  const controlsA = card(page, 'A').getByRole('group', { name: 'Run A controls' });
  await controlsA.getByRole('button', { name: 'Pause' }).click();
  await expect(page.getByTestId('run-status-A')).toHaveAttribute('data-status', 'paused', {
    timeout: 120_000,
  });
  await expect(card(page, 'A')).toContainText('Checkpoint at step');
  const checkpointStep = await stepOf(page, 'A');
  await controlsA.getByRole('button', { name: 'Resume' }).click();
  await expect.poll(() => stepOf(page, 'A'), { timeout: 300_000 }).toBeGreaterThan(checkpointStep);

  await openDiagnostics(page);
  await page.getByTestId('simulate-device-loss').click();
  await expect(page.getByTestId('device-loss-result')).toContainText('destroyed');
  for (const id of ['A', 'B'] as const) {
    await expect(page.getByTestId(`run-status-${id}`)).toHaveAttribute('data-status', 'paused', {
      timeout: 120_000,
    });
    await expect(page.getByTestId(`run-message-${id}`)).toContainText('GPU device was lost');
  }
  await screenshot(page, testInfo, 'device-lost');
  // The newest checkpoint: the pause's, or an epoch's end after it.
  const lastCheckpoint = Number(
    /Checkpoint at step (\d+)/.exec((await card(page, 'A').textContent()) ?? '')?.[1],
  );
  expect(lastCheckpoint).toBeGreaterThanOrEqual(checkpointStep);
  await controlsA.getByRole('button', { name: 'Resume' }).click();
  await expect(page.getByTestId('engine-log')).toContainText(`Run A resumes from step ${lastCheckpoint}`, {
    timeout: 120_000,
  });
  await card(page, 'B')
    .getByRole('group', { name: 'Run B controls' })
    .getByRole('button', { name: 'Resume' })
    .click();
  await expectBothFinished(page, 400_000);
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', 'webgpu');
  await screenshot(page, testInfo, 'device-recovered');
});
