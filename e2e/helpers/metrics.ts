/** Metrics exports made in the test, to import into the page as a user would import an earlier run's. */
import type { Page } from '@playwright/test';
import { METRICS_FORMAT, METRICS_VERSION, type MetricsFile } from '../../src/store/metrics-file.ts';
import { presetById } from '../../src/train/presets.ts';
import type { StepPoint } from '../../src/worker/training-protocol.ts';

/**
 * A finished run of `steps` steps (10 an epoch) whose loss falls towards `finalLoss`, with two validations
 * (60% half-way, 87.5% at the end) and a test accuracy of 81.25%.
 */
export function syntheticRun(id: string, steps: number, finalLoss: number): MetricsFile['runs'][number] {
  const points: StepPoint[] = Array.from({ length: steps }, (_, i) => ({
    runId: 'A',
    step: i + 1,
    epoch: (i + 1) / 10,
    loss: finalLoss + 2 * Math.exp(-i / 20) + 0.1 * Math.sin(i),
    accuracy: Math.min(1, i / steps),
    accuracyTarget: 'label',
    lr: 4e-4 * (1 - i / steps),
    gradNorm: 1,
    clipsPerSecond: 5,
    elapsedMs: (i + 1) * 800,
  }));
  const evaluation = (split: 'val' | 'test', step: number, top1: number) => ({
    runId: 'A' as const,
    split,
    step,
    epoch: step / 10,
    loss: finalLoss,
    top1,
    top5: 1,
    confusion: [
      [3, 1],
      [0, 4],
    ],
    clips: 8,
    elapsedMs: step * 800,
  });
  return {
    id,
    config: presetById('write-up').config,
    status: 'finished',
    problems: [],
    steps: points,
    val: [evaluation('val', steps / 2, 0.6), evaluation('val', steps, 0.875)],
    test: evaluation('test', steps, 0.8125),
  };
}

/** An export of two earlier runs: A over 2000 steps (200 epochs), B over 120 (12 epochs). */
export function earlierExport(): MetricsFile {
  return {
    format: METRICS_FORMAT,
    version: METRICS_VERSION,
    exportedAt: new Date().toISOString(),
    model: null,
    labels: ['a', 'b'],
    runs: [syntheticRun('A', 2000, 0.2), syntheticRun('B', 120, 0.6)],
  };
}

/** Imports a file through the Export panel's "Import metrics JSON…" input, as a user picks one. */
export async function importMetrics(page: Page, name: string, contents: string): Promise<void> {
  await page.getByTestId('import-metrics').setInputFiles({
    name,
    mimeType: 'application/json',
    buffer: Buffer.from(contents),
  });
}
