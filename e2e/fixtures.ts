/**
 * The `page` every browser test uses: it fails the test on any page error, any console error, and any
 * warning that mentions WGSL or `Invalid` (WebGPU reports validation errors only as console warnings while
 * the tensors come back wrong).
 */
import { test as base, expect, type ConsoleMessage } from '@playwright/test';

export interface ConsoleProblem {
  kind: 'pageerror' | 'console';
  text: string;
}

export function isProblem(message: ConsoleMessage): boolean {
  const type = message.type();
  if (type === 'error') return true;
  if (type === 'warning') return /WGSL|Invalid/i.test(message.text());
  return false;
}

export const test = base.extend({
  page: async ({ page }, use) => {
    const problems: ConsoleProblem[] = [];
    page.on('pageerror', (error) =>
      problems.push({ kind: 'pageerror', text: `${error.name}: ${error.message}` }),
    );
    page.on('console', (message) => {
      if (isProblem(message))
        problems.push({ kind: 'console', text: `[${message.type()}] ${message.text()}` });
    });
    await use(page);
    expect(problems, 'page errors, console errors or WGSL/Invalid warnings').toEqual([]);
  },
});

export { expect };
