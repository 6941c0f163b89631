import { useEffect, useState } from 'react';
import { useSystem } from '../../store/system.ts';
import { formatBytes } from '../common/format.ts';

const POLL_MS = 2000;
/** Longer than any training step of the presets here takes between two answers of the worker. */
const SILENT_AFTER_S = 60;

/** Tensor memory in the compute worker, and a plain note when the worker stops answering. */
export function MemoryInUse() {
  const { report, asked } = useSystem((s) => s.memory);
  const pollMemory = useSystem((s) => s.pollMemory);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => {
      setNow(Date.now());
      if (document.visibilityState === 'visible') void pollMemory();
    }, POLL_MS);
    void pollMemory();
    return () => clearInterval(timer);
  }, [pollMemory]);
  const waitingS = asked === null ? 0 : Math.round((now - asked) / 1000);
  return (
    <>
      <dt>Memory in use</dt>
      <dd
        data-testid="memory-in-use"
        data-bytes={report?.numBytes ?? ''}
        data-silent-s={waitingS}
        data-after-step={report?.afterStep ? `${report.afterStep.runId}:${report.afterStep.step}` : ''}
        data-tensors-after-step={report?.afterStep?.numTensors ?? ''}
      >
        {report ? `${formatBytes(report.numBytes)} in ${report.numTensors} tensors (${report.backend})` : '—'}
        {waitingS >= SILENT_AFTER_S && (
          <span className="log-warning"> · the compute worker has not answered for {waitingS} s</span>
        )}
      </dd>
    </>
  );
}
