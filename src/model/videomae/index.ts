/** VideoMAE for video classification, Hugging Face-compatible. */
export * from './config.ts';
export { activation } from './activations.ts';
export {
  InputShapeError,
  MissingParameterError,
  patchEmbed,
  VideoMAEForVideoClassification,
  type ForwardOptions,
  type ForwardOutput,
  type ParameterValue,
} from './model.ts';
export { BASE_MODEL_PREFIX, CLASSIFIER_KEYS, parameterSpecs, type ParamSpec } from './params.ts';
export { sinusoidTable } from './position.ts';
export { summarizeModel, type ModelSummary } from './summary.ts';
export {
  validatePretrainingConfig,
  VideoMAEForPreTraining,
  type PretrainForwardOptions,
  type PretrainForwardOutput,
} from './pretraining.ts';
export { decoderOutputSize, pretrainingParameterSpecs } from './params.ts';
export {
  checkMask,
  makeMasks,
  maskedCount,
  maskGrid,
  maskIndices,
  MaskingError,
  type MaskGrid,
  type MaskingKind,
  type MaskingOptions,
} from './masking.ts';
export {
  IMAGENET_DEFAULT_MEAN,
  IMAGENET_DEFAULT_STD,
  pixelTargets,
  pixelTargetsArray,
  reconstructionView,
  unnormalizeFrames,
  type ReconstructionView,
  type VideoShape,
} from './cubes.ts';
