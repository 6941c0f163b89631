import type { Page } from '@playwright/test';

/** Opens the harness page with one suite loaded; fails fast with the suite's load error. */
export async function openHarness(page: Page, suite: string): Promise<void> {
  await page.goto(`/e2e/harness/index.html?suite=${suite}`);
  await page.waitForFunction(() => window.harnessReady || window.harnessError !== null, null, {
    timeout: 90_000,
  });
  const error = await page.evaluate(() => window.harnessError);
  if (error) throw new Error(`harness suite ${suite}: ${error}`);
}

/** Calls `window.harness[name](...args)` in the page; arguments and result must be serialisable. */
export async function callHarness<T>(page: Page, name: string, ...args: unknown[]): Promise<T> {
  return (await page.evaluate(
    ([fn, fnArgs]) => {
      const target = window.harness[fn as string];
      if (typeof target !== 'function') throw new Error(`harness has no function ${String(fn)}`);
      return (target as (...a: unknown[]) => unknown)(...(fnArgs as unknown[]));
    },
    [name, args] as const,
  )) as T;
}
