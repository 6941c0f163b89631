/**
 * From checkpoint files (wherever they came from) to a model and its load report: config.json plus the
 * caller's overrides gives the config, the weight files give the state dict, applyStateDict does the rest.
 */
import { toLegacyAttentionBiasKeys } from './attention-bias-keys.ts';
import { labelMaps, parseConfig, validateConfig, type VideoMAEConfig } from '../videomae/config.ts';
import type { VideoMAEForVideoClassification } from '../videomae/model.ts';
import { applyStateDict, type LoadReport } from './apply.ts';
import { CheckpointFormatError, MissingCheckpointFileError } from './errors.ts';
import { readPytorchBin } from './pytorch-bin.ts';
import { mergeShards, parseShardIndex, readSafetensors, shardFiles } from './safetensors.ts';
import type { StateDict } from './state-dict.ts';

export type WeightFormat = 'safetensors' | 'safetensors-sharded' | 'pytorch-bin' | 'pytorch-bin-sharded';

/** Weight files in the order a loader prefers them (Hugging Face's own preference). */
export const WEIGHT_FILES = {
  safetensors: 'model.safetensors',
  safetensorsIndex: 'model.safetensors.index.json',
  bin: 'pytorch_model.bin',
  binIndex: 'pytorch_model.bin.index.json',
} as const;

/** A checkpoint read into memory, not yet a model. */
export interface Checkpoint {
  /** config.json as parsed JSON. */
  configJson: Record<string, unknown>;
  stateDict: StateDict;
  format: WeightFormat;
  /** The weight files that were read. */
  weightFiles: string[];
  /** e.g. `MCG-NJU/videomae-base@main` or `config.json + model.safetensors`. */
  source: string;
}

/** Settings the app imposes on a checkpoint's config (everything else comes from config.json). */
export interface ConfigOverrides {
  /** Class names of the dataset; their count becomes num_labels. */
  labels?: readonly string[];
  use_mean_pooling?: boolean;
  hidden_dropout_prob?: number;
  attention_probs_dropout_prob?: number;
  drop_path_rate?: number;
}

export interface LoadOptions {
  overrides?: ConfigOverrides;
  /** Seed of whatever is initialised fresh (a new head, fc_norm). */
  seed?: number | string;
  ignoreMismatchedSizes?: boolean;
}

export function parseConfigJson(text: string, file = 'config.json'): Record<string, unknown> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new CheckpointFormatError(file, `is not valid JSON (${(error as Error).message})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new CheckpointFormatError(file, 'is not a JSON object');
  const modelType = (json as Record<string, unknown>).model_type;
  if (modelType !== undefined && modelType !== 'videomae')
    throw new CheckpointFormatError(file, `describes a "${String(modelType)}" model, not VideoMAE`);
  return json as Record<string, unknown>;
}

/** `from_pretrained(dir, **overrides)`: config.json with the caller's settings on top. */
export function resolveConfig(
  configJson: Record<string, unknown>,
  overrides: ConfigOverrides = {},
): VideoMAEConfig {
  const config = parseConfig(configJson);
  const { labels, ...rest } = overrides;
  for (const [key, value] of Object.entries(rest))
    if (value !== undefined) Object.assign(config, { [key]: value });
  if (labels) Object.assign(config, labelMaps(labels));
  config.architectures = ['VideoMAEForVideoClassification'];
  validateConfig(config);
  return config;
}

export function loadCheckpoint(
  checkpoint: Checkpoint,
  options: LoadOptions = {},
): { model: VideoMAEForVideoClassification; config: VideoMAEConfig; report: LoadReport } {
  const architectures = checkpoint.configJson.architectures;
  const config = resolveConfig(checkpoint.configJson, options.overrides);
  const { model, report } = applyStateDict(config, checkpoint.stateDict, {
    source: checkpoint.source,
    checkpointArchitecture: Array.isArray(architectures) ? String(architectures[0]) : null,
    seed: options.seed,
    ignoreMismatchedSizes: options.ignoreMismatchedSizes,
  });
  return { model, config, report };
}

/** A way to get a checkpoint file's bytes by name (from the Hub, from dropped files, from disk). */
export type FileSource = (name: string) => Promise<Uint8Array | null>;

/**
 * Reads the weights through `source`, preferring model.safetensors, then its sharded index, then
 * pytorch_model.bin and its index. `source` returns null for a file that does not exist.
 */
export async function readWeights(
  source: FileSource,
  describe: string,
): Promise<{ stateDict: StateDict; format: WeightFormat; weightFiles: string[] }> {
  const weights = await readWeightFiles(source, describe);
  return { ...weights, stateDict: toLegacyAttentionBiasKeys(weights.stateDict) };
}

async function readWeightFiles(
  source: FileSource,
  describe: string,
): Promise<{ stateDict: StateDict; format: WeightFormat; weightFiles: string[] }> {
  const single = await source(WEIGHT_FILES.safetensors);
  if (single) {
    return {
      stateDict: readSafetensors(single, WEIGHT_FILES.safetensors).tensors,
      format: 'safetensors',
      weightFiles: [WEIGHT_FILES.safetensors],
    };
  }
  const stIndex = await source(WEIGHT_FILES.safetensorsIndex);
  if (stIndex) {
    const { stateDict, files } = await readSharded(
      stIndex,
      WEIGHT_FILES.safetensorsIndex,
      source,
      (bytes, name) => readSafetensors(bytes, name).tensors,
    );
    return {
      stateDict,
      format: 'safetensors-sharded',
      weightFiles: [WEIGHT_FILES.safetensorsIndex, ...files],
    };
  }
  const bin = await source(WEIGHT_FILES.bin);
  if (bin)
    return {
      stateDict: readPytorchBin(bin, WEIGHT_FILES.bin),
      format: 'pytorch-bin',
      weightFiles: [WEIGHT_FILES.bin],
    };
  const binIndex = await source(WEIGHT_FILES.binIndex);
  if (binIndex) {
    const { stateDict, files } = await readSharded(binIndex, WEIGHT_FILES.binIndex, source, readPytorchBin);
    return { stateDict, format: 'pytorch-bin-sharded', weightFiles: [WEIGHT_FILES.binIndex, ...files] };
  }
  throw new MissingCheckpointFileError(
    `${describe}: no weights found (looked for ${Object.values(WEIGHT_FILES).join(', ')})`,
  );
}

async function readSharded(
  indexBytes: Uint8Array,
  indexName: string,
  source: FileSource,
  read: (bytes: Uint8Array, name: string) => StateDict,
): Promise<{ stateDict: StateDict; files: string[] }> {
  const index = parseShardIndex(new TextDecoder().decode(indexBytes), indexName);
  const files = shardFiles(index);
  const shards = new Map<string, StateDict>();
  for (const file of files) {
    const bytes = await source(file);
    if (!bytes)
      throw new MissingCheckpointFileError(`${indexName} names the shard ${file}, which is missing`);
    shards.set(file, read(bytes, file));
  }
  return { stateDict: mergeShards(index, shards, indexName), files };
}
