/**
 * The experiment as a query string: the model choice, the two runs (each a preset plus what was changed
 * from it, under `a.` / `b.`), the two pretrainings (what differs from the paper's recipe, under `p1.` /
 * `p2.`), and the view. A shared link carries all of it, so opening it restores the
 * same comparison; local storage keeps the same text for the next visit.
 */
import {
  decodeRun,
  encodeRun,
  presetById,
  type PresetId,
  withCutMixToggled,
  PRETRAIN_CONFIG_SCHEMA,
  PRETRAIN_SLOTS,
  type PretrainConfig,
  type PretrainSlot,
  type RunConfig,
  RUN_IDS,
  type RunId,
} from '../worker/index.ts';
import { MODEL_SETTINGS_SCHEMA, recipeFor, type ModelSettings } from './model-settings.ts';
import { decodeParams, defaultsOf, encodeParams } from '../util/schema.ts';
import { VIEW_SETTINGS_SCHEMA, type ViewSettings } from './view-settings.ts';

export interface RunSettings {
  /** The preset the run started from; the URL stores only what differs from it. */
  preset: PresetId;
  config: RunConfig;
}

export interface Experiment {
  model: ModelSettings;
  view: ViewSettings;
  runs: Record<RunId, RunSettings>;
  /** The two pretraining slots' settings (the Pretrain stage). */
  pretraining: Record<PretrainSlot, PretrainConfig>;
}

export const RUN_PREFIX: Record<RunId, string> = { A: 'a.', B: 'b.' };
export const PRETRAIN_PREFIX: Record<PretrainSlot, string> = {
  'pretraining-1': 'p1.',
  'pretraining-2': 'p2.',
};

export function defaultPretraining(): Record<PretrainSlot, PretrainConfig> {
  return {
    'pretraining-1': defaultsOf(PRETRAIN_CONFIG_SCHEMA),
    'pretraining-2': defaultsOf(PRETRAIN_CONFIG_SCHEMA),
  };
}

/** B of a fresh comparison: A with CutMix flipped, same preset, seed and everything else. */
export function comparisonPartner(a: RunSettings): RunSettings {
  return { preset: a.preset, config: withCutMixToggled(a.config) };
}

/** A run with `preset`'s settings as they are. */
export function runOfPreset(preset: PresetId): RunSettings {
  return { preset, config: presetById(preset).config };
}

/** The comparison a model starts with: A its recipe, B the same with CutMix flipped. */
export function defaultRunsFor(model: ModelSettings): Record<RunId, RunSettings> {
  const a = runOfPreset(recipeFor(model.model));
  return { A: a, B: comparisonPartner(a) };
}

export function defaultExperiment(): Experiment {
  const model = defaultsOf(MODEL_SETTINGS_SCHEMA);
  return {
    model,
    view: defaultsOf(VIEW_SETTINGS_SCHEMA),
    runs: defaultRunsFor(model),
    pretraining: defaultPretraining(),
  };
}

function hasPrefixed(params: URLSearchParams, prefix: string): boolean {
  for (const key of params.keys()) if (key.startsWith(prefix)) return true;
  return false;
}

/** Whether the text names any experiment setting (then it describes the whole experiment). */
export function hasExperimentParams(params: URLSearchParams): boolean {
  const keys = [...Object.keys(MODEL_SETTINGS_SCHEMA), ...Object.keys(VIEW_SETTINGS_SCHEMA)];
  return (
    keys.some((key) => params.has(key)) ||
    RUN_IDS.some((id) => hasPrefixed(params, RUN_PREFIX[id])) ||
    PRETRAIN_SLOTS.some((slot) => hasPrefixed(params, PRETRAIN_PREFIX[slot]))
  );
}

export interface DecodedExperiment {
  experiment: Experiment;
  rejected: { key: string; text: string }[];
}

/**
 * Reads an experiment. Settings not named take their defaults (a run without a preset takes its model's
 * recipe), except B: a link without any `b.` setting means "B is A with CutMix flipped", the comparison the
 * page is for.
 */
export function decodeExperiment(params: URLSearchParams): DecodedExperiment {
  const model = decodeParams(MODEL_SETTINGS_SCHEMA, params);
  const view = decodeParams(VIEW_SETTINGS_SCHEMA, params);
  const modelSettings = { ...defaultsOf(MODEL_SETTINGS_SCHEMA), ...model.values };
  const recipe = recipeFor(modelSettings.model);
  const a = decodeRun(params, RUN_PREFIX.A, recipe);
  const runA: RunSettings = { preset: a.preset, config: a.config };
  const rejected = [...model.rejected, ...view.rejected, ...a.rejected];
  let runB = comparisonPartner(runA);
  if (hasPrefixed(params, RUN_PREFIX.B)) {
    const b = decodeRun(params, RUN_PREFIX.B, recipe);
    runB = { preset: b.preset, config: b.config };
    rejected.push(...b.rejected);
  }
  const pretraining = defaultPretraining();
  for (const slot of PRETRAIN_SLOTS) {
    const decoded = decodeParams(PRETRAIN_CONFIG_SCHEMA, params, PRETRAIN_PREFIX[slot]);
    pretraining[slot] = { ...pretraining[slot], ...decoded.values };
    rejected.push(...decoded.rejected);
  }
  return {
    experiment: {
      model: modelSettings,
      view: { ...defaultsOf(VIEW_SETTINGS_SCHEMA), ...view.values },
      runs: { A: runA, B: runB },
      pretraining,
    },
    rejected,
  };
}

/**
 * Writes an experiment into `params` (other parameters are kept). Both presets are always written, even
 * the default one, so a link always says it holds an experiment and B is never mistaken for "A flipped".
 */
export function encodeExperiment(experiment: Experiment, params: URLSearchParams): void {
  encodeParams(MODEL_SETTINGS_SCHEMA, experiment.model, params);
  encodeParams(VIEW_SETTINGS_SCHEMA, experiment.view, params);
  for (const id of RUN_IDS) {
    const run = experiment.runs[id];
    const prefix = RUN_PREFIX[id];
    encodeRun(run.config, run.preset, params, prefix);
    params.set(`${prefix}preset`, run.preset);
  }
  for (const slot of PRETRAIN_SLOTS) {
    encodeParams(PRETRAIN_CONFIG_SCHEMA, experiment.pretraining[slot], params, PRETRAIN_PREFIX[slot]);
  }
}
