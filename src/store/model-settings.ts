/**
 * Which weights both runs start from, as URL settings: a model preset with its frames x resolution, or a
 * Hub checkpoint (repo, revision, Hub URL), or dropped files (which cannot live in a URL: the page asks for
 * them again).
 */
import {
  INPUT_CHOICES,
  MODEL_PRESETS,
  type PresetName,
  type PresetId,
  type ModelChoice,
} from '../worker/index.ts';
import { enumField, numberField, stringField, type ValuesOf } from '../util/schema.ts';

export const MODEL_PRESET_NAMES = Object.keys(MODEL_PRESETS) as PresetName[];
export const MODEL_SOURCES = [...MODEL_PRESET_NAMES, 'hub', 'files'] as const;
export type ModelSource = (typeof MODEL_SOURCES)[number];

/** `16x224`: frames x square resolution, one of INPUT_CHOICES. */
export const INPUT_KEYS = INPUT_CHOICES.map((c) => `${c.num_frames}x${c.image_size}`);

export const DEFAULT_HUB_URL = 'https://huggingface.co';

export const MODEL_SETTINGS_SCHEMA = {
  model: enumField(MODEL_SOURCES, 'tiny'),
  // 8 frames at 64 px: what the from-scratch recipe learns the sample with in a minute or two on a CPU.
  input: enumField(INPUT_KEYS, '8x64'),
  initSeed: numberField(0, { min: 0, max: 2 ** 32 - 1, integer: true }),
  repo: stringField('MCG-NJU/videomae-base'),
  revision: stringField('main'),
  hubUrl: stringField(DEFAULT_HUB_URL),
  pooling: enumField(['checkpoint', 'on', 'off'], 'checkpoint'),
};

export type ModelSettings = ValuesOf<typeof MODEL_SETTINGS_SCHEMA>;

export function isPresetSource(source: ModelSource): source is PresetName {
  return (MODEL_PRESET_NAMES as string[]).includes(source);
}

/**
 * The run recipe a model starts with: a preset model has random weights and gets the from-scratch recipe; a
 * pretrained checkpoint (Hub, files) gets the write-up's, which was made for one.
 */
export function recipeFor(source: ModelSource): PresetId {
  return isPresetSource(source) ? 'from-scratch' : 'write-up';
}

/**
 * The frames and resolution a preset model will take, known from the settings alone (a checkpoint's are
 * known once it is loaded): the ingest decodes at this size from the start instead of at the default.
 */
export function presetInputOf(settings: ModelSettings): { numFrames: number; imageSize: number } | null {
  if (!isPresetSource(settings.model)) return null;
  const [numFrames, imageSize] = settings.input.split('x').map(Number);
  return numFrames && imageSize ? { numFrames, imageSize } : null;
}

export function inputOf(settings: Pick<ModelSettings, 'input'>): { num_frames: number; image_size: number } {
  const [frames, size] = settings.input.split('x').map(Number);
  return { num_frames: frames!, image_size: size! };
}

export class ModelFilesMissingError extends Error {
  override name = 'ModelFilesMissingError';
}

/** What the engine's prepareModel gets for these settings (and the files dropped in the Model panel). */
export function modelChoiceOf(settings: ModelSettings, files: readonly File[]): ModelChoice {
  if (isPresetSource(settings.model)) {
    const input = inputOf(settings);
    return {
      kind: 'preset',
      preset: settings.model,
      numFrames: input.num_frames,
      imageSize: input.image_size,
      initSeed: settings.initSeed,
    };
  }
  if (settings.model === 'hub') {
    return {
      kind: 'hub',
      repo: settings.repo.trim(),
      revision: settings.revision.trim() || 'main',
      hubUrl: settings.hubUrl.trim() || DEFAULT_HUB_URL,
      useMeanPooling: settings.pooling,
      initSeed: settings.initSeed,
    };
  }
  if (files.length === 0) {
    throw new ModelFilesMissingError(
      'No checkpoint files: drop config.json and model.safetensors (or pytorch_model.bin) in the Model panel.',
    );
  }
  return { kind: 'files', files: [...files], useMeanPooling: settings.pooling, initSeed: settings.initSeed };
}

/**
 * Identifies a model choice with the labels it was built for, so the page knows when the prepared
 * weights no longer match the settings. Files count by name, size and modification time.
 */
export function modelChoiceKey(choice: ModelChoice, labels: readonly string[]): string {
  const described =
    choice.kind === 'files'
      ? { ...choice, files: choice.files.map((f) => `${f.name}:${f.size}:${f.lastModified}`) }
      : choice;
  return JSON.stringify({ choice: described, labels });
}
