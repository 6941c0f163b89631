import { memo, useRef, useState } from 'react';
import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { XAxisKind } from '../../store/view-settings.ts';
import { downloadBlob } from '../common/download.ts';
import { formatDuration } from '../common/format.ts';
import { chartToPng } from './chart-png.ts';
import type { XY } from './series.ts';
import { useThemeColors } from './theme-colors.ts';

export interface ChartSeries {
  id: string;
  label: string;
  color: string;
  data: XY[];
  dashed?: boolean;
  /** Thin and faint for raw values under a smoothed line. */
  faint?: boolean;
  dots?: boolean;
}

interface MetricChartProps {
  title: string;
  subtitle?: string;
  /** Used for the test id and the PNG's file name. */
  name: string;
  series: ChartSeries[];
  axis: XAxisKind;
  formatY(value: number): string;
  yDomain?: [number | 'auto' | 'dataMin', number | 'auto' | 'dataMax'];
  /** Points stored per live run (before downsampling), for tests. */
  countA: number;
  countB: number;
  height?: number;
  emptyText: string;
}

const AXIS_LABELS: Record<XAxisKind, string> = { step: 'step', epoch: 'epoch', time: 'training time' };

export function formatX(value: number, axis: XAxisKind): string {
  if (axis === 'time') return formatDuration(value);
  if (axis === 'epoch') return Number.isInteger(value) ? String(value) : value.toFixed(1);
  return String(Math.round(value));
}

/** One metric, A and B (and an imported run) overlaid on the shared x-axis. */
export const MetricChart = memo(function MetricChart({
  title,
  subtitle,
  name,
  series,
  axis,
  formatY,
  yDomain = ['auto', 'auto'],
  countA,
  countB,
  height = 250,
  emptyText,
}: MetricChartProps) {
  const colors = useThemeColors();
  const figure = useRef<HTMLElement>(null);
  const [exportError, setExportError] = useState<string | null>(null);
  const empty = series.every((s) => s.data.length === 0);
  const exportPng = async () => {
    if (!figure.current) return;
    try {
      setExportError(null);
      downloadBlob(await chartToPng(figure.current, title, colors), `${name}.png`);
    } catch (error) {
      setExportError(error instanceof Error ? error.message : String(error));
    }
  };
  return (
    <figure
      className="chart"
      ref={figure}
      data-chart={name}
      data-chart-title={title}
      data-testid={`chart-${name}`}
      data-points-a={countA}
      data-points-b={countB}
    >
      <figcaption>
        <div>
          <h3>{title}</h3>
          {subtitle && <span className="chart-subtitle">{subtitle}</span>}
        </div>
        <button
          type="button"
          className="icon-button"
          onClick={() => void exportPng()}
          disabled={empty}
          aria-label={`Download the ${title.toLowerCase()} chart as PNG`}
          title="Download as PNG"
        >
          PNG
        </button>
      </figcaption>
      {exportError && (
        <p className="error-text small" role="alert">
          {exportError}
        </p>
      )}
      {empty ? (
        <div className="chart-empty" style={{ height }}>
          {emptyText}
        </div>
      ) : (
        <ResponsiveContainer width="100%" height={height}>
          <LineChart margin={{ top: 8, right: 16, bottom: 4, left: 0 }}>
            <CartesianGrid stroke={colors.grid} strokeDasharray="3 3" vertical={false} />
            <XAxis
              type="number"
              dataKey="x"
              domain={[0, 'dataMax']}
              tickFormatter={(v: number) => formatX(v, axis)}
              stroke={colors.muted}
              tick={{ fill: colors.muted, fontSize: 12 }}
              allowDataOverflow={false}
              label={{
                value: AXIS_LABELS[axis],
                position: 'insideBottomRight',
                offset: -2,
                fill: colors.muted,
                fontSize: 11,
              }}
              height={34}
            />
            <YAxis
              type="number"
              domain={yDomain}
              tickFormatter={formatY}
              stroke={colors.muted}
              tick={{ fill: colors.muted, fontSize: 12 }}
              width={52}
            />
            <Tooltip
              isAnimationActive={false}
              contentStyle={{
                background: colors.surface,
                border: `1px solid ${colors.grid}`,
                borderRadius: 8,
                color: colors.text,
              }}
              labelFormatter={(v) => `${AXIS_LABELS[axis]} ${formatX(Number(v), axis)}`}
              formatter={(value) => (typeof value === 'number' ? formatY(value) : String(value))}
            />
            {series.map((s) => (
              <Line
                key={s.id}
                data={s.data}
                dataKey="y"
                name={s.label}
                type="linear"
                stroke={s.color}
                strokeWidth={s.faint ? 1 : 2.25}
                strokeOpacity={s.faint ? 0.3 : 1}
                strokeDasharray={s.dashed ? '6 4' : undefined}
                dot={s.dots ? { r: 3, strokeWidth: 0, fill: s.color } : false}
                activeDot={s.faint ? false : { r: 4 }}
                isAnimationActive={false}
                connectNulls={false}
                data-series={s.id}
              />
            ))}
          </LineChart>
        </ResponsiveContainer>
      )}
    </figure>
  );
});
