import { useMemo } from 'react';
import { usePretraining } from '../../store/pretraining.ts';
import { useSettings } from '../../store/settings.ts';
import type { PretrainPoint, PretrainSlot } from '../../store/domain.ts';
import { MetricChart, type ChartSeries } from '../charts/MetricChart.tsx';
import { downsampleMinMax, smoothXY, xOf, type XY } from '../charts/series.ts';
import { useThemeColors } from '../charts/theme-colors.ts';
import { useThrottled } from '../common/use-throttled.ts';
import { formatCompact } from '../common/format.ts';
import { PretrainProblems } from './PretrainProblems.tsx';

const MAX_POINTS = 400;
const REFRESH_MS = 750;

function lossSeries(points: readonly PretrainPoint[], axis: 'step' | 'epoch' | 'time'): XY[] {
  return points.map((p) => ({ x: xOf(p, axis), y: Number.isFinite(p.loss) ? p.loss : null }));
}

/** The slot's reconstruction loss as it trains (raw and smoothed, as the runs' loss), and what it misses. */
export function PretrainLossChart({ slot }: { slot: PretrainSlot }) {
  const colors = useThemeColors();
  const axis = useSettings((s) => s.view.x);
  const smoothing = useSettings((s) => s.view.smoothing);
  const points = useThrottled(
    usePretraining((s) => s.data.slots[slot].points),
    REFRESH_MS,
  );
  const color = slot === 'pretraining-1' ? colors.runA : colors.runB;
  const series = useMemo<ChartSeries[]>(() => {
    if (points.length === 0) return [];
    const raw = lossSeries(points, axis);
    if (smoothing <= 0)
      return [{ id: 'loss', label: 'loss', color, data: downsampleMinMax(raw, MAX_POINTS) }];
    return [
      { id: 'raw', label: 'loss (raw)', color, data: downsampleMinMax(raw, MAX_POINTS), faint: true },
      { id: 'smooth', label: 'loss', color, data: downsampleMinMax(smoothXY(raw, smoothing), MAX_POINTS) },
    ];
  }, [points, axis, smoothing, color]);
  return (
    <div className="pretrain-loss">
      <MetricChart
        title="Reconstruction loss"
        subtitle="MSE over the masked cubes"
        name={`pretrain-loss-${slot}`}
        series={series}
        axis={axis}
        formatY={formatCompact}
        countA={points.length}
        countB={0}
        height={220}
        emptyText="No points yet: start the pretraining."
      />
      <PretrainProblems slot={slot} />
    </div>
  );
}
