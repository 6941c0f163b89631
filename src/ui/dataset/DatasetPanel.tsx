import { useMemo } from 'react';
import { summarizeSplitLayout } from '../../data/layout-summary.ts';
import { useDataset } from '../../store/dataset.ts';
import { Panel } from '../common/Panel.tsx';
import { formatBytes } from '../common/format.ts';
import { LayoutSummaryTable } from './LayoutSummaryTable.tsx';

export function DatasetPanel() {
  const { source, files, loading, error, loadSampleDataset } = useDataset();
  const summary = useMemo(
    () => summarizeSplitLayout(files.map((f) => f.path.split('/').slice(1).join('/'))),
    [files],
  );
  return (
    <Panel
      id="dataset"
      title="Dataset"
      subtitle="A folder of clips laid out like UCF101_subset: train/, val/, test/, one folder per class."
      actions={
        <button
          type="button"
          className="primary"
          onClick={() => void loadSampleDataset()}
          disabled={loading !== null}
        >
          Try the sample dataset
        </button>
      }
    >
      {loading && (
        <div className="progress-row" data-testid="dataset-loading">
          <progress value={loading.loadedBytes} max={loading.totalBytes || 1} />
          <span>
            {loading.loadedFiles} / {loading.totalFiles} files, {formatBytes(loading.loadedBytes)}
          </span>
        </div>
      )}
      {error && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
      {source && (
        <div className="stack" data-testid="dataset-summary" data-clips={summary.total}>
          <p>
            <strong>{source.name}</strong>: {summary.total} clips in {summary.classes.length} classes,{' '}
            {formatBytes(files.reduce((sum, f) => sum + f.file.size, 0))}.
          </p>
          <LayoutSummaryTable summary={summary} />
        </div>
      )}
      {!source && !loading && (
        <p className="muted">
          No dataset yet. The sample has six motion classes (slide up/down, grow/shrink, fade in/out) that no
          single frame can tell apart.
        </p>
      )}
    </Panel>
  );
}
