import { useMemo } from 'react';
import { useImported, useShownImport, type ImportedRun } from '../../store/imported.ts';
import { useSettings } from '../../store/settings.ts';
import { useTraining } from '../../store/training.ts';
import { X_AXES, type XAxisKind } from '../../store/view-settings.ts';
import type { EvalPoint, StepPoint } from '../../store/domain.ts';
import { Panel } from '../common/Panel.tsx';
import { Segmented } from '../common/controls.tsx';
import { useThrottled } from '../common/use-throttled.ts';
import { formatCompact, formatPercent } from '../common/format.ts';
import { ExplainPanel } from './ExplainPanel.tsx';
import { MetricChart, type ChartSeries } from './MetricChart.tsx';
import {
  downsampleMinMax,
  evalSeries,
  smoothXY,
  stepSeries,
  type EvalMetric,
  type StepMetric,
} from './series.ts';
import { useThemeColors, type ThemeColors } from './theme-colors.ts';
import './charts.css';

/**
 * Points a line draws at most; longer runs are min/max downsampled so spikes stay visible. Recharts' cost
 * grows with the points drawn, so faint raw lines and the smooth lr curve get fewer.
 */
export const MAX_RENDERED_POINTS = 400;
const MAX_RAW_POINTS = 250;
const MAX_LR_POINTS = 120;
/** Charts redraw at most this often while training (the run columns follow every batch). */
export const CHART_REFRESH_MS = 750;

interface Source {
  id: string;
  label: string;
  color: string;
  dashed: boolean;
  steps: readonly StepPoint[];
  val: readonly EvalPoint[];
}

function sourcesOf<K extends 'steps' | 'val'>(
  colors: ThemeColors,
  a: Source[K],
  b: Source[K],
  imported: ImportedRun | null,
  field: K,
): Source[] {
  const empty = { steps: [], val: [] };
  const list: Source[] = [
    { id: 'A', label: 'A', color: colors.runA, dashed: false, ...empty, [field]: a },
    { id: 'B', label: 'B', color: colors.runB, dashed: false, ...empty, [field]: b },
  ];
  if (imported) {
    list.push({
      id: 'imported',
      label: imported.label,
      color: colors.imported,
      dashed: true,
      ...empty,
      [field]: imported[field],
    });
  }
  return list;
}

function trainingSeries(
  sources: Source[],
  metric: StepMetric,
  axis: XAxisKind,
  smoothing: number,
): ChartSeries[] {
  const out: ChartSeries[] = [];
  for (const s of sources) {
    if (s.steps.length === 0) continue;
    const raw = stepSeries(s.steps, metric, axis);
    if (smoothing > 0 && metric !== 'lr') {
      out.push({
        id: `${s.id}-raw`,
        label: `${s.label} (raw)`,
        color: s.color,
        data: downsampleMinMax(raw, MAX_RAW_POINTS),
        faint: true,
        dashed: s.dashed,
      });
      out.push({
        id: `${s.id}-smooth`,
        label: s.label,
        color: s.color,
        data: downsampleMinMax(smoothXY(raw, smoothing), MAX_RENDERED_POINTS),
        dashed: s.dashed,
      });
    } else {
      out.push({
        id: s.id,
        label: s.label,
        color: s.color,
        data: downsampleMinMax(raw, metric === 'lr' ? MAX_LR_POINTS : MAX_RENDERED_POINTS),
        dashed: s.dashed,
      });
    }
  }
  return out;
}

function validationSeries(sources: Source[], metric: EvalMetric, axis: XAxisKind): ChartSeries[] {
  return sources
    .filter((s) => s.val.length > 0)
    .map((s) => ({
      id: s.id,
      label: s.label,
      color: s.color,
      data: downsampleMinMax(evalSeries(s.val, metric, axis), MAX_RENDERED_POINTS),
      dashed: s.dashed,
      dots: s.val.length <= 40,
    }));
}

const WAITING = 'No points yet: press "Train both".';
const WAITING_EVAL = 'Validation runs at the end of each epoch.';
const UNIT_DOMAIN: [number, number] = [0, 1];
const formatPercentTick = (v: number) => formatPercent(v, 0);

const X_LABELS: Record<XAxisKind, string> = { step: 'Step', epoch: 'Epoch', time: 'Wall time' };

export function ChartsPanel() {
  const colors = useThemeColors();
  const axis = useSettings((s) => s.view.x);
  const smoothing = useSettings((s) => s.view.smoothing);
  const setViewSetting = useSettings((s) => s.setViewSetting);
  // The run columns follow every batch; the charts follow at CHART_REFRESH_MS, each in its turn.
  const runA = useThrottled(
    useTraining((s) => s.data.runs.A),
    CHART_REFRESH_MS,
  );
  const runB = useThrottled(
    useTraining((s) => s.data.runs.B),
    CHART_REFRESH_MS,
  );
  const imported = useShownImport();
  const importedCount = useImported((s) => s.runs.length);

  // Separate step and evaluation sources: validation charts redraw only when an evaluation arrives.
  const stepSources = useMemo(
    () => sourcesOf(colors, runA.steps, runB.steps, imported, 'steps'),
    [colors, runA.steps, runB.steps, imported],
  );
  const valSources = useMemo(
    () => sourcesOf(colors, runA.val, runB.val, imported, 'val'),
    [colors, runA.val, runB.val, imported],
  );
  const loss = useMemo(
    () => trainingSeries(stepSources, 'loss', axis, smoothing),
    [stepSources, axis, smoothing],
  );
  const accuracy = useMemo(
    () => trainingSeries(stepSources, 'accuracy', axis, smoothing),
    [stepSources, axis, smoothing],
  );
  const lr = useMemo(() => trainingSeries(stepSources, 'lr', axis, 0), [stepSources, axis]);
  const valLoss = useMemo(() => validationSeries(valSources, 'loss', axis), [valSources, axis]);
  const valAccuracy = useMemo(() => validationSeries(valSources, 'top1', axis), [valSources, axis]);

  const steps = { countA: runA.steps.length, countB: runB.steps.length };
  const evals = { countA: runA.val.length, countB: runB.val.length };

  return (
    <Panel
      id="charts"
      title="Live comparison"
      subtitle="A and B on one axis, updated as they train."
      actions={
        <div className="chart-toolbar">
          <Segmented
            label="Chart x-axis"
            value={axis}
            options={X_AXES}
            optionLabels={X_LABELS}
            onChange={(value) => setViewSetting('x', value)}
            testId="x-axis"
          />
          <label className="slider">
            <span>Smoothing</span>
            <input
              type="range"
              min={0}
              max={0.99}
              step={0.01}
              value={smoothing}
              onChange={(e) => setViewSetting('smoothing', Number(e.target.value))}
              aria-valuetext={smoothing === 0 ? 'off' : String(smoothing)}
            />
            <output>{smoothing === 0 ? 'off' : smoothing.toFixed(2)}</output>
          </label>
        </div>
      }
    >
      <div className="legend" aria-label="Legend">
        <span className="legend-item">
          <span className="legend-line" style={{ background: colors.runA }} /> A
        </span>
        <span className="legend-item">
          <span className="legend-line" style={{ background: colors.runB }} /> B
        </span>
        {imported && (
          <span className="legend-item" data-testid="legend-imported">
            <span className="legend-line dashed" style={{ color: colors.imported }} /> {imported.label}
          </span>
        )}
        {smoothing > 0 && <span className="muted small">Faint lines: raw values; bold: smoothed.</span>}
        {importedCount > 0 && !imported && (
          <span className="muted small">Imported runs are hidden (Export panel).</span>
        )}
      </div>
      <div className="chart-grid">
        <MetricChart
          title="Training loss"
          name="train-loss"
          series={loss}
          axis={axis}
          formatY={formatCompact}
          {...steps}
          emptyText={WAITING}
        />
        <MetricChart
          title="Training accuracy"
          subtitle="mixed batches: vs dominant label"
          name="train-accuracy"
          series={accuracy}
          axis={axis}
          formatY={formatPercentTick}
          yDomain={UNIT_DOMAIN}
          {...steps}
          emptyText={WAITING}
        />
        <MetricChart
          title="Validation loss"
          name="val-loss"
          series={valLoss}
          axis={axis}
          formatY={formatCompact}
          {...evals}
          emptyText={WAITING_EVAL}
        />
        <MetricChart
          title="Validation accuracy"
          subtitle="top-1, never mixed"
          name="val-accuracy"
          series={valAccuracy}
          axis={axis}
          formatY={formatPercentTick}
          yDomain={UNIT_DOMAIN}
          {...evals}
          emptyText={WAITING_EVAL}
        />
        <MetricChart
          title="Learning rate"
          name="lr"
          series={lr}
          axis={axis}
          formatY={formatCompact}
          {...steps}
          height={200}
          emptyText={WAITING}
        />
        <ExplainPanel />
      </div>
    </Panel>
  );
}
