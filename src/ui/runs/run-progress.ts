/** Progress figures of a run from its latest state: fraction done, steps per second and time left. */
import type { RunState } from '../../store/domain.ts';

export interface RunProgress {
  fraction: number;
  /** Seconds left at the pace so far; null before the first step or once the run has ended. */
  etaSeconds: number | null;
}

const ENDED: RunState['status'][] = ['finished', 'stopped', 'failed'];

export function progressOf(state: RunState | null): RunProgress {
  if (!state || state.totalSteps <= 0) return { fraction: 0, etaSeconds: null };
  const fraction = Math.min(1, state.step / state.totalSteps);
  if (ENDED.includes(state.status) || state.step <= 0 || state.elapsedMs <= 0)
    return { fraction: state.status === 'finished' ? 1 : fraction, etaSeconds: null };
  const secondsPerStep = state.elapsedMs / 1000 / state.step;
  return { fraction, etaSeconds: Math.max(0, (state.totalSteps - state.step) * secondsPerStep) };
}

export function isActive(state: RunState | null): boolean {
  return (
    state !== null && (state.status === 'running' || state.status === 'queued' || state.status === 'paused')
  );
}
