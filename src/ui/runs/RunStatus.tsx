import { useMemo } from 'react';
import { useDatasetFacts } from '../../store/dataset-link.ts';
import { useSettings } from '../../store/settings.ts';
import { useTraining } from '../../store/training.ts';
import { planTraining, type RunId, type RunStatus as Status } from '../../store/domain.ts';
import { formatCompact, formatDuration } from '../common/format.ts';
import { FirstStepNote } from './FirstStepNote.tsx';
import { progressOf } from './run-progress.ts';
import './runs.css';

const STATUS_LABELS: Record<Status, string> = {
  idle: 'Not started',
  queued: 'Waiting',
  running: 'Training',
  paused: 'Paused',
  stopped: 'Stopped',
  finished: 'Finished',
  failed: 'Failed',
};

/** A finished run whose figures miss clips says so in its status, not only in a footnote. */
export function statusLabel(status: Status, problems: readonly string[]): string {
  return status === 'finished' && problems.length > 0 ? 'Finished with problems' : STATUS_LABELS[status];
}

/** What "Train both" would do with this run's settings on the loaded dataset (HF Trainer's arithmetic). */
function PlanLine({ runId }: { runId: RunId }) {
  const config = useSettings((s) => s.runs[runId].config);
  const { trainClips } = useDatasetFacts();
  const plan = useMemo(
    () => (trainClips > 0 ? planTraining(config, trainClips) : null),
    [config, trainClips],
  );
  if (!plan) return <p className="muted small">Load a dataset to see the plan.</p>;
  return (
    <p className="muted small" data-testid={`run-plan-${runId}`} data-total-steps={plan.totalSteps}>
      Plan: {plan.totalSteps} steps ({plan.stepsPerEpoch} per epoch of {trainClips} clips)
      {plan.warmupSteps > 0 && `, ${plan.warmupSteps} warmup`}, peak lr {formatCompact(plan.learningRate)}
    </p>
  );
}

/** A run's state, progress and controls, as the engine last reported them. */
export function RunStatus({ runId }: { runId: RunId }) {
  const state = useTraining((s) => s.data.runs[runId].state);
  const messages = useTraining((s) => s.data.runs[runId].messages);
  const pending = useTraining((s) => s.pending[runId]);
  const phase = useTraining((s) => s.phase);
  const { pauseRun, resumeRun, stopRun } = useTraining.getState();
  const status: Status = state?.status ?? 'idle';
  const problems = state?.problems ?? [];
  const { fraction, etaSeconds } = progressOf(state);
  const live = phase === 'training';
  const canPause = live && (status === 'running' || status === 'queued');
  const canResume = live && status === 'paused';
  const canStop = live && (status === 'running' || status === 'queued' || status === 'paused');
  const last = messages[messages.length - 1];
  return (
    <div
      className="run-status"
      data-testid={`run-status-${runId}`}
      data-status={status}
      data-problems={problems.length}
    >
      <div className="run-status-top">
        <span className={`status-pill status-${status}${problems.length > 0 ? ' status-problems' : ''}`}>
          {statusLabel(status, problems)}
        </span>
        <div className="run-controls" role="group" aria-label={`Run ${runId} controls`}>
          {canResume ? (
            <button type="button" onClick={() => void resumeRun(runId)} disabled={pending !== undefined}>
              Resume
            </button>
          ) : (
            <button
              type="button"
              onClick={() => void pauseRun(runId)}
              disabled={!canPause || pending !== undefined}
            >
              Pause
            </button>
          )}
          <button
            type="button"
            onClick={() => void stopRun(runId)}
            disabled={!canStop || pending !== undefined}
          >
            Stop
          </button>
        </div>
      </div>
      <progress
        className={`run-progress run-progress-${runId.toLowerCase()}`}
        value={fraction}
        max={1}
        aria-label={`Run ${runId} progress`}
      />
      <dl className="run-stats">
        <div>
          <dt>Step</dt>
          <dd data-testid={`run-step-${runId}`}>{state ? `${state.step} / ${state.totalSteps}` : '—'}</dd>
        </div>
        <div>
          <dt>Epoch</dt>
          <dd>{state ? state.epoch.toFixed(2) : '—'}</dd>
        </div>
        <div>
          <dt>Clips/s</dt>
          <dd>{state && state.clipsPerSecond > 0 ? state.clipsPerSecond.toFixed(1) : '—'}</dd>
        </div>
        <div>
          <dt>{etaSeconds === null ? 'Time' : 'ETA'}</dt>
          <dd>{formatDuration(etaSeconds ?? (state ? state.elapsedMs / 1000 : Number.NaN))}</dd>
        </div>
      </dl>
      {status === 'idle' && <PlanLine runId={runId} />}
      <FirstStepNote runId={runId} />
      {problems.length > 0 && (
        <ul
          className="run-problems small"
          data-testid={`run-problems-${runId}`}
          aria-label="What the figures miss"
        >
          {problems.map((problem) => (
            <li key={problem}>{problem}</li>
          ))}
        </ul>
      )}
      {state?.lastCheckpoint && (
        <p className="muted small">
          Checkpoint at step {state.lastCheckpoint.step} (epoch {state.lastCheckpoint.epoch.toFixed(1)}),{' '}
          {new Date(state.lastCheckpoint.savedAt).toLocaleTimeString()}
        </p>
      )}
      {last && (
        <p
          className={`run-message run-message-${last.status}`}
          role={last.status === 'failed' ? 'alert' : 'status'}
          data-testid={`run-message-${runId}`}
        >
          {last.text}
        </p>
      )}
      {messages.length > 1 && (
        <details className="run-messages">
          <summary>Earlier messages ({messages.length - 1})</summary>
          <ul>
            {messages.slice(0, -1).map((m, i) => (
              <li key={i}>
                Step {m.step}: {m.text}
              </li>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}
