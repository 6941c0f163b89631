import { useState } from 'react';
import { useSystem } from '../../store/system.ts';
import { formatMs } from '../common/format.ts';

/**
 * Proof that tensors never block the page: the worker multiplies matrices for a few seconds while the
 * counter here keeps answering clicks.
 */
export function ResponsivenessCheck() {
  const { running, last } = useSystem((s) => s.busyWork);
  const runBusyWork = useSystem((s) => s.runBusyWork);
  const ready = useSystem((s) => s.status === 'ready');
  const [clicks, setClicks] = useState(0);
  return (
    <div className="row">
      <button
        type="button"
        onClick={() => void runBusyWork(5000)}
        disabled={running || !ready}
        data-testid="busy-work"
      >
        {running ? 'Worker busy…' : 'Keep the worker busy for 5 s'}
      </button>
      <button type="button" onClick={() => setClicks((n) => n + 1)} data-testid="click-counter">
        Clicked {clicks} {clicks === 1 ? 'time' : 'times'}
      </button>
      <span className="muted" data-testid="busy-work-result" data-running={String(running)}>
        {last ? `${last.iterations} matMuls (256×256) on ${last.backend} in ${formatMs(last.elapsedMs)}` : ''}
      </span>
    </div>
  );
}
