import type { Field } from '../../util/schema.ts';
import {
  PRETRAIN_CONFIG_SCHEMA,
  type PretrainConfig,
  type PretrainConfigKey,
  type PretrainSlot,
} from '../../store/domain.ts';
import { NumberInput, SelectInput, SwitchInput } from '../common/controls.tsx';
import { PRETRAIN_HINTS, PRETRAIN_LABELS, PRETRAIN_OPTION_LABELS } from './pretrain-fields.ts';

interface PretrainSettingProps {
  slot: PretrainSlot;
  settingKey: PretrainConfigKey;
  config: PretrainConfig;
  onChange<K extends PretrainConfigKey>(key: K, value: PretrainConfig[K]): void;
  disabled?: boolean;
  /** Shown instead of the setting's own hint (e.g. the learning rate it gives). */
  hint?: string;
}

/** One pretraining setting, drawn from its schema field (choice, switch or number). */
export function PretrainSetting({
  slot,
  settingKey,
  config,
  onChange,
  disabled,
  hint,
}: PretrainSettingProps) {
  const field = PRETRAIN_CONFIG_SCHEMA[settingKey] as Field<unknown> & { options?: readonly string[] };
  const value = config[settingKey];
  const common = {
    label: PRETRAIN_LABELS[settingKey],
    hint: hint ?? PRETRAIN_HINTS[settingKey],
    disabled,
    testId: `pretrain-setting-${slot}-${settingKey}`,
  };
  if (typeof value === 'boolean') {
    return (
      <SwitchInput
        {...common}
        checked={value}
        onChange={(checked) => onChange(settingKey, checked as never)}
      />
    );
  }
  if (typeof value === 'string' && field.options) {
    return (
      <SelectInput
        {...common}
        value={value}
        options={field.options}
        optionLabels={PRETRAIN_OPTION_LABELS[settingKey]}
        onChange={(next) => onChange(settingKey, next as never)}
      />
    );
  }
  return (
    <NumberInput
      {...common}
      value={value as number}
      parse={field.parse as (text: string) => number | undefined}
      onCommit={(next) => onChange(settingKey, next as never)}
      invalidMessage={`Not a valid ${PRETRAIN_LABELS[settingKey].toLowerCase()}`}
    />
  );
}
