import { useSettings } from '../../store/settings.ts';
import { useTraining } from '../../store/training.ts';
import {
  PRESETS,
  presetById,
  type PresetId,
  type RunConfig,
  type RunConfigKey,
  type RunId,
} from '../../store/domain.ts';
import { SelectInput } from '../common/controls.tsx';
import { RecipeNote } from './RecipeNote.tsx';
import { RunSetting } from './RunSetting.tsx';
import { StartFromSetting } from './StartFromSetting.tsx';
import { ADVANCED_KEYS, isInactive, MAIN_GROUPS, mixSummary } from './setting-fields.ts';
import './runs.css';

const PRESET_IDS = PRESETS.map((p) => p.id);
const PRESET_LABELS = Object.fromEntries(PRESETS.map((p) => [p.id, p.name])) as Record<PresetId, string>;

export function RunColumn({ runId }: { runId: RunId }) {
  const otherId: RunId = runId === 'A' ? 'B' : 'A';
  const run = useSettings((s) => s.runs[runId]);
  const other = useSettings((s) => s.runs[otherId].config);
  const otherPreset = useSettings((s) => s.runs[otherId].preset);
  const setRunSetting = useSettings((s) => s.setRunSetting);
  const applyRunPreset = useSettings((s) => s.applyRunPreset);
  const locked = useTraining((s) => s.phase !== 'idle');
  const config = run.config;
  const onChange = <K extends RunConfigKey>(key: K, value: RunConfig[K]) => setRunSetting(runId, key, value);
  const advancedDiffs = ADVANCED_KEYS.filter((key) => config[key] !== other[key]).length;
  const editedFromPreset = (Object.keys(config) as RunConfigKey[]).filter(
    (key) => config[key] !== presetById(run.preset).config[key],
  ).length;
  const setting = (key: RunConfigKey) =>
    key === 'startFrom' ? (
      <StartFromSetting
        key={key}
        runId={runId}
        config={config}
        other={other}
        onChange={onChange}
        disabled={locked}
      />
    ) : (
      <RunSetting
        key={key}
        runLabel={runId}
        settingKey={key}
        config={config}
        other={other}
        onChange={onChange}
        disabled={locked}
        inactive={isInactive(key, config)}
      />
    );
  return (
    <section
      className={`panel run-column run-${runId.toLowerCase()}`}
      aria-labelledby={`run-${runId}-heading`}
      data-testid={`run-${runId}`}
    >
      <header className="run-header">
        <span className="run-swatch" aria-hidden="true" />
        <div>
          <h2 id={`run-${runId}-heading`}>Run {runId} settings</h2>
          <p className="panel-subtitle" data-testid={`run-summary-${runId}`}>
            {mixSummary(config)} · {PRESET_LABELS[run.preset]}
            {editedFromPreset > 0 && ` (${editedFromPreset} edited)`}
          </p>
        </div>
      </header>
      <fieldset className="run-settings" disabled={locked}>
        <legend className="visually-hidden">Run {runId} settings</legend>
        {locked && <p className="muted small">Settings are locked while the runs train.</p>}
        <SelectInput
          label="Training preset"
          value={run.preset}
          options={PRESET_IDS}
          optionLabels={PRESET_LABELS}
          onChange={(preset) => applyRunPreset(runId, preset)}
          hint={presetById(run.preset).source}
          testId={`setting-${runId}-preset`}
          differs={run.preset !== otherPreset}
          other={otherPreset !== run.preset ? PRESET_LABELS[otherPreset] : undefined}
        />
        <RecipeNote runId={runId} />
        {MAIN_GROUPS.map((group) => (
          <div className="setting-group" key={group.title}>
            <h3>{group.title}</h3>
            <div className="setting-grid">{group.keys.map(setting)}</div>
          </div>
        ))}
        <details className="advanced" data-testid={`advanced-${runId}`}>
          <summary>
            Advanced settings
            {advancedDiffs > 0 && (
              <span className="differs-count">
                {advancedDiffs} differ{advancedDiffs === 1 ? 's' : ''} from {otherId}
              </span>
            )}
          </summary>
          <div className="setting-grid">{ADVANCED_KEYS.map(setting)}</div>
        </details>
      </fieldset>
    </section>
  );
}
