import { useModel } from '../../store/model.ts';
import { formatBytes } from '../common/format.ts';

const PHASES = { download: 'Downloading', read: 'Reading', init: 'Building' };

export function LoadProgress() {
  const status = useModel((s) => s.status);
  const progress = useModel((s) => s.progress);
  if (status !== 'loading') return null;
  const total = progress?.totalBytes ?? null;
  return (
    <div className="progress-row" data-testid="model-progress" role="status">
      <progress
        value={progress && total ? progress.loadedBytes : undefined}
        max={total ?? undefined}
        aria-label="Model loading progress"
      />
      <span>
        {progress ? (
          <>
            {PHASES[progress.phase]} {progress.file && <code>{progress.file}</code>}{' '}
            {formatBytes(progress.loadedBytes)}
            {total !== null && ` of ${formatBytes(total)}`}
            {progress.fromCache && ' (from cache)'}
          </>
        ) : (
          'Preparing the model…'
        )}
      </span>
    </div>
  );
}
