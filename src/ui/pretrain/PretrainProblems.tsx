import { useMemo } from 'react';
import { usePretraining } from '../../store/pretraining.ts';
import type { PretrainSlot } from '../../store/domain.ts';

/** What went wrong or what the curve misses, under the curve itself: the start error, messages, problems. */
export function PretrainProblems({ slot }: { slot: PretrainSlot }) {
  const error = usePretraining((s) => s.error);
  const state = usePretraining((s) => s.data.slots[slot].state);
  const messages = usePretraining((s) => s.data.slots[slot].messages);
  const log = usePretraining((s) => s.data.log);
  const warnings = useMemo(() => log.filter((entry) => entry.level !== 'info'), [log]);
  const problems = state?.problems ?? [];
  const last = messages[messages.length - 1];
  if (!error && problems.length === 0 && !last && warnings.length === 0) return null;
  return (
    <div className="pretrain-problems" data-testid="pretrain-problems" data-problems={problems.length}>
      {error && (
        <p className="error-text" role="alert" data-testid="pretrain-error">
          {error}
        </p>
      )}
      {last && (
        <p
          className={last.status === 'failed' ? 'error-text' : 'muted small'}
          role={last.status === 'failed' ? 'alert' : 'status'}
        >
          Step {last.step}: {last.text}
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
