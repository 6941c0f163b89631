/**
 * The recipes a user starts from and then edits, and a run's URL form: the preset's id plus only the
 * settings that differ from that preset (`a.preset=hf-tutorial&a.cutmix=true`), so links stay short and
 * say what was changed.
 */
import { decodeParams, defaultsOf, encodeParams, type Field, type Schema } from '../util/schema.ts';
import { RUN_CONFIG_SCHEMA, type RunConfig } from './run-config.ts';

export type PresetId = 'from-scratch' | 'write-up' | 'hf-tutorial' | 'videomae-paper';

export interface RunPreset {
  id: PresetId;
  name: string;
  /** Where the numbers come from, shown beside the picker. */
  source: string;
  config: RunConfig;
}

const WRITE_UP: RunConfig = defaultsOf(RUN_CONFIG_SCHEMA);

export const PRESETS: readonly RunPreset[] = [
  {
    id: 'from-scratch',
    name: 'From scratch',
    source:
      'For a model that starts from random weights: Adam, lr 1e-3 with 10% warmup then linear decay, 10 epochs, ' +
      'batch 8, CutMix off (the B run turns it on). The tiny model learns the sample dataset with it in a minute ' +
      'or two on a CPU; the write-up’s recipe was made for a pretrained ViT-B and barely moves a model from scratch.',
    config: { ...WRITE_UP, lr: 1e-3, warmupRatio: 0.1, epochs: 10 },
  },
  {
    id: 'write-up',
    name: 'The write-up',
    source:
      'Adam, lr 4e-4, linear decay without warmup, 2 epochs, batch 8, CutMix off (the B run turns it on).',
    config: WRITE_UP,
  },
  {
    id: 'hf-tutorial',
    name: 'HF tutorial',
    source:
      "Hugging Face's video classification tutorial: Trainer defaults (AdamW, weight decay 0, clip norm 1.0, " +
      'linear schedule), lr 5e-5, warmup ratio 0.1, batch 8, 4 epochs, evaluation every epoch.',
    config: {
      ...WRITE_UP,
      optimizer: 'adamw',
      lr: 5e-5,
      warmupRatio: 0.1,
      clipNorm: 1,
      batchSize: 8,
      epochs: 4,
    },
  },
  {
    id: 'videomae-paper',
    name: 'VideoMAE paper',
    source:
      'VideoMAE fine-tuning: AdamW (0.9, 0.999), lr 5e-4 x batch / 256, cosine with warmup (5% of training, as ' +
      '5 of 100 epochs), layer decay 0.75, weight decay 0.05, label smoothing 0.1, drop path 0.1, Mixup 0.8 + ' +
      'CutMix 1.0 switching half the time. The paper trains 100 epochs on UCF101; 4 here to fit a browser.',
    config: {
      ...WRITE_UP,
      optimizer: 'adamw',
      lr: 5e-4,
      lrScaling: 'batch/256',
      weightDecay: 0.05,
      schedule: 'cosine',
      warmupRatio: 0.05,
      layerDecay: 0.75,
      labelSmoothing: 0.1,
      batchSize: 8,
      epochs: 4,
      dropPath: 0.1,
      cutmix: true,
      cutmixAlpha: 1,
      mixupAlpha: 0.8,
      switchProb: 0.5,
      mixProb: 1,
    },
  },
];

/** The recipe of a run when nothing says otherwise: the write-up's (see `recipeFor` in the store). */
export const DEFAULT_PRESET: PresetId = 'write-up';
export const PRESET_IDS = PRESETS.map((p) => p.id);

export function presetById(id: PresetId): RunPreset {
  return PRESETS.find((p) => p.id === id)!;
}

/** The schema with another set of defaults, so encodeParams writes only what differs from a preset. */
function schemaRelativeTo(values: RunConfig): typeof RUN_CONFIG_SCHEMA {
  const relative: Schema = {};
  for (const [key, field] of Object.entries(RUN_CONFIG_SCHEMA) as [keyof RunConfig, Field<unknown>][]) {
    relative[key] = { ...field, default: values[key] };
  }
  return relative as typeof RUN_CONFIG_SCHEMA;
}

export interface RunFromUrl {
  preset: PresetId;
  config: RunConfig;
  /** Parameters that named a setting (or the preset) but held an invalid value. */
  rejected: { key: string; text: string }[];
}

/**
 * Reads a run from `params` under `prefix` (e.g. 'a.'): the preset (`fallback` when none is named), then the
 * settings changed from it.
 */
export function decodeRun(params: URLSearchParams, prefix: string, fallback = DEFAULT_PRESET): RunFromUrl {
  const rejected: { key: string; text: string }[] = [];
  const presetText = params.get(`${prefix}preset`);
  let preset = fallback;
  if (presetText !== null) {
    if ((PRESET_IDS as string[]).includes(presetText)) preset = presetText as PresetId;
    else rejected.push({ key: `${prefix}preset`, text: presetText });
  }
  const decoded = decodeParams(RUN_CONFIG_SCHEMA, params, prefix);
  return {
    preset,
    config: { ...presetById(preset).config, ...decoded.values },
    rejected: [...rejected, ...decoded.rejected],
  };
}

/** Writes a run under `prefix`: its preset (unless the default) and the settings that differ from it. */
export function encodeRun(
  config: RunConfig,
  preset: PresetId,
  params: URLSearchParams,
  prefix: string,
): void {
  if (preset === DEFAULT_PRESET) params.delete(`${prefix}preset`);
  else params.set(`${prefix}preset`, preset);
  encodeParams(schemaRelativeTo(presetById(preset).config), config, params, prefix);
}
