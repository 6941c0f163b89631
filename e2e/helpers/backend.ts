import { expect, test, type BrowserType, type Page } from '@playwright/test';
import { chromiumFlags, type SoftwareAdapter } from '../../playwright.config.ts';
import { isProblem, type ConsoleProblem } from '../fixtures.ts';

/** The two figures `auto` compared, read off the reason the System panel shows. */
export async function measuredFigures(page: Page): Promise<{ webgpu: number; wasm: number }> {
  const reason = (await page.getByTestId('backend-reason').textContent()) ?? '';
  const match = /: ([\d.]+) GFLOP\/s measured vs wasm ([\d.]+) GFLOP\/s/.exec(reason);
  expect(match, `measured figures in "${reason}"`).not.toBeNull();
  // Kept in the report: what the probe measured on this run's machine.
  test.info().annotations.push({ type: 'backend-reason', description: reason });
  return { webgpu: Number(match![1]), wasm: Number(match![2]) };
}

/**
 * A page in a fresh Chromium given one software adapter, whatever the project's default is, held to the same
 * rule as the `page` fixture: no page error, console error or WGSL/Invalid warning.
 */
export async function withAdapterPage(
  chromium: BrowserType,
  adapter: SoftwareAdapter,
  baseURL: string | undefined,
  fn: (page: Page) => Promise<void>,
): Promise<void> {
  const browser = await chromium.launch({
    executablePath: process.env.CHROME_PATH ?? '/usr/bin/chromium',
    args: chromiumFlags(adapter),
  });
  const problems: ConsoleProblem[] = [];
  try {
    const page = await (await browser.newContext({ baseURL })).newPage();
    page.on('pageerror', (error) =>
      problems.push({ kind: 'pageerror', text: `${error.name}: ${error.message}` }),
    );
    page.on('console', (message) => {
      if (isProblem(message))
        problems.push({ kind: 'console', text: `[${message.type()}] ${message.text()}` });
    });
    await fn(page);
  } finally {
    await browser.close();
  }
  expect(problems, `page errors, console errors or WGSL/Invalid warnings on ${adapter}`).toEqual([]);
}
