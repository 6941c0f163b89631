import { memo, useMemo, useRef, useState } from 'react';
import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { XAxisKind } from '../../store/view-settings.ts';
import { downloadBlob } from '../common/download.ts';
import { useStaggered } from '../common/use-throttled.ts';
import { formatDuration } from '../common/format.ts';
import { chartToPng } from './chart-png.ts';
import { mergeSeries, type XY } from './series.ts';
import { useThemeColors } from './theme-colors.ts';
import './charts.css';

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

interface PlotView {
  series: ChartSeries[];
  axis: XAxisKind;
  formatY(value: number): string;
  yDomain: [number | 'auto' | 'dataMin', number | 'auto' | 'dataMax'];
}

const DEFAULT_DOMAIN: PlotView['yDomain'] = ['auto', 'auto'];
const HIDDEN = { visibility: 'hidden' } as const;

const MARGIN = { top: 8, right: 16, bottom: 4, left: 0 };
const X_DOMAIN: [number, 'dataMax'] = [0, 'dataMax'];

interface TickProps {
  x?: number | string;
  y?: number | string;
  textAnchor?: 'start' | 'middle' | 'end' | 'inherit';
  verticalAnchor?: 'start' | 'middle' | 'end';
  className?: string;
  payload?: { value?: unknown };
}

const ANCHOR_SHIFT = { start: '0.71em', middle: '0.355em', end: '0' } as const;

/**
 * A tick label as a plain SVG text. Recharts' own tick component measures every label in the DOM to wrap it
 * (a forced layout per label per redraw); single-line numbers never need it.
 */
function plainTick(format: (value: number) => string, fill: string) {
  return function PlainTick({ x, y, textAnchor, verticalAnchor = 'end', className, payload }: TickProps) {
    return (
      <text
        x={x}
        y={y}
        dy={ANCHOR_SHIFT[verticalAnchor]}
        textAnchor={textAnchor}
        fill={fill}
        fontSize={12}
        className={className}
      >
        {format(Number(payload?.value))}
      </text>
    );
  };
}

/**
 * The drawing itself: it redraws only when its view changes, and then in its turn (useStaggered). Every
 * prop handed to recharts is stable between redraws (memoised or constant): recharts keeps axis and line
 * settings in its own store, and a new object there recomputes the whole chart.
 */
const Plot = memo(function Plot({
  view,
  height,
  emptyText,
}: {
  view: PlotView;
  height: number;
  emptyText: string;
}) {
  const colors = useThemeColors();
  const { series, axis, formatY, yDomain } = view;
  const rows = useMemo(() => mergeSeries(series), [series]);
  const axisProps = useMemo(
    () => ({
      stroke: colors.muted,
      xTick: plainTick((v) => formatX(v, axis), colors.muted),
      yTick: plainTick(formatY, colors.muted),
      formatX: (v: number) => formatX(v, axis),
      label: {
        value: AXIS_LABELS[axis],
        position: 'insideBottomRight' as const,
        offset: -2,
        fill: colors.muted,
        fontSize: 11,
      },
      tooltipStyle: {
        background: colors.surface,
        border: `1px solid ${colors.grid}`,
        borderRadius: 8,
        color: colors.text,
      },
      tooltipLabel: (v: unknown) => `${AXIS_LABELS[axis]} ${formatX(Number(v), axis)}`,
      tooltipValue: (value: unknown) => (typeof value === 'number' ? formatY(value) : String(value)),
    }),
    [colors, axis, formatY],
  );
  const lines = useMemo(
    () =>
      series.map((s) => ({
        id: s.id,
        label: s.label,
        color: s.color,
        width: s.faint ? 1 : 2.25,
        opacity: s.faint ? 0.3 : 1,
        dash: s.dashed ? '6 4' : undefined,
        dot: s.dots ? { r: 3, strokeWidth: 0, fill: s.color } : false,
        activeDot: s.faint ? false : { r: 4 },
      })),
    // Line styles change with the set of series, not with their points.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [series.map((s) => `${s.id}|${s.color}|${s.faint}|${s.dashed}|${s.dots}|${s.label}`).join(',')],
  );
  // The chart is mounted even before it has points, hidden under the placeholder: mounting recharts costs a
  // few hundred milliseconds of main thread, which must not fall on the moment training starts.
  const empty = series.every((s) => s.data.length === 0);
  return (
    <div className="chart-plot" style={{ height }}>
      {empty && <div className="chart-empty">{emptyText}</div>}
      <div className="chart-drawing" aria-hidden={empty} style={empty ? HIDDEN : undefined}>
        <ResponsiveContainer width="100%" height={height}>
          <LineChart data={rows} margin={MARGIN}>
            <CartesianGrid stroke={colors.grid} strokeDasharray="3 3" vertical={false} />
            <XAxis
              type="number"
              dataKey="x"
              domain={X_DOMAIN}
              tickFormatter={axisProps.formatX}
              stroke={axisProps.stroke}
              tick={axisProps.xTick}
              label={axisProps.label}
              height={34}
              // Every tick shown (recharts' nice ticks are few): any other interval makes recharts measure
              // each label in the DOM, a forced layout on every redraw.
              interval={0}
            />
            <YAxis
              type="number"
              domain={yDomain}
              tickFormatter={formatY}
              stroke={axisProps.stroke}
              tick={axisProps.yTick}
              width={52}
              interval={0}
            />
            <Tooltip
              isAnimationActive={false}
              contentStyle={axisProps.tooltipStyle}
              labelFormatter={axisProps.tooltipLabel}
              formatter={axisProps.tooltipValue}
            />
            {lines.map((line) => (
              <Line
                key={line.id}
                dataKey={line.id}
                name={line.label}
                type="linear"
                stroke={line.color}
                strokeWidth={line.width}
                strokeOpacity={line.opacity}
                strokeDasharray={line.dash}
                dot={line.dot}
                activeDot={line.activeDot}
                isAnimationActive={false}
                connectNulls
              />
            ))}
          </LineChart>
        </ResponsiveContainer>
      </div>
    </div>
  );
});

/** One metric, A and B (and an imported run) overlaid on the shared x-axis. */
export const MetricChart = memo(function MetricChart({
  title,
  subtitle,
  name,
  series,
  axis,
  formatY,
  yDomain = DEFAULT_DOMAIN,
  countA,
  countB,
  height = 250,
  emptyText,
}: MetricChartProps) {
  const colors = useThemeColors();
  const figure = useRef<HTMLElement>(null);
  const [exportError, setExportError] = useState<string | null>(null);
  const view = useStaggered(
    useMemo(() => ({ series, axis, formatY, yDomain }), [series, axis, formatY, yDomain]),
  );
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
      <Plot view={view} height={height} emptyText={emptyText} />
    </figure>
  );
});
