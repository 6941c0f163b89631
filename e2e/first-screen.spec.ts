/**
 * The first minute of a new user: what the page is for is on the first screen of a laptop, and what cannot
 * train here is refused before it starts, with the reason and what would fit.
 */
import type { Locator } from '@playwright/test';
import { expect, test } from './fixtures.ts';

const LAPTOP = { width: 1366, height: 768 };

async function expectInView(locator: Locator, what: string): Promise<void> {
  const box = await locator.boundingBox();
  expect(box, what).not.toBeNull();
  expect(box!.y, `${what}: top`).toBeGreaterThanOrEqual(0);
  expect(
    box!.y + Math.min(box!.height, 40),
    `${what}: within the first ${LAPTOP.height} px`,
  ).toBeLessThanOrEqual(LAPTOP.height);
}

test('on a 1366x768 screen the drop zone, the sample, Train both and runs A and B are in view', async ({
  page,
}) => {
  await page.setViewportSize(LAPTOP);
  await page.goto('/');
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-status', 'ready');
  await expectInView(page.getByTestId('dropzone'), 'drop zone');
  await expectInView(page.getByRole('button', { name: 'Try the sample dataset' }), 'sample button');
  await expectInView(page.getByTestId('train-both'), 'Train both');
  await expectInView(page.getByTestId('ab-diff'), 'what B changes');
  for (const id of ['A', 'B']) {
    await expectInView(page.getByTestId(`run-card-${id}`).locator('.run-header'), `run ${id}`);
    await expectInView(page.getByTestId(`run-status-${id}`), `run ${id} status`);
  }
  // Checks and simulated faults are secondary: behind a disclosure, at the bottom.
  await expect(page.getByTestId('busy-work')).toBeHidden();
  expect(await page.evaluate(() => window.scrollY)).toBe(0);
});

test('VideoMAE-Base at 16x224 on wasm is refused before it starts, with the reason and what would fit', async ({
  page,
}) => {
  await page.goto('/?model=base&input=16x224&a.batchSize=1&b.batchSize=1&backend=wasm');
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-status', 'ready');
  const cost = page.getByTestId('run-cost');
  await expect(cost).toHaveAttribute('data-fits', 'false');
  // Weights, gradients and Adam state of two 86 M-parameter runs and one step's activations: over 4 GB.
  expect(Number(await cost.getAttribute('data-need-bytes'))).toBeGreaterThan(
    Number(await cost.getAttribute('data-limit-bytes')),
  );
  const button = page.getByTestId('train-both');
  await expect(button).toBeDisabled();
  await expect(button).toHaveAttribute('title', /^Needs \d+\.\d GB for the wasm heap/);
  await expect(page.getByTestId('run-cost-refusal')).toContainText('wasm can hold');
  // The remedy offered: the largest smaller input that fits; taking it makes the button usable.
  await page.getByTestId('remedy-input').click();
  await expect(page.getByLabel('Frames × resolution')).not.toHaveValue('16x224');
  await expect(cost).toHaveAttribute('data-fits', 'true');
  await expect(button).toBeEnabled();
});
