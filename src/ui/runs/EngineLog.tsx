import { useTraining } from '../../store/training.ts';
import './runs.css';

/** What the engine said beyond the runs' own messages (warnings about memory, data, fallbacks). */
export function EngineLog() {
  const log = useTraining((s) => s.data.log);
  if (log.length === 0) return null;
  const warnings = log.filter((entry) => entry.level !== 'info').length;
  return (
    <details className="engine-log" data-testid="engine-log">
      <summary>
        Engine log ({log.length}
        {warnings > 0 && `, ${warnings} warning${warnings === 1 ? '' : 's'}`})
      </summary>
      <ol>
        {log.map((entry, i) => (
          <li key={i} className={`log-${entry.level}`}>
            {entry.message}
          </li>
        ))}
      </ol>
    </details>
  );
}
