/**
 * Checkpoints of `VideoMAEForPreTraining` both ways, with Hugging Face's semantics: loading applies
 * `from_pretrained`'s prefix logic and key reports (a bare VideoMAEModel or a classifier checkpoint loads its
 * encoder and leaves the decoder freshly initialised), saving writes what `save_pretrained` writes. A
 * pretraining also becomes a classifier here, exactly as `VideoMAEForVideoClassification.from_pretrained`
 * of its exported folder would.
 */
import { parseConfig, type VideoMAEConfig } from '../videomae/config.ts';
import { BASE_MODEL_PREFIX, initParameter, numel, pretrainingParameterSpecs } from '../videomae/params.ts';
import { validatePretrainingConfig, VideoMAEForPreTraining } from '../videomae/pretraining.ts';
import type { VideoMAEForVideoClassification } from '../videomae/model.ts';
import { describeLoad, sameShape, setDifference, type LoadReport, type MismatchedKey } from './apply.ts';
import { IncompatibleCheckpointError, ShapeMismatchError } from './errors.ts';
import { configToJson, type ExportedFile } from './export.ts';
import { loadCheckpoint, type Checkpoint, type LoadOptions } from './load.ts';
import { writeSafetensors } from './safetensors.ts';
import type { StateDict, StoredDtype } from './state-dict.ts';

export const PRETRAINING_ARCHITECTURE = 'VideoMAEForPreTraining';
const PREFIX_DOT = `${BASE_MODEL_PREFIX}.`;

export interface PretrainingApplyOptions {
  source: string;
  checkpointArchitecture?: string | null;
  /** Seed for whatever gets initialised fresh (a decoder missing from an encoder-only checkpoint). */
  seed?: number | string;
  /** Re-initialise shape-mismatched parameters instead of failing (HF's ignore_mismatched_sizes). */
  ignoreMismatchedSizes?: boolean;
}

/** `VideoMAEForPreTraining.from_pretrained` on a state dict already in memory. */
export function applyPretrainingStateDict(
  config: VideoMAEConfig,
  stateDict: StateDict,
  options: PretrainingApplyOptions,
): { model: VideoMAEForPreTraining; report: LoadReport } {
  validatePretrainingConfig(config);
  const specs = pretrainingParameterSpecs(config);
  const loadedKeys = [...stateDict.keys()];
  // HF: a checkpoint of the bare VideoMAEModel (keys without "videomae.") loads into model.videomae.
  const removePrefix = !loadedKeys.some((k) => k.startsWith(BASE_MODEL_PREFIX));
  const toCheckpointKey = (modelKey: string): string =>
    removePrefix && modelKey.startsWith(PREFIX_DOT) ? modelKey.slice(PREFIX_DOT.length) : modelKey;
  const expectedKeys = specs.map((s) => toCheckpointKey(s.name));
  const loadedSet = new Set(loadedKeys);
  const missingKeys = setDifference(expectedKeys, loadedSet);
  const unexpectedKeys = setDifference(loadedKeys, new Set(expectedKeys));

  const mismatchedKeys: MismatchedKey[] = [];
  for (const spec of specs) {
    const key = toCheckpointKey(spec.name);
    const tensor = stateDict.get(key);
    if (tensor && !sameShape(tensor.shape, spec.shape))
      mismatchedKeys.push({ key, checkpointShape: [...tensor.shape], modelShape: [...spec.shape] });
  }
  if (mismatchedKeys.length > 0 && !options.ignoreMismatchedSizes)
    throw new ShapeMismatchError(mismatchedKeys);
  const mismatchedSet = new Set(mismatchedKeys.map((m) => m.key));
  if (!specs.some((s) => s.name.startsWith(PREFIX_DOT) && loadedSet.has(toCheckpointKey(s.name)))) {
    throw new IncompatibleCheckpointError(
      `${options.source}: none of the checkpoint's ${loadedKeys.length} tensors is a VideoMAE encoder weight ` +
        `(first keys: ${loadedKeys.slice(0, 5).join(', ') || 'none'}). Is it a Hugging Face VideoMAE checkpoint?`,
    );
  }

  const seed = options.seed ?? 0;
  const weights = new Map<string, Float32Array>();
  const newlyInitialized: string[] = [];
  const storedDtypes: Partial<Record<StoredDtype, number>> = {};
  let loadedParameterCount = 0;
  for (const spec of specs) {
    const key = toCheckpointKey(spec.name);
    const tensor = stateDict.get(key);
    if (tensor && !mismatchedSet.has(key)) {
      weights.set(spec.name, tensor.data);
      storedDtypes[tensor.dtype] = (storedDtypes[tensor.dtype] ?? 0) + 1;
      loadedParameterCount += numel(spec.shape);
    } else {
      weights.set(spec.name, initParameter(spec, config, seed));
      newlyInitialized.push(spec.name);
    }
  }
  const model = VideoMAEForPreTraining.fromWeights(config, weights);
  const report: LoadReport = {
    source: options.source,
    checkpointArchitecture: options.checkpointArchitecture ?? null,
    missingKeys,
    unexpectedKeys,
    mismatchedKeys,
    newlyInitialized,
    classifierReinitialized: null,
    loadedParameterTensors: specs.length - newlyInitialized.length,
    parameterCount: model.parameterCount(),
    loadedParameterCount,
    storedDtypes,
    messages: [],
  };
  report.messages = describeLoad(report, PRETRAINING_ARCHITECTURE);
  return { model, report };
}

/** config.json (+ caller's settings) as a pretraining config: `from_pretrained(dir, **overrides)`. */
export function resolvePretrainingConfig(
  configJson: Record<string, unknown>,
  overrides: Partial<
    Pick<
      VideoMAEConfig,
      'norm_pix_loss' | 'hidden_dropout_prob' | 'attention_probs_dropout_prob' | 'drop_path_rate'
    >
  > = {},
): VideoMAEConfig {
  const config = parseConfig(configJson);
  for (const [key, value] of Object.entries(overrides))
    if (value !== undefined) Object.assign(config, { [key]: value });
  config.architectures = [PRETRAINING_ARCHITECTURE];
  validatePretrainingConfig(config);
  return config;
}

export interface PretrainingLoadOptions {
  overrides?: Parameters<typeof resolvePretrainingConfig>[1];
  seed?: number | string;
  ignoreMismatchedSizes?: boolean;
}

/** A checkpoint read from files or the Hub as a VideoMAEForPreTraining, with its load report. */
export function loadPretrainingCheckpoint(
  checkpoint: Checkpoint,
  options: PretrainingLoadOptions = {},
): { model: VideoMAEForPreTraining; config: VideoMAEConfig; report: LoadReport } {
  const architectures = checkpoint.configJson.architectures;
  const config = resolvePretrainingConfig(checkpoint.configJson, options.overrides);
  const { model, report } = applyPretrainingStateDict(config, checkpoint.stateDict, {
    source: checkpoint.source,
    checkpointArchitecture: Array.isArray(architectures) ? String(architectures[0]) : null,
    seed: options.seed,
    ignoreMismatchedSizes: options.ignoreMismatchedSizes,
  });
  return { model, config, report };
}

/** Whether a config.json names the pretraining architecture (what a loader dispatches on). */
export function isPretrainingConfig(configJson: Record<string, unknown>): boolean {
  const architectures = configJson.architectures;
  return Array.isArray(architectures) && architectures.includes(PRETRAINING_ARCHITECTURE);
}

function jsonFile(name: string, text: string): ExportedFile {
  return { name, mimeType: 'application/json', bytes: new TextEncoder().encode(text) };
}

/** The model as an HF `VideoMAEForPreTraining` folder: config.json and model.safetensors (all keys, HF shapes). */
export async function exportPretrainingCheckpoint(model: VideoMAEForPreTraining): Promise<ExportedFile[]> {
  const weights = await model.getWeights();
  return [
    jsonFile('config.json', configToJson(model.config, PRETRAINING_ARCHITECTURE)),
    { name: 'model.safetensors', mimeType: 'application/octet-stream', bytes: writeSafetensors(weights) },
  ];
}

/**
 * The encoder alone as an HF `VideoMAEModel` folder (what `VideoMAEModel.save_pretrained` writes: keys without
 * the `videomae.` prefix), which `VideoMAEForVideoClassification.from_pretrained` loads into its encoder.
 */
export async function exportEncoderCheckpoint(model: VideoMAEForPreTraining): Promise<ExportedFile[]> {
  const encoder = await model.getEncoderWeights();
  const bare = new Map([...encoder].map(([name, value]) => [name.slice(PREFIX_DOT.length), value]));
  return [
    jsonFile('config.json', configToJson(model.config, 'VideoMAEModel')),
    { name: 'model.safetensors', mimeType: 'application/octet-stream', bytes: writeSafetensors(bare) },
  ];
}

/** A pretraining's weights as a state dict in memory (F32, HF names), e.g. to start a classifier from. */
export async function pretrainingStateDict(model: VideoMAEForPreTraining): Promise<StateDict> {
  const weights = await model.getWeights();
  const stateDict: StateDict = new Map();
  for (const [name, { shape, data }] of weights)
    stateDict.set(name, { dtype: 'F32', shape, data: Float32Array.from(data) });
  return stateDict;
}

/**
 * A classifier started from a pretraining, as `VideoMAEForVideoClassification.from_pretrained(<exported
 * pretraining folder>, num_labels=..., **overrides)` would build it: encoder weights loaded, decoder keys
 * unexpected, the head (and fc_norm with mean pooling) fresh. `options.overrides.labels` sets the classes.
 */
export async function classifierFromPretraining(
  model: VideoMAEForPreTraining,
  options: LoadOptions = {},
): Promise<{ model: VideoMAEForVideoClassification; config: VideoMAEConfig; report: LoadReport }> {
  const configJson = JSON.parse(configToJson(model.config, PRETRAINING_ARCHITECTURE)) as Record<
    string,
    unknown
  >;
  const checkpoint: Checkpoint = {
    configJson,
    stateDict: await pretrainingStateDict(model),
    format: 'safetensors',
    weightFiles: [],
    source: 'pretraining in memory',
  };
  return loadCheckpoint(checkpoint, options);
}
