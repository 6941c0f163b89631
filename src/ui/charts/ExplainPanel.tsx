import { useMemo } from 'react';
import { useSettings } from '../../store/settings.ts';
import { useTraining } from '../../store/training.ts';
import { explainRuns } from './explain.ts';
import './charts.css';

/**
 * "What this shows", about the runs on screen: their settings before they train, then what their numbers
 * say, and what to try next as one-click changes to B (for the next "Train both").
 */
export function ExplainPanel() {
  const settingsA = useSettings((s) => s.runs.A.config);
  const settingsB = useSettings((s) => s.runs.B.config);
  const trainedA = useTraining((s) => s.configs.A);
  const trainedB = useTraining((s) => s.configs.B);
  const runA = useTraining((s) => s.data.runs.A);
  const runB = useTraining((s) => s.data.runs.B);
  const idle = useTraining((s) => s.phase === 'idle');
  const setRunSetting = useSettings((s) => s.setRunSetting);
  // The curves on screen were trained with the configs they were started with, not today's settings.
  const configA = trainedA && runA.steps.length > 0 ? trainedA : settingsA;
  const configB = trainedB && runB.steps.length > 0 ? trainedB : settingsB;
  const done = ['finished', 'stopped', 'failed'].includes(runB.state?.status ?? '');
  const { findings, suggestions } = useMemo(
    () =>
      explainRuns(
        { config: configA, steps: runA.steps, val: runA.val },
        { config: configB, steps: runB.steps, val: runB.val },
        done,
      ),
    [configA, configB, runA.steps, runA.val, runB.steps, runB.val, done],
  );
  const leader = findings.find((f) => f.kind === 'leader');
  // Suggestions are about the runs trained; once B's settings already differ from what B trained with, the
  // user has acted on them.
  const applicable = suggestions.filter((s) => settingsB[s.key] !== s.value);
  return (
    <aside
      className="explain"
      data-testid="explain"
      aria-label="What this comparison shows"
      data-leader={leader ? (leader.leader ?? 'level') : ''}
      data-gap={leader?.gapPoints?.toFixed(1) ?? ''}
    >
      <h3>What this shows</h3>
      {findings.map((finding) => (
        <p key={finding.text} data-kind={finding.kind}>
          {finding.text}
        </p>
      ))}
      {runB.steps.length > 0 && applicable.length > 0 && (
        <div className="explain-next" data-testid="explain-suggestions">
          <h4>Try next, as B</h4>
          <ul>
            {applicable.map((s) => (
              <li key={s.id}>
                <button
                  type="button"
                  className="link"
                  disabled={!idle}
                  onClick={() => setRunSetting('B', s.key, s.value)}
                  data-testid={`suggest-${s.id}`}
                >
                  {s.label}
                </button>{' '}
                <span className="muted small">{s.why}</span>
              </li>
            ))}
          </ul>
        </div>
      )}
    </aside>
  );
}
