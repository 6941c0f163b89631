/** Broken clips in a dropped folder: listed as skipped, with the reason, while the rest trains. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from './fixtures.ts';
import { copyOfSample, SAMPLE_DATASET, withNoiseFrames } from './helpers/dataset.ts';
import { screenshot } from './helpers/page.ts';
import { expectBothFinished } from './helpers/training.ts';

test('a broken clip in a dropped folder is listed as skipped while the rest trains', async ({
  page,
}, testInfo) => {
  test.setTimeout(15 * 60_000);
  const dataset = copyOfSample({ train: 4, val: 2, test: 2 });
  writeFileSync(join(dataset, 'train', 'Grow', 'v_Grow_g99_c01.mp4'), Buffer.from('this is not a video'));
  // A clip whose headers are fine but whose frames are noise: it passes the scan and fails only when decoded.
  writeFileSync(
    join(dataset, 'train', 'Shrink', 'v_Shrink_g98_c01.mp4'),
    withNoiseFrames(readFileSync(join(SAMPLE_DATASET, 'train', 'Shrink', 'v_Shrink_g01_c01.mp4'))),
  );
  await page.goto('/?model=tiny&input=4x64&a.maxSteps=2&b.maxSteps=2&b.cutmix=true');
  await page.locator('input[type="file"][webkitdirectory]').setInputFiles(dataset);
  const skipped = page.getByTestId('skipped-files');
  await expect(skipped).toContainText('v_Grow_g99_c01.mp4', { timeout: 120_000 });
  await page.getByTestId('train-both').click();
  await expectBothFinished(page, 400_000);
  await expect(skipped).toContainText('v_Shrink_g98_c01.mp4');
  await expect(skipped.locator('tr', { hasText: 'v_Shrink_g98_c01.mp4' })).toContainText(/corrupt|decode/i);
  await screenshot(page, testInfo, 'skipped-file');
});
