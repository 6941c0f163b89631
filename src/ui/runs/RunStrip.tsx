import { useSettings } from '../../store/settings.ts';
import { RUN_IDS } from '../../store/domain.ts';
import { RunStatus } from './RunStatus.tsx';
import { mixSummary, startSummary } from './setting-fields.ts';
import './runs.css';

/** A and B side by side: what each is, where it stands, and its controls (their settings are further down). */
export function RunStrip() {
  const runs = useSettings((s) => s.runs);
  return (
    <section className="run-strip" aria-label="Runs A and B">
      {RUN_IDS.map((id) => (
        <div key={id} className={`panel run-card run-${id.toLowerCase()}`} data-testid={`run-card-${id}`}>
          <header className="run-header">
            <span className="run-swatch" aria-hidden="true" />
            <h2>Run {id}</h2>
            <span className="panel-subtitle" data-testid={`run-card-summary-${id}`}>
              {[mixSummary(runs[id].config), startSummary(runs[id].config)].filter(Boolean).join(' · ')}
            </span>
          </header>
          <RunStatus runId={id} />
        </div>
      ))}
    </section>
  );
}
