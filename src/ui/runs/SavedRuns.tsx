import { useTraining } from '../../store/training.ts';
import type { SavedRunInfo } from '../../store/domain.ts';
import { mixSummary } from './setting-fields.ts';
import './runs.css';

function describeSaved(run: SavedRunInfo): string {
  return `Run ${run.runId}: step ${run.step}, epoch ${run.epoch.toFixed(1)} (${run.status}), ${mixSummary(run.config)}, saved ${new Date(run.savedAt).toLocaleString()}`;
}

/** Runs with a checkpoint from an earlier visit: continue them where they stopped. */
export function SavedRuns() {
  const saved = useTraining((s) => s.saved.runs);
  const phase = useTraining((s) => s.phase);
  const resumeSavedRuns = useTraining((s) => s.resumeSavedRuns);
  const deleteSavedRuns = useTraining((s) => s.deleteSavedRuns);
  const resumable = saved.filter((run) => run.status !== 'finished');
  if (saved.length === 0) return null;
  return (
    <div className="saved-runs" data-testid="saved-runs">
      <h3>Saved runs</h3>
      <ul>
        {saved.map((run) => (
          <li key={run.runId}>
            <span>{describeSaved(run)}</span>
            <button
              type="button"
              onClick={() => void resumeSavedRuns([run])}
              disabled={phase !== 'idle' || run.status === 'finished'}
            >
              Resume {run.runId}
            </button>
          </li>
        ))}
      </ul>
      <div className="row">
        {resumable.length > 1 && (
          <button type="button" onClick={() => void resumeSavedRuns(resumable)} disabled={phase !== 'idle'}>
            Resume both
          </button>
        )}
        <button
          type="button"
          className="link"
          onClick={() => void deleteSavedRuns()}
          disabled={phase !== 'idle'}
        >
          Delete saved runs
        </button>
      </div>
    </div>
  );
}
