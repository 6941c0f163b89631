import { useMemo } from 'react';
import { usePretraining } from '../../store/pretraining.ts';
import type { PretrainSlot } from '../../store/domain.ts';

/** What went wrong or what the curve misses, under the curve itself: the start error, the engine's message, problems. */
export function PretrainProblems({ slot }: { slot: PretrainSlot }) {
  const error = usePretraining((s) => s.error);
  const state = usePretraining((s) => s.data.slots[slot].state);
  const log = usePretraining((s) => s.data.log);
  const warnings = useMemo(() => log.filter((entry) => entry.level !== 'info'), [log]);
  const problems = state?.problems ?? [];
  // The engine's word on where the slot stands now (a failure, a pause of its own); earlier ones are gone.
  const message = state?.message ? { status: state.status, text: state.message, step: state.step } : null;
  if (!error && problems.length === 0 && !message && warnings.length === 0) return null;
  return (
    <div className="pretrain-problems" data-testid="pretrain-problems" data-problems={problems.length}>
      {error && (
        <p className="error-text" role="alert" data-testid="pretrain-error">
          {error}
        </p>
      )}
      {message && (
        <p
          className={message.status === 'failed' ? 'error-text' : 'muted small'}
          role={message.status === 'failed' ? 'alert' : 'status'}
        >
          Step {message.step}: {message.text}
        </p>
      )}
      {problems.length > 0 && (
        <ul className="small" aria-label="What the loss misses">
          {problems.map((problem) => (
            <li key={problem}>{problem}</li>
          ))}
        </ul>
      )}
      {warnings.length > 0 && (
        <details className="small">
          <summary>Engine warnings ({warnings.length})</summary>
          <ul>
            {warnings.map((w, i) => (
              <li key={i}>{w.message}</li>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}
