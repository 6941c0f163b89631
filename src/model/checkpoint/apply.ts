/**
 * Builds a VideoMAEForVideoClassification from a checkpoint's state dict with Hugging Face's
 * `from_pretrained` semantics (transformers 4.36 `_load_pretrained_model`): the same base-model-prefix
 * logic, the same missing / unexpected / mismatched key lists, fresh `_init_weights` values for whatever the
 * checkpoint does not provide.
 *
 * One deliberate difference: when the caller asked for a different number of labels than the checkpoint's
 * head has, the classifier is re-initialised and reported as mismatched (what HF does with
 * `ignore_mismatched_sizes=True`) instead of failing, since that is the point of fine-tuning on new classes.
 * Any other shape mismatch fails with ShapeMismatchError unless `ignoreMismatchedSizes` is set.
 */
import type { VideoMAEConfig } from '../videomae/config.ts';
import { VideoMAEForVideoClassification } from '../videomae/model.ts';
import {
  BASE_MODEL_PREFIX,
  CLASSIFIER_KEYS,
  initParameter,
  numel,
  parameterSpecs,
} from '../videomae/params.ts';
import { IncompatibleCheckpointError, ShapeMismatchError } from './errors.ts';
import { formatShape, type StateDict, type StoredDtype } from './state-dict.ts';

export interface MismatchedKey {
  /** The checkpoint's key (HF reports it this way). */
  key: string;
  checkpointShape: number[];
  modelShape: number[];
}

/** What happened when a checkpoint was loaded: what the Model panel shows. */
export interface LoadReport {
  /** Where the weights came from, e.g. `MCG-NJU/videomae-base@main` or the file names. */
  source: string;
  /** The architecture config.json names (e.g. VideoMAEForPreTraining), if any. */
  checkpointArchitecture: string | null;
  /** Keys of the model the checkpoint did not provide (sorted, HF's `missing_keys`). */
  missingKeys: string[];
  /** Checkpoint keys the model has no use for (sorted, HF's `unexpected_keys`). */
  unexpectedKeys: string[];
  /** Keys whose shape differs, re-initialised (HF's `mismatched_keys` with ignore_mismatched_sizes). */
  mismatchedKeys: MismatchedKey[];
  /** Model parameters initialised fresh (missing or mismatched), in state_dict order. */
  newlyInitialized: string[];
  /** Set when the classification head did not come from the checkpoint, and why. */
  classifierReinitialized: null | {
    reason: 'missing' | 'num_labels';
    checkpointLabels: number | null;
    modelLabels: number;
  };
  /** Number of model parameters (tensors) taken from the checkpoint. */
  loadedParameterTensors: number;
  /** Scalar parameter count of the model, and how many of them came from the checkpoint. */
  parameterCount: number;
  loadedParameterCount: number;
  /** How the checkpoint stored its tensors, e.g. { F16: 200 } (everything is float32 once loaded). */
  storedDtypes: Partial<Record<StoredDtype, number>>;
  /** HF-style sentences describing the above, for display. */
  messages: string[];
}

export interface ApplyOptions {
  /** Description of the checkpoint for messages. */
  source: string;
  /** Architecture from config.json. */
  checkpointArchitecture?: string | null;
  /** Seed for whatever gets initialised fresh. */
  seed?: number | string;
  /** Re-initialise every shape-mismatched parameter instead of failing (HF's ignore_mismatched_sizes). */
  ignoreMismatchedSizes?: boolean;
}

const PREFIX_DOT = `${BASE_MODEL_PREFIX}.`;

export function setDifference(a: Iterable<string>, b: ReadonlySet<string>): string[] {
  return [...new Set([...a].filter((x) => !b.has(x)))].sort(compareCodePoints);
}

/** Python's sorted() order for str. */
function compareCodePoints(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function applyStateDict(
  config: VideoMAEConfig,
  stateDict: StateDict,
  options: ApplyOptions,
): { model: VideoMAEForVideoClassification; report: LoadReport } {
  const specs = parameterSpecs(config);
  const modelKeys = specs.map((s) => s.name);
  const loadedKeys = [...stateDict.keys()];

  // HF: a checkpoint of the bare VideoMAEModel (keys without "videomae.") loads into model.videomae.
  const hasPrefixModule = loadedKeys.some((k) => k.startsWith(BASE_MODEL_PREFIX));
  const removePrefixFromModel = !hasPrefixModule;
  const toCheckpointKey = (modelKey: string): string =>
    removePrefixFromModel && modelKey.startsWith(PREFIX_DOT) ? modelKey.slice(PREFIX_DOT.length) : modelKey;
  const expectedKeys = modelKeys.map(toCheckpointKey);
  if (removePrefixFromModel) {
    const headKeys = new Set(modelKeys.filter((k) => !k.startsWith(PREFIX_DOT)));
    const bad = loadedKeys.filter((k) => headKeys.has(k));
    if (bad.length > 0) {
      throw new IncompatibleCheckpointError(
        `${options.source}: the state dict is corrupted: it has head weights (${bad.join(', ')}) but no ` +
          `"${PREFIX_DOT}" encoder weights`,
      );
    }
  }

  const loadedSet = new Set(loadedKeys);
  const missingKeys = setDifference(expectedKeys, loadedSet);
  const unexpectedKeys = setDifference(loadedKeys, new Set(expectedKeys));

  const mismatched: MismatchedKey[] = [];
  const classifierMismatch: MismatchedKey[] = [];
  for (const spec of specs) {
    const key = toCheckpointKey(spec.name);
    const tensor = stateDict.get(key);
    if (!tensor || sameShape(tensor.shape, spec.shape)) continue;
    const entry = { key, checkpointShape: [...tensor.shape], modelShape: [...spec.shape] };
    if ((CLASSIFIER_KEYS as readonly string[]).includes(spec.name)) classifierMismatch.push(entry);
    else mismatched.push(entry);
  }
  if (mismatched.length > 0 && !options.ignoreMismatchedSizes) throw new ShapeMismatchError(mismatched);
  // HF lists mismatches in checkpoint-key order.
  const loadedOrder = new Map(loadedKeys.map((k, i) => [k, i]));
  const mismatchedKeys = [...mismatched, ...classifierMismatch].sort(
    (a, b) => loadedOrder.get(a.key)! - loadedOrder.get(b.key)!,
  );
  const mismatchedSet = new Set(mismatchedKeys.map((m) => m.key));

  const matchingEncoderKeys = specs.filter(
    (s) => s.name.startsWith(PREFIX_DOT) && loadedSet.has(toCheckpointKey(s.name)),
  ).length;
  if (matchingEncoderKeys === 0) {
    const examples = loadedKeys.slice(0, 5).join(', ');
    throw new IncompatibleCheckpointError(
      `${options.source}: none of the checkpoint's ${loadedKeys.length} tensors is a VideoMAE encoder weight ` +
        `(first keys: ${examples || 'none'}). Is it a Hugging Face VideoMAE checkpoint?`,
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

  const checkpointClassifier = stateDict.get('classifier.weight');
  const headFresh = CLASSIFIER_KEYS.some((k) => newlyInitialized.includes(k));
  const classifierReinitialized: LoadReport['classifierReinitialized'] = headFresh
    ? {
        reason: checkpointClassifier ? 'num_labels' : 'missing',
        checkpointLabels: checkpointClassifier ? (checkpointClassifier.shape[0] ?? null) : null,
        modelLabels: config.num_labels,
      }
    : null;

  const model = VideoMAEForVideoClassification.fromWeights(config, weights);
  const report: LoadReport = {
    source: options.source,
    checkpointArchitecture: options.checkpointArchitecture ?? null,
    missingKeys,
    unexpectedKeys,
    mismatchedKeys,
    newlyInitialized,
    classifierReinitialized,
    loadedParameterTensors: specs.length - newlyInitialized.length,
    parameterCount: model.parameterCount(),
    loadedParameterCount,
    storedDtypes,
    messages: [],
  };
  report.messages = describeLoad(report);
  return { model, report };
}

/** The sentences transformers logs after from_pretrained, plus what we did about the head. */
export function describeLoad(report: LoadReport, modelClass = 'VideoMAEForVideoClassification'): string[] {
  const messages: string[] = [];
  const where = report.source;
  if (report.unexpectedKeys.length > 0) {
    const fromPretraining =
      modelClass === 'VideoMAEForVideoClassification' &&
      report.checkpointArchitecture &&
      report.checkpointArchitecture !== 'VideoMAEForVideoClassification';
    messages.push(
      `Some weights of the model checkpoint at ${where} were not used when initializing ` +
        `${modelClass}: ${report.unexpectedKeys.join(', ')}` +
        (fromPretraining
          ? ` (expected: the checkpoint is a ${report.checkpointArchitecture}, whose decoder/pretraining parts a classifier does not have).`
          : '.'),
    );
  }
  if (report.missingKeys.length > 0) {
    messages.push(
      `Some weights of ${modelClass} were not initialized from the model checkpoint at ${where} ` +
        `and are newly initialized: ${report.missingKeys.join(', ')}. Train the model on a downstream task before ` +
        `using it for predictions.`,
    );
  }
  if (report.mismatchedKeys.length > 0) {
    messages.push(
      `Some weights of ${modelClass} were not initialized from the model checkpoint at ${where} ` +
        `and are newly initialized because the shapes did not match: ${report.mismatchedKeys
          .map(
            (m) =>
              `${m.key}: found shape ${formatShape(m.checkpointShape)} in the checkpoint and ${formatShape(m.modelShape)} in the model`,
          )
          .join('; ')}.`,
    );
  }
  const head = report.classifierReinitialized;
  if (head?.reason === 'num_labels') {
    messages.push(
      `New classification head: the checkpoint's classifier has ${head.checkpointLabels} labels, this model ` +
        `${head.modelLabels}; it was initialised fresh (normal, std initializer_range; bias 0).`,
    );
  } else if (head?.reason === 'missing') {
    messages.push(
      `New classification head for ${head.modelLabels} labels: the checkpoint has none (initialised fresh).`,
    );
  }
  if (messages.length === 0) messages.push(`All weights were loaded from ${where}.`);
  return messages;
}
