/**
 * `npm run bench -- ui-charts [--seconds 20] [--per-tick 1] [--tick-ms 500] [--clicks-every-ms 300]`:
 * how the page answers clicks while the charts follow a training run. The production build of a page with
 * the playground's charts and run status is fed a synthetic stream of engine events through the real store;
 * Playwright clicks a button with real input events meanwhile, and the Event Timing API reports each click's
 * wait for the main thread and its time to the next paint. The baseline draws the same recharts charts the
 * plain way (every point, every batch). Reported side by side with ratios.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from '@playwright/test';
import { build, preview } from 'vite';
import { chromiumFlags } from '../playwright.config.ts';
import type { BenchArgs } from './run.ts';

interface PageResult {
  steps: number;
  longTasks: number[];
  clicks: { duration: number; inputDelay: number }[];
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

function summarize(result: PageResult, seconds: number) {
  const durations = result.clicks.map((c) => c.duration);
  const delays = result.clicks.map((c) => c.inputDelay);
  const busy = result.longTasks.reduce((a, b) => a + b, 0);
  return {
    stepsPerRun: result.steps,
    clicks: result.clicks.length,
    clickToPaintMs: {
      p50: percentile(durations, 0.5),
      p95: percentile(durations, 0.95),
      max: Math.max(...durations),
    },
    inputDelayMs: { p50: percentile(delays, 0.5), p95: percentile(delays, 0.95), max: Math.max(...delays) },
    longTasks: result.longTasks.length,
    longestTaskMs: Math.max(0, ...result.longTasks),
    mainThreadBusyInLongTasks: busy / (seconds * 1000),
  };
}

export async function run(args: BenchArgs) {
  const seconds = Number(args.seconds ?? 20);
  const perTick = Number(args['per-tick'] ?? 1);
  const tickMs = Number(args['tick-ms'] ?? 500);
  const clickEvery = Number(args['clicks-every-ms'] ?? 300);
  const root = resolve('bench/ui-charts');
  const outDir = mkdtempSync(join(tmpdir(), 'ui-charts-'));
  console.error('building the benchmark page (production)...');
  await build({
    configFile: resolve('vite.config.ts'),
    root,
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true },
  });
  const server = await preview({
    configFile: resolve('vite.config.ts'),
    root,
    build: { outDir },
    preview: { port: 0, host: '127.0.0.1' },
    logLevel: 'warn',
  });
  const address = server.httpServer.address();
  if (!address || typeof address === 'string') throw new Error('preview server has no port');
  const browser = await chromium.launch({
    executablePath: process.env.CHROME_PATH ?? '/usr/bin/chromium',
    args: chromiumFlags(),
  });
  const results: Record<string, ReturnType<typeof summarize>> = {};
  try {
    for (const mode of ['ours', 'naive']) {
      console.error(`${mode}: ${seconds} s, ${perTick} step(s) per run every ${tickMs} ms`);
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      await page.goto(`http://127.0.0.1:${address.port}/?mode=${mode}`);
      await page.waitForFunction(() => 'bench' in window);
      await page.evaluate(
        ([p, t]) =>
          (window as unknown as { bench: { start(a: number, b: number, c: number): void } }).bench.start(
            p!,
            t!,
            20,
          ),
        [perTick, tickMs],
      );
      const box = (await page.locator('#probe').boundingBox())!;
      const end = Date.now() + seconds * 1000;
      while (Date.now() < end) {
        await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
        await page.waitForTimeout(clickEvery);
      }
      // Let the last clicks' entries arrive.
      await page.waitForTimeout(500);
      const result = await page.evaluate(() =>
        (window as unknown as { bench: { stop(): PageResult } }).bench.stop(),
      );
      results[mode] = summarize(result, seconds);
      await page.close();
    }
  } finally {
    await browser.close();
    await new Promise<void>((done) => server.httpServer.close(() => done()));
    rmSync(outDir, { recursive: true, force: true });
  }
  const ours = results.ours!;
  const naive = results.naive!;
  return {
    bench: 'ui-charts',
    settings: { seconds, perTick, tickMs, clickEveryMs: clickEvery },
    ours,
    naive,
    ratios: {
      clickToPaintP95NaiveOverOurs: naive.clickToPaintMs.p95 / ours.clickToPaintMs.p95,
      longestTaskNaiveOverOurs: naive.longestTaskMs / ours.longestTaskMs,
      busyNaiveOverOurs: naive.mainThreadBusyInLongTasks / ours.mainThreadBusyInLongTasks,
    },
  };
}
