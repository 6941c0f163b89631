import { describe, expect, it } from 'vitest';
import { Rng } from '../../util/rng.ts';
import type { StepPoint } from '../../store/domain.ts';
import { downsampleMinMax, evalSeries, mergeSeries, smoothXY, stepSeries, xOf, type XY } from './series.ts';

function point(step: number, loss: number): StepPoint {
  return {
    runId: 'A',
    step,
    epoch: step / 12,
    loss,
    accuracy: 0.5,
    accuracyTarget: 'label',
    lr: 1e-4,
    gradNorm: null,
    clipsPerSecond: 4,
    elapsedMs: step * 250,
  };
}

describe('chart series', () => {
  it('puts points on the chosen axis and turns non-finite values into gaps', () => {
    const points = [point(1, 2), point(2, Number.NaN), point(3, Number.POSITIVE_INFINITY), point(24, 1)];
    expect(stepSeries(points, 'loss', 'step')).toEqual([
      { x: 1, y: 2 },
      { x: 2, y: null },
      { x: 3, y: null },
      { x: 24, y: 1 },
    ]);
    expect(stepSeries(points, 'loss', 'epoch').map((p) => p.x)).toEqual([1 / 12, 2 / 12, 3 / 12, 2]);
    expect(xOf(points[3]!, 'time')).toBe(6);
    expect(
      evalSeries(
        [
          {
            runId: 'A',
            split: 'val',
            step: 12,
            epoch: 1,
            loss: 0.5,
            top1: 0.75,
            top5: 1,
            confusion: [],
            clips: 4,
            elapsedMs: 3000,
          },
        ],
        'top1',
        'time',
      ),
    ).toEqual([{ x: 3, y: 0.75 }]);
  });

  it('smooths like the EMA of the training helpers, keeping gaps', () => {
    const series: XY[] = [
      { x: 1, y: 1 },
      { x: 2, y: null },
      { x: 3, y: 3 },
    ];
    const smoothed = smoothXY(series, 0.5);
    expect(smoothed[0]!.y).toBe(1);
    expect(smoothed[1]!.y).toBeNull();
    // Debiased EMA of [1, 3] with weight 0.5: (0.25 + 1.5) / 0.75.
    expect(smoothed[2]!.y).toBeCloseTo(1.75 / 0.75, 12);
    expect(smoothXY(series, 0)).toBe(series);
  });
});

describe('downsampleMinMax', () => {
  const rng = new Rng(7);
  const noisy: XY[] = Array.from({ length: 10_000 }, (_, i) => ({ x: i, y: rng.normal() + i / 1000 }));

  it('caps the points, keeps the ends and every bucket extreme, in x order', () => {
    const out = downsampleMinMax(noisy, 500);
    expect(out.length).toBeLessThanOrEqual(500);
    expect(out.length).toBeGreaterThan(450);
    expect(out[0]).toBe(noisy[0]);
    expect(out[out.length - 1]).toBe(noisy[noisy.length - 1]);
    for (let i = 1; i < out.length; i++) expect(out[i]!.x).toBeGreaterThan(out[i - 1]!.x);
    const ys = noisy.map((p) => p.y!);
    const kept = out.map((p) => p.y);
    expect(kept).toContain(Math.max(...ys));
    expect(kept).toContain(Math.min(...ys));
  });

  it('leaves short series alone and marks a bucket of gaps as a gap', () => {
    const short = noisy.slice(0, 100);
    expect(downsampleMinMax(short, 500)).toBe(short);
    const gappy = noisy.map((p, i) => (i >= 5000 && i < 5100 ? { x: p.x, y: null } : p));
    const out = downsampleMinMax(gappy, 200);
    expect(out.some((p) => p.y === null)).toBe(true);
  });
});

describe('mergeSeries', () => {
  it('makes one row per x with a column per series, in x order', () => {
    const rows = mergeSeries([
      {
        id: 'A',
        data: [
          { x: 1, y: 1 },
          { x: 2, y: null },
          { x: 3, y: 3 },
        ],
      },
      {
        id: 'B',
        data: [
          { x: 2, y: 20 },
          { x: 0.5, y: 5 },
        ],
      },
    ]);
    expect(rows).toEqual([
      { x: 0.5, B: 5 },
      { x: 1, A: 1 },
      { x: 2, A: null, B: 20 },
      { x: 3, A: 3 },
    ]);
  });
});
