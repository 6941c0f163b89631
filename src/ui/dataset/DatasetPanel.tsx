import { useDataset } from '../../store/dataset.ts';
import { Panel } from '../common/Panel.tsx';
import { CacheControls } from './CacheControls.tsx';
import { DatasetSummary } from './DatasetSummary.tsx';
import { DropZone } from './DropZone.tsx';
import { IngestProgress } from './IngestProgress.tsx';
import { PreviewStrip } from './PreviewStrip.tsx';

export function DatasetPanel() {
  const phase = useDataset((s) => s.phase);
  const index = useDataset((s) => s.index);
  const error = useDataset((s) => s.error);
  const notice = useDataset((s) => s.notice);
  const loadSampleDataset = useDataset((s) => s.loadSampleDataset);
  const busy = phase === 'fetching' || phase === 'scanning' || phase === 'decoding';
  return (
    <Panel
      id="dataset"
      title="Dataset"
      subtitle="Clips laid out like UCF101_subset: train/, val/, test/, a folder per class."
      actions={
        <button type="button" className="primary" onClick={() => void loadSampleDataset()} disabled={busy}>
          Try the sample dataset
        </button>
      }
    >
      <div className="stack">
        <DropZone disabled={busy} />
        <IngestProgress />
        {error && (
          <p className="error-text" role="alert">
            {error}
          </p>
        )}
        {notice && <p className="muted">{notice}</p>}
        {index && <DatasetSummary index={index} />}
        {index && <PreviewStrip index={index} />}
        {index && <CacheControls />}
        {!index && !busy && (
          <p className="muted">
            No dataset yet. The sample has six motion classes (slide up/down, grow/shrink, fade in/out) that
            no single frame can tell apart.
          </p>
        )}
      </div>
    </Panel>
  );
}
