/** Helpers for browser tests of the playground page: screenshots, the runs' locators, click timings. */
import type { Page, TestInfo } from '@playwright/test';
import { expect } from '../fixtures.ts';
import { openDiagnostics } from './training.ts';

/** A full-page screenshot, attached to the report so a reviewer sees the state the test checked. */
export async function screenshot(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  const path = testInfo.outputPath(`${name}.png`);
  await page.screenshot({ path, fullPage: true });
  await testInfo.attach(name, { path, contentType: 'image/png' });
}

/** A run's settings panel. */
export const run = (page: Page, id: 'A' | 'B') => page.getByTestId(`run-${id}`);

/** A run's status card (progress, controls, checkpoint), above the charts; its settings are in `run`. */
export const card = (page: Page, id: 'A' | 'B') => page.getByTestId(`run-card-${id}`);

/** One setting of a run, with its label, its value and whether it differs from the other run's. */
export const setting = (page: Page, id: 'A' | 'B', key: string) => page.getByTestId(`setting-${id}-${key}`);

export interface ClickTiming {
  /** From the input event to the end of its handlers: how long the page took to answer. */
  handledMs: number;
  /** From the input event to the next paint after its handlers (adds the browser's raster and compositing). */
  paintedMs: number;
}

/**
 * Timings of real clicks from the browser's Event Timing API. Clicks faster than 16 ms to paint are not
 * reported by the API; they count as 16.
 */
export async function clickTimings(page: Page, clicks: number): Promise<ClickTiming[]> {
  await page.evaluate(() => {
    const w = window as unknown as { clickTimings: { handledMs: number; paintedMs: number }[] };
    w.clickTimings = [];
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries() as PerformanceEventTiming[]) {
        if (entry.name === 'click')
          w.clickTimings.push({
            handledMs: entry.processingEnd - entry.startTime,
            paintedMs: entry.duration,
          });
      }
    }).observe({ type: 'event', durationThreshold: 16, buffered: false } as PerformanceObserverInit);
  });
  await openDiagnostics(page);
  const counter = page.getByTestId('click-counter');
  for (let i = 0; i < clicks; i++) {
    const before = await counter.textContent();
    await counter.click();
    await expect(counter).not.toHaveText(before ?? '');
    await page.waitForTimeout(300);
  }
  const slow = await page.evaluate(() => (window as unknown as { clickTimings: ClickTiming[] }).clickTimings);
  return [
    ...slow,
    ...Array.from({ length: Math.max(0, clicks - slow.length) }, () => ({ handledMs: 16, paintedMs: 16 })),
  ];
}
