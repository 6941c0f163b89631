/**
 * The weights both runs start from: a preset drawn from its initialisation seed, or a pretrained checkpoint
 * from the Hub or dropped files (classifier re-initialised for the dataset's labels), kept as plain arrays
 * so that each run builds its own variables from them; and what the page shows of them.
 */
import { cacheStorageHubCache } from './checkpoint/hub.ts';
import { configToJson } from './checkpoint/export.ts';
import type { LoadReport } from './checkpoint/apply.ts';
import {
  loadPretrainedFromFiles,
  loadPretrainedFromHub,
  type PretrainedOptions,
} from './checkpoint/pretrained.ts';
import { presetConfig, type PresetName, type VideoMAEConfig } from './videomae/config.ts';
import { VideoMAEForVideoClassification } from './videomae/model.ts';
import { initParameter, parameterSpecs } from './videomae/params.ts';
import { perClipCost, type PerClipCost } from './videomae/summary.ts';

/**
 * Which weights both runs start from. Weights that do not come from a checkpoint (all of a preset's, a new
 * classifier head) are drawn from `initSeed`, so runs A and B always start from the same weights; each
 * run's own seed drives its data order, augmentation, mixing and dropout.
 */
export type ModelChoice =
  | { kind: 'preset'; preset: PresetName; numFrames: number; imageSize: number; initSeed: number }
  | {
      kind: 'hub';
      repo: string;
      revision: string;
      hubUrl: string;
      useMeanPooling: 'checkpoint' | 'on' | 'off';
      initSeed: number;
    }
  | { kind: 'files'; files: File[]; useMeanPooling: 'checkpoint' | 'on' | 'off'; initSeed: number };

export interface ModelLoadProgress {
  phase: 'download' | 'read' | 'init';
  file?: string;
  loadedBytes: number;
  totalBytes: number | null;
  fromCache?: boolean;
}

/** Missing / unexpected / mismatched keys, reported the way Hugging Face's from_pretrained reports them. */
export interface KeyReport {
  missingKeys: string[];
  unexpectedKeys: string[];
  mismatchedKeys: { key: string; checkpointShape: number[]; modelShape: number[] }[];
  /** Plain sentences: "classifier re-initialised for 6 labels (checkpoint had 400)", ... */
  notes: string[];
}

export interface ModelSummary extends PerClipCost {
  /** The HF config.json the runs will use (labels from the dataset). */
  config: Record<string, unknown>;
  description: string;
  report: KeyReport | null;
}

/** The weights every run starts from. */
export interface StartingWeights {
  config: VideoMAEConfig;
  weights: Map<string, Float32Array>;
  report: LoadReport | null;
  description: string;
  /** What fresh weights are drawn from (a preset, a new head; runs that start from 'random'). */
  initSeed: number;
  /** A loaded VideoMAEForPreTraining checkpoint's decoder, which a pretraining continues with. */
  decoder: Map<string, Float32Array> | null;
}

export class StartingWeightsError extends Error {
  override name = 'StartingWeightsError';
}

/** Builds (a preset) or loads (a checkpoint) the starting weights, with `labels` as the classifier's. */
export async function loadStartingWeights(
  choice: ModelChoice,
  labels: string[],
  onProgress?: (progress: ModelLoadProgress) => void,
): Promise<StartingWeights> {
  if (choice.kind === 'preset') {
    if (labels.length < 1)
      throw new StartingWeightsError('Load a dataset first: a model built from a preset needs its classes');
    onProgress?.({ phase: 'init', loadedBytes: 0, totalBytes: null });
    const config = presetConfig(
      choice.preset,
      { num_frames: choice.numFrames, image_size: choice.imageSize },
      labels,
    );
    const weights = new Map<string, Float32Array>();
    for (const spec of parameterSpecs(config))
      weights.set(spec.name, initParameter(spec, config, choice.initSeed));
    return {
      config,
      weights,
      report: null,
      initSeed: choice.initSeed,
      decoder: null,
      description: `${choice.preset} preset, ${choice.numFrames} frames at ${choice.imageSize}x${choice.imageSize}, trained from scratch`,
    };
  }
  const useMeanPooling = choice.useMeanPooling === 'checkpoint' ? undefined : choice.useMeanPooling === 'on';
  const options: PretrainedOptions = {
    overrides: {
      // No dataset yet: keep the checkpoint's own labels (training re-prepares with the dataset's).
      labels: labels.length > 0 ? labels : undefined,
      use_mean_pooling: useMeanPooling,
    },
    seed: choice.initSeed,
    onProgress: (p) =>
      onProgress?.({
        phase: p.stage === 'read' ? (choice.kind === 'hub' ? 'download' : 'read') : 'init',
        file: p.file ?? undefined,
        loadedBytes: p.loadedBytes,
        totalBytes: p.totalBytes,
        fromCache: p.fromCache,
      }),
  };
  const loaded =
    choice.kind === 'hub'
      ? await loadPretrainedFromHub(
          {
            repo: choice.repo,
            revision: choice.revision,
            hubUrl: choice.hubUrl,
            cache: await cacheStorageHubCache(),
          },
          options,
        )
      : await loadPretrainedFromFiles(choice.files, options);
  try {
    const values = await loaded.model.getWeights();
    const weights = new Map<string, Float32Array>();
    for (const [name, value] of values) weights.set(name, value.data);
    return {
      config: loaded.config,
      weights,
      report: loaded.report,
      initSeed: choice.initSeed,
      decoder: loaded.decoder,
      description:
        choice.kind === 'hub'
          ? `${choice.repo}@${choice.revision} (${loaded.format}, ${loaded.weightFiles.join(', ')})`
          : `dropped files (${loaded.weightFiles.join(', ')})`,
    };
  } finally {
    loaded.model.dispose();
  }
}

/** The same model freshly initialised (every parameter drawn from the starting weights' initSeed). */
export function buildRandomModel(start: StartingWeights): VideoMAEForVideoClassification {
  const weights = new Map<string, Float32Array>();
  for (const spec of parameterSpecs(start.config))
    weights.set(spec.name, initParameter(spec, start.config, start.initSeed));
  return VideoMAEForVideoClassification.fromWeights(start.config, weights);
}

/** A run's own variables, built from the starting weights. */
export function buildStartingModel(start: StartingWeights): VideoMAEForVideoClassification {
  return VideoMAEForVideoClassification.fromWeights(start.config, start.weights);
}

/** What the page shows of the starting weights: its config, size and cost (per clip), and the key report. */
export function summarizeStartingWeights(start: StartingWeights): ModelSummary {
  return {
    ...perClipCost(start.config),
    config: JSON.parse(configToJson(start.config)) as Record<string, unknown>,
    description: start.description,
    report: start.report
      ? {
          missingKeys: start.report.missingKeys,
          unexpectedKeys: start.report.unexpectedKeys,
          mismatchedKeys: start.report.mismatchedKeys.map((m) => ({
            key: m.key,
            checkpointShape: m.checkpointShape,
            modelShape: m.modelShape,
          })),
          notes: start.report.messages,
        }
      : null,
  };
}
