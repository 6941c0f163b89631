import { useSettings } from '../../store/settings.ts';
import type { PretrainConfig, PretrainConfigKey, PretrainSlot } from '../../store/domain.ts';
import { formatCompact } from '../common/format.ts';
import { PretrainSetting } from './PretrainSetting.tsx';
import { effectiveLr, PRETRAIN_ADVANCED, PRETRAIN_GROUPS } from './pretrain-fields.ts';
import './pretrain.css';

/** A slot's settings, the paper's recipe by default, locked while anything trains. */
export function PretrainSettings({ slot, locked }: { slot: PretrainSlot; locked: boolean }) {
  const config = useSettings((s) => s.pretraining[slot]);
  const setPretrainSetting = useSettings((s) => s.setPretrainSetting);
  const onChange = <K extends PretrainConfigKey>(key: K, value: PretrainConfig[K]) =>
    setPretrainSetting(slot, key, value);
  const setting = (key: PretrainConfigKey) => (
    <PretrainSetting
      key={key}
      slot={slot}
      settingKey={key}
      config={config}
      onChange={onChange}
      disabled={locked}
      hint={key === 'baseLr' ? `lr = base × batch / 256 = ${formatCompact(effectiveLr(config))}` : undefined}
    />
  );
  return (
    <fieldset className="pretrain-settings" disabled={locked} data-testid="pretrain-settings">
      <legend className="visually-hidden">Pretraining settings</legend>
      {PRETRAIN_GROUPS.map((group) => (
        <div className="setting-group" key={group.title}>
          <h4>{group.title}</h4>
          <div className="setting-grid">{group.keys.map(setting)}</div>
        </div>
      ))}
      <details className="advanced">
        <summary>Final learning rate, clipping, seed</summary>
        <div className="setting-grid">{PRETRAIN_ADVANCED.map(setting)}</div>
      </details>
      <p className="muted small" data-testid="pretrain-effective-lr" data-lr={effectiveLr(config)}>
        Learning rate {formatCompact(effectiveLr(config))} (base {formatCompact(config.baseLr)} × batch{' '}
        {config.batchSize} / 256), cosine to {formatCompact(config.minLr)} after the warmup.
      </p>
    </fieldset>
  );
}
