import { useMemo } from 'react';
import { type DatasetIndex, summarizeDataset } from '../../store/domain.ts';
import { useDataset } from '../../store/dataset.ts';
import { ClassSplitTable } from './ClassSplitTable.tsx';
import { DatasetFacts } from './DatasetFacts.tsx';
import { DatasetWarnings } from './DatasetWarnings.tsx';
import { SkippedFiles } from './SkippedFiles.tsx';
import { SplitControls } from './SplitControls.tsx';
import './dataset.css';

export function DatasetSummary({ index }: { index: DatasetIndex }) {
  const preprocess = useDataset((s) => s.preprocess);
  const report = useDataset((s) => s.decodeReport);
  const summary = useMemo(() => summarizeDataset(index, preprocess), [index, preprocess]);
  return (
    <div
      className="stack"
      data-testid="dataset-summary"
      data-clips={summary.totalClips}
      data-skipped={index.skipped.length}
      data-decoded={report ? report.decoded : ''}
      data-cached={report ? report.cached : ''}
    >
      <p>
        <strong>{index.name}</strong>: {summary.totalClips} clips in {summary.classes.length} classes
        {index.skipped.length > 0 ? `, ${index.skipped.length} skipped` : ''}
        {report && !report.cancelled
          ? `; frames ready in ${report.elapsedS.toFixed(1)} s` +
            (report.cached > 0 ? ` (${report.cached} clips from the cache)` : '')
          : ''}
        .
      </p>
      <div className="dataset-columns">
        <ClassSplitTable summary={summary} />
        <DatasetFacts index={index} summary={summary} />
      </div>
      <DatasetWarnings warnings={index.warnings} />
      <SplitControls index={index} />
      <SkippedFiles index={index} />
    </div>
  );
}
