/**
 * From stored points to what a chart draws: the x value on the chosen axis, the metric (non-finite values
 * become gaps), a smoothed copy, and a min/max downsampling that keeps spikes visible while capping the
 * points a chart renders, however long the run.
 */
import { EmaSmoother, type EvalPoint, type StepPoint } from '../../store/domain.ts';
import type { XAxisKind } from '../../store/view-settings.ts';

export interface XY {
  x: number;
  y: number | null;
}

export type StepMetric = 'loss' | 'accuracy' | 'lr';
export type EvalMetric = 'loss' | 'top1' | 'top5';

/** Step, fractional epoch, or seconds of training (pauses excluded). */
export function xOf(point: { step: number; epoch: number; elapsedMs: number }, axis: XAxisKind): number {
  return axis === 'step' ? point.step : axis === 'epoch' ? point.epoch : point.elapsedMs / 1000;
}

function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}

export function stepSeries(points: readonly StepPoint[], metric: StepMetric, axis: XAxisKind): XY[] {
  return points.map((p) => ({ x: xOf(p, axis), y: finiteOrNull(p[metric]) }));
}

export function evalSeries(points: readonly EvalPoint[], metric: EvalMetric, axis: XAxisKind): XY[] {
  return points.map((p) => ({ x: xOf(p, axis), y: finiteOrNull(p[metric]) }));
}

/** TensorBoard-style debiased EMA; gaps stay gaps. Weight 0 returns the series itself. */
export function smoothXY(series: readonly XY[], weight: number): XY[] {
  if (weight <= 0) return series as XY[];
  const smoother = new EmaSmoother(weight);
  return series.map(({ x, y }) => {
    if (y === null) return { x, y: null };
    return { x, y: smoother.push(y) };
  });
}

/**
 * At most `maxPoints` points: the first and last as they are, and between them, per bucket, the lowest and
 * the highest point and the first gap, in x order (a gap must stay visible, or the line would bridge it).
 */
export function downsampleMinMax(series: readonly XY[], maxPoints: number): XY[] {
  const n = series.length;
  if (n <= maxPoints || maxPoints < 5) return series as XY[];
  const hasGaps = series.some((p) => p.y === null);
  const buckets = Math.floor((maxPoints - 2) / (hasGaps ? 3 : 2));
  const interior = n - 2;
  const out: XY[] = [series[0]!];
  for (let b = 0; b < buckets; b++) {
    const start = 1 + Math.floor((b * interior) / buckets);
    const end = 1 + Math.floor(((b + 1) * interior) / buckets);
    let lo = -1;
    let hi = -1;
    let gap = -1;
    for (let i = start; i < end; i++) {
      const y = series[i]!.y;
      if (y === null) {
        if (gap < 0) gap = i;
        continue;
      }
      if (lo < 0 || y < series[lo]!.y!) lo = i;
      if (hi < 0 || y > series[hi]!.y!) hi = i;
    }
    const picked = [...new Set([lo, hi, gap].filter((i) => i >= 0))].sort((a, b) => a - b);
    for (const i of picked) out.push(series[i]!);
  }
  out.push(series[n - 1]!);
  return out;
}

/** The largest x over several series (for a shared axis domain). */
export function maxX(...all: readonly (readonly XY[])[]): number {
  let max = 0;
  for (const series of all) if (series.length > 0) max = Math.max(max, series[series.length - 1]!.x);
  return max;
}

export type ChartRow = { x: number } & Record<string, number | null>;

/**
 * Several series as one table keyed by x, one column per series, for a single chart-level data array.
 * Recharts re-registers every line whose own data changes; with one shared table only the chart's data
 * changes. Rows are in x order; a series has no cell in rows of x values it lacks. The chart bridges
 * missing cells (A and B rarely share x on the time axis), so a non-finite value shows as a bridged point;
 * the run's messages name such a step.
 */
export function mergeSeries(series: readonly { id: string; data: readonly XY[] }[]): ChartRow[] {
  const rows = new Map<number, ChartRow>();
  for (const s of series) {
    for (const { x, y } of s.data) {
      let row = rows.get(x);
      if (!row) rows.set(x, (row = { x } as ChartRow));
      row[s.id] = y;
    }
  }
  return [...rows.values()].sort((a, b) => a.x - b.x);
}
