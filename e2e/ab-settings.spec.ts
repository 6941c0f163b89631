/**
 * The settings of runs A and B: a shared link and local storage restore them, B follows A until it is
 * edited, and the page highlights exactly where the two differ.
 */
import { recipeFor } from '../src/store/model-settings.ts';
import { decodeRun, presetById } from '../src/train/presets.ts';
import { diffRunConfigs } from '../src/train/run-config.ts';
import { expect, test } from './fixtures.ts';
import { run, screenshot, setting } from './helpers/page.ts';

test('a shared link restores A, B and the model, and highlights where B differs', async ({
  page,
}, testInfo) => {
  const link = 'a.preset=hf-tutorial&a.lr=0.0001&b.cutmix=true&b.cutmixMode=cube&model=small&input=16x224';
  await page.goto(`/?${link}`);

  await expect(run(page, 'A').getByLabel('Training preset')).toHaveValue('hf-tutorial');
  await expect(run(page, 'A').getByLabel('Learning rate')).toHaveValue('0.0001');
  await expect(run(page, 'A').getByLabel('Optimizer')).toHaveValue('adamw');
  await expect(run(page, 'A').getByLabel('Epochs')).toHaveValue('4');
  await expect(run(page, 'A').getByRole('switch', { name: 'CutMix' })).not.toBeChecked();
  // The link names no preset for B: it takes the recipe of the model (small, from scratch).
  await expect(run(page, 'B').getByLabel('Training preset')).toHaveValue('from-scratch');
  await expect(run(page, 'B').getByLabel('Learning rate')).toHaveValue('0.001');
  await expect(run(page, 'B').getByRole('switch', { name: 'CutMix' })).toBeChecked();
  await expect(run(page, 'B').getByLabel('CutMix mode')).toHaveValue('cube');
  await expect(page.getByTestId('model-source').getByRole('radio', { name: 'Small' })).toBeChecked();
  await expect(page.getByTestId('model-input').getByRole('combobox')).toHaveValue('16x224');

  // The highlight names exactly the settings where the two configs differ.
  const params = new URLSearchParams(link);
  const recipe = recipeFor('small');
  const expected = diffRunConfigs(
    decodeRun(params, 'a.', recipe).config,
    decodeRun(params, 'b.', recipe).config,
  ).map((d) => d.key);
  expect(expected).toEqual(expect.arrayContaining(['optimizer', 'lr', 'epochs', 'cutmix', 'cutmixMode']));
  await expect(page.getByTestId('ab-diff')).toHaveAttribute('data-keys', expected.join(','));
  for (const id of ['A', 'B'] as const) {
    await expect(setting(page, id, 'lr')).toHaveAttribute('data-differs', 'true');
    await expect(setting(page, id, 'cutmix')).toHaveAttribute('data-differs', 'true');
    await expect(setting(page, id, 'seed')).toHaveAttribute('data-differs', 'false');
    await expect(setting(page, id, 'batchSize')).toHaveAttribute('data-differs', 'false');
  }
  await expect(setting(page, 'B', 'lr')).toContainText('≠ 1e-4');
  // clipNorm differs too but sits under "Advanced": the disclosure says so.
  await expect(page.getByTestId('advanced-B').locator('summary')).toContainText('differ');
  await screenshot(page, testInfo, 'shared-link');

  // Local storage keeps the same experiment for a visit without a link.
  await page.goto('/');
  await expect(run(page, 'A').getByLabel('Learning rate')).toHaveValue('0.0001');
  await expect(run(page, 'B').getByLabel('CutMix mode')).toHaveValue('cube');
  await expect.poll(() => new URL(page.url()).searchParams.get('a.lr')).toBe('0.0001');

  // Editing B writes the link at once, under b. only.
  const lrB = run(page, 'B').getByLabel('Learning rate');
  await lrB.fill('0.002');
  await expect.poll(() => new URL(page.url()).searchParams.get('b.lr')).toBe('0.002');
  await expect.poll(() => new URL(page.url()).searchParams.get('a.lr')).toBe('0.0001');
  // Half-typed or invalid text is flagged and never reaches the link.
  await lrB.fill('-3');
  await expect(lrB).toHaveAttribute('aria-invalid', 'true');
  await expect(setting(page, 'B', 'lr').getByRole('alert')).toHaveText('Not a valid learning rate');
  await expect.poll(() => new URL(page.url()).searchParams.get('b.lr')).toBe('0.002');
});

test('B starts as A with CutMix flipped and follows A until it is edited', async ({ page }) => {
  await page.goto('/');
  await page.evaluate(() => localStorage.clear());
  await page.goto('/');
  await expect(page.getByTestId('ab-diff')).toHaveAttribute('data-keys', 'cutmix');
  await expect(run(page, 'B').getByRole('switch', { name: 'CutMix' })).toBeChecked();

  await run(page, 'A').getByLabel('Learning rate').fill('0.001');
  await expect(run(page, 'B').getByLabel('Learning rate')).toHaveValue('0.001');
  await run(page, 'A').getByLabel('Training preset').selectOption('videomae-paper');
  await expect(run(page, 'B').getByLabel('Training preset')).toHaveValue('videomae-paper');
  // The paper's recipe has CutMix on, so B (flipped) has it off.
  await expect(run(page, 'B').getByRole('switch', { name: 'CutMix' })).not.toBeChecked();
  await expect(page.getByTestId('ab-diff')).toHaveAttribute('data-keys', 'cutmix');

  await run(page, 'B').getByLabel('Seed').fill('7');
  await expect(page.getByTestId('ab-diff')).toHaveAttribute('data-keys', 'cutmix,seed');
  await run(page, 'A').getByLabel('Learning rate').fill('0.0003');
  await expect(run(page, 'B').getByLabel('Learning rate')).toHaveValue(
    String(presetById('videomae-paper').config.lr),
  );
  await page.getByRole('button', { name: 'Make B = A with CutMix flipped' }).click();
  await expect(page.getByTestId('ab-diff')).toHaveAttribute('data-keys', 'cutmix');
  await expect(run(page, 'B').getByLabel('Learning rate')).toHaveValue('0.0003');
});

test('dragging a slider writes the address bar a few times, not once per step, and ends on the last value', async ({
  page,
}) => {
  await page.goto('/');
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-status', 'ready');
  await page.evaluate(() => {
    const w = window as unknown as { replaceStates: number };
    w.replaceStates = 0;
    const original = history.replaceState.bind(history);
    history.replaceState = (...args: Parameters<History['replaceState']>) => {
      w.replaceStates++;
      original(...args);
    };
  });
  const slider = page.getByRole('slider', { name: 'Smoothing' });
  // 59 steps in quick succession, as a drag makes them (ending off the default 0.6, which the URL omits).
  await slider.evaluate((input: HTMLInputElement) => {
    const setValue = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!;
    for (let v = 1; v <= 59; v++) {
      setValue.call(input, String(v / 100));
      input.dispatchEvent(new Event('input', { bubbles: true }));
    }
  });
  await expect.poll(() => new URL(page.url()).searchParams.get('smoothing')).toBe('0.59');
  const writes = await page.evaluate(() => (window as unknown as { replaceStates: number }).replaceStates);
  expect(writes, 'history.replaceState calls for 59 slider steps').toBeLessThanOrEqual(3);
  expect(writes).toBeGreaterThanOrEqual(1);
});
