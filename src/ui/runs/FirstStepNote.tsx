import { useEffect, useState } from 'react';
import { useTraining } from '../../store/training.ts';
import type { RunId } from '../../store/domain.ts';
import { formatSeconds } from '../common/format.ts';
import { useRunCost } from './CostLine.tsx';

/**
 * While a run has not finished its first step: what it is doing (the first step compiles kernels and reads
 * the first clips, so it takes longer than the rest), what later steps should take, and how long it has been.
 */
export function FirstStepNote({ runId }: { runId: RunId }) {
  const state = useTraining((s) => s.data.runs[runId].state);
  const training = useTraining((s) => s.phase === 'training');
  const cost = useRunCost();
  const since = useTraining((s) => s.trainingSince);
  const waiting =
    training &&
    since !== null &&
    state !== null &&
    state.step === 0 &&
    ['running', 'queued'].includes(state.status);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!waiting) return undefined;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [waiting]);
  if (!waiting) return null;
  const step = cost?.time?.[runId].stepSeconds;
  return (
    <p className="muted small" role="status" data-testid={`first-step-${runId}`}>
      {state.status === 'queued' ? 'Waiting for its turn' : 'First step'}: compiling kernels and reading the
      first clips ({formatSeconds(Math.max(0, (now - since) / 1000))} so far)
      {step !== undefined ? `; later steps should take about ${formatSeconds(step)}` : ''}.
    </p>
  );
}
