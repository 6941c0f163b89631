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
