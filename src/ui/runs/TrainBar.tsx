import { bFollowsA, useSettings } from '../../store/settings.ts';
import { useTraining } from '../../store/training.ts';
import { diffRunConfigs } from '../../store/domain.ts';
import { Segmented } from '../common/controls.tsx';
import { formatCompact } from '../common/format.ts';
import { CostLine, useRunCost } from './CostLine.tsx';
import { EngineLog } from './EngineLog.tsx';
import { SavedRuns } from './SavedRuns.tsx';
import './runs.css';

function describe(value: unknown): string {
  if (typeof value === 'boolean') return value ? 'on' : 'off';
  if (typeof value === 'number') return formatCompact(value);
  return String(value);
}

/** "Train both", how the two runs share the device, and what differs between them. */
export function TrainBar() {
  const runs = useSettings((s) => s.runs);
  const schedule = useSettings((s) => s.view.schedule);
  const setViewSetting = useSettings((s) => s.setViewSetting);
  const resetBFromA = useSettings((s) => s.resetBFromA);
  const phase = useTraining((s) => s.phase);
  const error = useTraining((s) => s.error);
  const trainBoth = useTraining((s) => s.trainBoth);
  const diff = diffRunConfigs(runs.A.config, runs.B.config);
  const follows = bFollowsA(runs);
  const cost = useRunCost();
  const refused = cost !== null && !cost.fits;
  return (
    <section className="panel train-bar" aria-label="Train both runs">
      <div className="train-bar-main">
        <button
          type="button"
          className="primary big"
          onClick={() => void trainBoth()}
          disabled={phase !== 'idle' || refused}
          title={refused ? (cost.reason ?? undefined) : undefined}
          data-testid="train-both"
        >
          {phase === 'preparing' ? 'Preparing…' : phase === 'training' ? 'Training…' : 'Train both'}
        </button>
        <Segmented
          label="How the two runs share the device"
          value={schedule}
          options={['interleaved', 'sequential'] as const}
          optionLabels={{ interleaved: 'Interleaved (A, B, A, B…)', sequential: 'One after the other' }}
          onChange={(value) => setViewSetting('schedule', value)}
          disabled={phase !== 'idle'}
          testId="schedule"
        />
        <div className="ab-diff" data-testid="ab-diff" data-keys={diff.map((d) => d.key).join(',')}>
          <span className="ab-diff-title">B differs from A in</span>
          {diff.length === 0 ? (
            <span className="muted">nothing: both runs should give the same curves</span>
          ) : (
            <ul>
              {diff.map((d) => (
                <li key={d.key}>
                  <strong>{d.label}</strong> {describe(d.a)} → {describe(d.b)}
                </li>
              ))}
            </ul>
          )}
          {follows ? (
            <span className="muted small">B follows A's edits until you change B.</span>
          ) : (
            <button type="button" className="link" onClick={resetBFromA} disabled={phase !== 'idle'}>
              Make B = A with CutMix flipped
            </button>
          )}
        </div>
      </div>
      {phase === 'idle' && <CostLine cost={cost} />}
      {error && (
        <p className="notice notice-error" role="alert" data-testid="train-error">
          {error}
        </p>
      )}
      <SavedRuns />
      <EngineLog />
    </section>
  );
}
