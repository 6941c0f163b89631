/**
 * The compute worker as the page sees it: the client that talks to it, the typed protocol, and the run and
 * model definitions both sides compute with (presets, run settings and their plan, model sizes and costs).
 * The page's store imports the compute side through this module only (see docs/architecture.md).
 */
export { EngineClient, getEngine } from './client.ts';
export type * from './protocol.ts';
export type * from './training-protocol.ts';
export { RUN_IDS } from './training-protocol.ts';
export {
  BACKEND_PREFERENCES,
  BACKENDS,
  describeAdapter,
  type AdapterReport,
  type BackendName,
  type BackendPreference,
  type BackendReport,
} from './backend.ts';
export {
  decodeRun,
  DEFAULT_PRESET,
  encodeRun,
  PRESET_IDS,
  PRESETS,
  presetById,
  type PresetId,
  type RunPreset,
} from '../train/presets.ts';
export {
  diffRunConfigs,
  planTraining,
  RUN_CONFIG_KEYS,
  RUN_CONFIG_LABELS,
  RUN_CONFIG_SCHEMA,
  validateRunConfig,
  withCutMixToggled,
  type RunConfig,
  type RunConfigKey,
  type TrainingPlan,
} from '../train/run-config.ts';
export {
  MASKING_KINDS,
  PRETRAIN_CONFIG_KEYS,
  PRETRAIN_CONFIG_SCHEMA,
  PRETRAIN_SLOTS,
  START_FROM,
} from '../train/pretrain-config.ts';
export { missedClips, runProblems } from '../train/run-problems.ts';
export { EmaSmoother } from '../train/metric-smoothing.ts';
export { perClipCost, type PerClipCost } from '../model/videomae/summary.ts';
export {
  countParameters,
  forwardFlopsPerClip,
  INPUT_CHOICES,
  parseConfig,
  PRESETS as MODEL_PRESETS,
  presetConfig,
  sequenceLength,
  trainingActivationBytes,
  type PresetName,
  type VideoMAEConfig,
} from '../model/videomae/config.ts';
