import { useMemo } from 'react';
import { useShownImport } from '../../store/imported.ts';
import { useTraining } from '../../store/training.ts';
import { formatDuration, formatPercent } from '../common/format.ts';
import { summarizeRun, type Coverage, type RunSummary } from './summary.ts';
import './results.css';

/** "of 23 / 24 clips" beside a figure measured on part of its split. */
function CoverageNote({ coverage }: { coverage: Coverage | null }) {
  if (!coverage) return null;
  return (
    <span className="muted small coverage-note" data-coverage={`${coverage.clips}/${coverage.splitClips}`}>
      {' '}
      (on {coverage.clips} of {coverage.splitClips} clips)
    </span>
  );
}

function Row({ name, summary, className }: { name: string; summary: RunSummary; className: string }) {
  return (
    <tr data-run={name} className={className}>
      <th scope="row">
        <span className="row-swatch" aria-hidden="true" />
        {name}
      </th>
      <td data-metric="best-val">
        {formatPercent(summary.bestVal?.top1)}
        {summary.bestVal && <span className="muted small"> @ epoch {summary.bestVal.epoch.toFixed(1)}</span>}
        <CoverageNote coverage={summary.bestVal?.coverage ?? null} />
      </td>
      <td data-metric="final-val">
        {formatPercent(summary.finalVal)}
        <CoverageNote coverage={summary.finalValCoverage} />
      </td>
      <td data-metric="test-top1" data-value={summary.testTop1 ?? ''}>
        {formatPercent(summary.testTop1)}
        <CoverageNote coverage={summary.testCoverage} />
      </td>
      <td data-metric="test-top5" data-value={summary.testTop5 ?? ''}>
        {formatPercent(summary.testTop5)}
      </td>
      <td data-metric="time">{summary.seconds === null ? '—' : formatDuration(summary.seconds)}</td>
      <td data-metric="clips-per-second">
        {summary.clipsPerSecond === null ? '—' : summary.clipsPerSecond.toFixed(1)}
      </td>
      <td data-metric="status" data-problems={summary.problems.length} title={summary.problems.join('\n')}>
        {summary.status === 'finished' && summary.problems.length > 0
          ? 'finished with problems'
          : (summary.status ?? '—')}
      </td>
    </tr>
  );
}

export function SummaryTable() {
  const runA = useTraining((s) => s.data.runs.A);
  const runB = useTraining((s) => s.data.runs.B);
  const imported = useShownImport();
  const a = useMemo(() => summarizeRun(runA), [runA]);
  const b = useMemo(() => summarizeRun(runB), [runB]);
  const other = useMemo(() => (imported ? summarizeRun({ ...imported, state: null }) : null), [imported]);
  return (
    <table className="table summary-table" data-testid="summary-table">
      <caption className="visually-hidden">Results per run</caption>
      <thead>
        <tr>
          <th scope="col">Run</th>
          <th scope="col">Best val acc</th>
          <th scope="col">Final val acc</th>
          <th scope="col">Test top-1</th>
          <th scope="col">Test top-5</th>
          <th scope="col">Time</th>
          <th scope="col">Clips/s</th>
          <th scope="col">Status</th>
        </tr>
      </thead>
      <tbody>
        <Row name="A" summary={a} className="row-a" />
        <Row name="B" summary={b} className="row-b" />
        {imported && other && <Row name={imported.label} summary={other} className="row-imported" />}
      </tbody>
    </table>
  );
}
