import type { ReactNode } from 'react';
import type { Field } from '../../util/schema.ts';
import {
  RUN_CONFIG_LABELS,
  RUN_CONFIG_SCHEMA,
  type RunConfig,
  type RunConfigKey,
} from '../../store/domain.ts';
import { NumberInput, SelectInput, SwitchInput } from '../common/controls.tsx';
import { formatCompact } from '../common/format.ts';
import { HINTS, OPTION_LABELS } from './setting-fields.ts';
import './runs.css';

interface RunSettingProps {
  runLabel: string;
  settingKey: RunConfigKey;
  config: RunConfig;
  other: RunConfig;
  onChange<K extends RunConfigKey>(key: K, value: RunConfig[K]): void;
  disabled?: boolean;
  inactive?: boolean;
  /** Replaces the setting's own hint (e.g. a warning about the chosen value). */
  hint?: ReactNode;
  /** Replaces the setting's option labels (e.g. to say which options cannot be used yet). */
  optionLabels?: Record<string, string>;
}

function describe(value: unknown, key: RunConfigKey): string {
  if (typeof value === 'boolean') return value ? 'on' : 'off';
  if (typeof value === 'number') return formatCompact(value);
  return OPTION_LABELS[key]?.[String(value)]?.split(/[:(]/)[0]!.trim() ?? String(value);
}

/** One setting of a run, drawn from its schema field (choice, switch or number). */
export function RunSetting({
  runLabel,
  settingKey,
  config,
  other,
  onChange,
  disabled,
  inactive,
  hint,
  optionLabels,
}: RunSettingProps) {
  const field = RUN_CONFIG_SCHEMA[settingKey] as Field<unknown> & { options?: readonly string[] };
  const value = config[settingKey];
  const differs = value !== other[settingKey];
  const common = {
    label: RUN_CONFIG_LABELS[settingKey],
    hint: hint ?? HINTS[settingKey],
    differs,
    other: differs ? describe(other[settingKey], settingKey) : undefined,
    disabled,
    testId: `setting-${runLabel}-${settingKey}`,
  };
  const wrap = (node: ReactNode) => (inactive ? <div className="inactive">{node}</div> : node);
  if (typeof value === 'boolean') {
    return wrap(
      <SwitchInput
        {...common}
        checked={value}
        onChange={(checked) => onChange(settingKey, checked as never)}
      />,
    );
  }
  if (typeof value === 'string' && field.options) {
    return wrap(
      <SelectInput
        {...common}
        value={value}
        options={field.options}
        optionLabels={optionLabels ?? OPTION_LABELS[settingKey]}
        onChange={(next) => onChange(settingKey, next as never)}
      />,
    );
  }
  const parse = field.parse as (text: string) => number | undefined;
  return wrap(
    <NumberInput
      {...common}
      value={value as number}
      parse={parse}
      onCommit={(next) => onChange(settingKey, next as never)}
      invalidMessage={`Not a valid ${RUN_CONFIG_LABELS[settingKey].toLowerCase()}`}
    />,
  );
}
