/** Checkpoint formats, loading (files, Hub) and export for VideoMAE. */
export { applyStateDict, describeLoad, type LoadReport, type MismatchedKey } from './apply.ts';
export {
  CheckpointFormatError,
  IncompatibleCheckpointError,
  MissingCheckpointFileError,
  ShapeMismatchError,
  UnsafePickleError,
} from './errors.ts';
export { configToJson, exportCheckpoint, type ExportedFile } from './export.ts';
export { readCheckpointFiles, type FileProgress, type NamedBlob } from './files.ts';
export {
  cacheStorageHubCache,
  clearHubCache,
  DEFAULT_HUB_URL,
  fetchHubCheckpoint,
  fetchHubFile,
  HubAccessError,
  HubEntryNotFoundError,
  HubError,
  HubNetworkError,
  HubRepoNotFoundError,
  HubRevisionNotFoundError,
  InvalidRepoIdError,
  resolveUrl,
  type HubCache,
  type HubLoadOptions,
  type HubLocation,
  type HubProgress,
} from './hub.ts';
export {
  loadCheckpoint,
  parseConfigJson,
  readWeights,
  resolveConfig,
  WEIGHT_FILES,
  type Checkpoint,
  type ConfigOverrides,
  type FileSource,
  type LoadOptions,
  type WeightFormat,
} from './load.ts';
export {
  applyPretrainingStateDict,
  classifierFromPretraining,
  exportEncoderCheckpoint,
  exportPretrainingCheckpoint,
  isPretrainingConfig,
  loadPretrainingCheckpoint,
  PRETRAINING_ARCHITECTURE,
  pretrainingStateDict,
  resolvePretrainingConfig,
  type PretrainingApplyOptions,
  type PretrainingLoadOptions,
} from './pretraining.ts';
export { readPytorchBin } from './pytorch-bin.ts';
export { readSafetensors, writeSafetensors, type SafetensorsFile } from './safetensors.ts';
export type { CheckpointTensor, StateDict, StoredDtype } from './state-dict.ts';
export {
  loadPretrainedFromFiles,
  loadPretrainedFromHub,
  type LoadedModel,
  type LoadProgress,
  type PretrainedOptions,
} from './pretrained.ts';
