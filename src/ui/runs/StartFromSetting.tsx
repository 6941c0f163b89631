import { startFromProblem, usePretraining } from '../../store/pretraining.ts';
import { START_FROM, type RunConfig, type RunConfigKey, type RunId } from '../../store/domain.ts';
import { RunSetting } from './RunSetting.tsx';
import { OPTION_LABELS } from './setting-fields.ts';

interface StartFromSettingProps {
  runId: RunId;
  config: RunConfig;
  other: RunConfig;
  onChange<K extends RunConfigKey>(key: K, value: RunConfig[K]): void;
  disabled?: boolean;
}

/**
 * Where a run's weights come from. A pretraining slot stays choosable before it has weights (the user may
 * set up A and B first, then pretrain), but says so, and "Train both" refuses until it has them.
 */
export function StartFromSetting({ runId, config, other, onChange, disabled }: StartFromSettingProps) {
  const infos = usePretraining((s) => s.infos);
  const data = usePretraining((s) => s.data);
  const labels: Record<string, string> = { ...OPTION_LABELS.startFrom };
  for (const start of START_FROM) {
    if (startFromProblem(start, infos, data)) labels[start] = `${labels[start] ?? start} (no weights yet)`;
  }
  const problem = startFromProblem(config.startFrom, infos, data);
  return (
    <RunSetting
      runLabel={runId}
      settingKey="startFrom"
      config={config}
      other={other}
      onChange={onChange}
      disabled={disabled}
      optionLabels={labels}
      hint={
        problem ? (
          <span className="start-from-warning" data-testid={`start-from-warning-${runId}`}>
            {problem}: pretrain it first (Pretrain stage above)
          </span>
        ) : undefined
      }
    />
  );
}
