/**
 * How each run setting is shown: which are always visible (grouped) and which sit under "Advanced", with
 * option labels and a short hint. The kinds and valid values come from RUN_CONFIG_SCHEMA itself.
 */
import type { RunConfig, RunConfigKey } from '../../store/domain.ts';

export interface SettingGroup {
  title: string;
  keys: RunConfigKey[];
}

export const MAIN_GROUPS: SettingGroup[] = [
  { title: 'Start weights', keys: ['startFrom'] },
  { title: 'Optimisation', keys: ['optimizer', 'lr', 'schedule', 'warmupRatio', 'batchSize', 'epochs'] },
  { title: 'Mixing', keys: ['cutmix', 'cutmixMode', 'cutmixAlpha', 'mixProb', 'mixupAlpha'] },
  { title: 'Regularisation and seed', keys: ['labelSmoothing', 'seed'] },
];

export const ADVANCED_KEYS: RunConfigKey[] = [
  'lrScaling',
  'beta1',
  'beta2',
  'eps',
  'weightDecay',
  'warmupSteps',
  'layerDecay',
  'gradAccumulation',
  'clipNorm',
  'maxSteps',
  'evalEvery',
  'evalSteps',
  'dropPath',
  'dropout',
  'attentionDropout',
  'snapToGrid',
  'switchProb',
  'mixMode',
];

export const OPTION_LABELS: Partial<Record<RunConfigKey, Record<string, string>>> = {
  optimizer: { adam: 'Adam', adamw: 'AdamW (decoupled weight decay)' },
  schedule: { linear: 'Linear decay', cosine: 'Cosine', constant: 'Constant' },
  lrScaling: { none: 'None', 'batch/256': 'lr × batch / 256' },
  cutmixMode: {
    spatial: 'Spatial: one box through every frame',
    temporal: 'Temporal: a run of frames',
    cube: 'Spatio-temporal cube',
  },
  evalEvery: { epoch: 'Every epoch', steps: 'Every N steps' },
  mixMode: { batch: 'Per batch', elem: 'Per clip' },
  startFrom: {
    model: "The model panel's weights",
    random: 'Random init (seeded)',
    'pretraining-1': 'Pretraining 1',
    'pretraining-2': 'Pretraining 2',
  },
};

export const HINTS: Partial<Record<RunConfigKey, string>> = {
  lr: 'Peak learning rate',
  warmupRatio: 'Fraction of steps warming up',
  epochs: 'Fractions allowed',
  cutmixAlpha: 'λ ~ Beta(α, α)',
  mixProb: 'Chance a batch is mixed',
  mixupAlpha: '0 turns Mixup off',
  labelSmoothing: '0 is off',
  seed: 'Same seed: same clips, order, init',
  warmupSteps: 'Wins over the ratio when > 0',
  layerDecay: '1 is off; VideoMAE uses 0.75',
  maxSteps: 'Wins over epochs when > 0',
  clipNorm: 'Global norm; 0 is off',
  switchProb: 'With both on: chance of CutMix',
  evalSteps: 'Used with "every N steps"',
  startFrom: 'A pretraining gives the encoder; the head starts fresh',
};

/** Settings that only matter when another one is on, dimmed otherwise. */
export function isInactive(
  key: RunConfigKey,
  config: { cutmix: boolean; mixupAlpha: number; evalEvery: string },
) {
  if (key === 'cutmixMode' || key === 'cutmixAlpha' || key === 'snapToGrid') return !config.cutmix;
  if (key === 'mixProb' || key === 'mixMode') return !config.cutmix && config.mixupAlpha === 0;
  if (key === 'switchProb') return !(config.cutmix && config.mixupAlpha > 0);
  if (key === 'evalSteps') return config.evalEvery !== 'steps';
  return false;
}

/** "from Pretraining 1": where a run's weights come from, when not from the model panel. */
export function startSummary(config: RunConfig): string | null {
  if (config.startFrom === 'model') return null;
  return `from ${OPTION_LABELS.startFrom?.[config.startFrom] ?? config.startFrom}`;
}

/** "CutMix on (spatial, α 1)": what a run is about, at a glance. */
export function mixSummary(config: RunConfig): string {
  const parts: string[] = [];
  if (config.cutmix) parts.push(`CutMix ${config.cutmixMode}, α ${config.cutmixAlpha}`);
  if (config.mixupAlpha > 0) parts.push(`Mixup α ${config.mixupAlpha}`);
  if (parts.length === 0) return 'No mixing';
  const p = config.mixProb < 1 ? `, p ${config.mixProb}` : '';
  return `${parts.join(' + ')}${p}`;
}
