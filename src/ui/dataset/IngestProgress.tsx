import { useDataset } from '../../store/dataset.ts';
import { formatBytes, formatDuration } from '../common/format.ts';

const PHASE_TEXT = { scan: 'Reading headers', decode: 'Decoding' } as const;

/** Progress of fetching the sample, scanning and decoding, with counts, ETA and a cancel button. */
export function IngestProgress() {
  const phase = useDataset((s) => s.phase);
  const fetchProgress = useDataset((s) => s.fetchProgress);
  const progress = useDataset((s) => s.progress);
  const cancelIngest = useDataset((s) => s.cancelIngest);
  if (phase === 'fetching') {
    const p = fetchProgress;
    return (
      <div className="progress-row" data-testid="dataset-loading">
        <progress value={p?.loadedBytes ?? 0} max={p?.totalBytes || 1} />
        <span>
          Downloading the sample: {p?.loadedFiles ?? 0} / {p?.totalFiles ?? '…'} files,{' '}
          {formatBytes(p?.loadedBytes ?? 0)}
        </span>
      </div>
    );
  }
  if (phase !== 'scanning' && phase !== 'decoding') return null;
  const eta =
    progress?.etaS != null && progress.done < progress.total
      ? `, about ${formatDuration(progress.etaS)} left`
      : '';
  const extracting = progress?.phase === 'extract';
  return (
    <div
      className="progress-row"
      data-testid="ingest-progress"
      data-phase={extracting ? 'extracting' : phase}
    >
      <progress value={progress?.done ?? 0} max={progress?.total || 1} />
      <span>
        {extracting ? (
          <>
            Unpacking {progress.current ?? 'the archive'}: {formatBytes(progress.done)} /{' '}
            {formatBytes(progress.total)}
          </>
        ) : (
          <>
            {PHASE_TEXT[phase === 'scanning' ? 'scan' : 'decode']}: {progress?.done ?? 0} /{' '}
            {progress?.total ?? '…'} clips
            {progress && progress.failed > 0 ? `, ${progress.failed} failed` : ''}
          </>
        )}
        {eta}
      </span>
      <button type="button" onClick={cancelIngest} data-testid="ingest-cancel">
        Cancel
      </button>
    </div>
  );
}
