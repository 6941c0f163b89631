/**
 * How each pretraining setting is shown: labels, groups, option labels and short hints (the paper's values
 * where it gives one), and the one-line summaries of a slot. Kinds and valid values come from
 * PRETRAIN_CONFIG_SCHEMA itself.
 */
import type {
  PretrainConfig,
  PretrainConfigKey,
  PretrainSlot,
  PretrainState,
  RunStatus,
} from '../../store/domain.ts';
import { slotLabel } from '../../store/pretraining.ts';
import { formatCompact } from '../common/format.ts';

export const PRETRAIN_LABELS: Record<PretrainConfigKey, string> = {
  epochs: 'Epochs',
  maskRatio: 'Mask ratio',
  masking: 'Masking',
  batchSize: 'Batch size',
  baseLr: 'Base learning rate',
  minLr: 'Final learning rate',
  warmupRatio: 'Warmup ratio',
  weightDecay: 'Weight decay',
  beta1: 'Adam β1',
  beta2: 'Adam β2',
  clipNorm: 'Gradient clipping',
  normPixLoss: 'Normalised pixel loss',
  includeEvalSplits: 'Include validation and test clips',
  mix: 'Pretrain on',
  seed: 'Seed',
};

export interface PretrainGroup {
  title: string;
  keys: PretrainConfigKey[];
}

export const PRETRAIN_GROUPS: PretrainGroup[] = [
  { title: 'Masking', keys: ['maskRatio', 'masking', 'normPixLoss'] },
  {
    title: 'Optimisation (AdamW, cosine)',
    keys: ['epochs', 'batchSize', 'baseLr', 'warmupRatio', 'weightDecay', 'beta1', 'beta2'],
  },
  { title: 'Clips', keys: ['includeEvalSplits', 'mix'] },
];

export const PRETRAIN_ADVANCED: PretrainConfigKey[] = ['minLr', 'clipNorm', 'seed'];

export const PRETRAIN_OPTION_LABELS: Partial<Record<PretrainConfigKey, Record<string, string>>> = {
  masking: { tube: 'Tube: same cubes hidden in every frame', random: 'Random: cubes drawn independently' },
  mix: { none: 'Clean clips', cutmix: 'CutMix-mixed clips' },
};

export const PRETRAIN_HINTS: Partial<Record<PretrainConfigKey, string>> = {
  epochs: 'The paper: 800–3200 on its datasets',
  maskRatio: 'The paper: 0.75 (UCF101), 0.9 (Kinetics)',
  masking: 'The paper: tube',
  normPixLoss: 'Each target cube normalised (the paper: on)',
  batchSize: 'Clips per step',
  warmupRatio: 'Fraction of steps warming up',
  weightDecay: 'The paper: 0.05',
  beta1: 'The paper: 0.9',
  beta2: 'The paper: 0.95',
  minLr: 'Where the cosine ends',
  clipNorm: 'Global norm; 0 is off (as in the paper)',
  includeEvalSplits: 'Off keeps them unseen; labels are never used',
  mix: 'CutMix first: the write-up’s hypothesis, tested',
  seed: 'Same seed: same clips, order, masks',
};

/** The paper's rule: the learning rate grows with the batch (lr = base × batch / 256). */
export function effectiveLr(config: Pick<PretrainConfig, 'baseLr' | 'batchSize'>): number {
  return (config.baseLr * config.batchSize) / 256;
}

/** "tube 75%, 20 epochs, lr 4.7e-6, clean clips": what a pretraining is, at a glance. */
export function recipeSummary(config: PretrainConfig): string {
  const clips = config.mix === 'cutmix' ? 'CutMix-mixed clips' : 'clean clips';
  const splits = config.includeEvalSplits ? ', with val/test' : '';
  return `${config.masking} ${Math.round(config.maskRatio * 100)}%, ${formatCompact(config.epochs)} epochs, lr ${formatCompact(effectiveLr(config))}, ${clips}${splits}`;
}

const STATUS_TEXT: Record<RunStatus, string> = {
  idle: 'not started',
  queued: 'starting',
  running: 'pretraining',
  paused: 'paused',
  stopped: 'stopped',
  finished: 'finished',
  failed: 'failed',
};

/** The status a slot is in, saying when its figures miss clips. */
export function slotStatusText(state: PretrainState | null): string {
  if (!state) return STATUS_TEXT.idle;
  const text = STATUS_TEXT[state.status];
  return state.problems.length > 0 ? `${text} with problems` : text;
}

/** The stage's one line when closed: the slot, where it stands, and its recipe. */
export function stageSummary(
  slot: PretrainSlot,
  state: PretrainState | null,
  loss: number,
  config: PretrainConfig,
): string {
  const where =
    state && state.step > 0
      ? `${slotStatusText(state)} at step ${state.step} / ${state.totalSteps}${Number.isFinite(loss) ? `, loss ${formatCompact(loss)}` : ''}`
      : slotStatusText(state);
  return `${slotLabel(slot)}: ${where} · ${recipeSummary(config)}`;
}
