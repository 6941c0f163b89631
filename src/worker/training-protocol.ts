/**
 * The training half of the compute worker's protocol: the page picks a model and two run configs, the
 * engine trains them (interleaved A, B, A, B ... or one after the other) and streams events back in
 * batches. Everything here crosses the worker boundary, so it is plain structured-cloneable data.
 */
import type { PreprocessSettings } from '../data/clip-spec.ts';
import type { PresetName } from '../model/videomae/config.ts';
import type { RunConfig } from '../train/run-config.ts';

export type RunId = 'A' | 'B';
export const RUN_IDS: readonly RunId[] = ['A', 'B'];

export type RunStatus =
  | 'idle'
  /** Waiting for its turn (sequential schedule) or for the data pipeline. */
  | 'queued'
  | 'running'
  | 'paused'
  | 'stopped'
  | 'finished'
  | 'failed';

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

export interface ModelSummary {
  /** The HF config.json the runs will use (labels from the dataset). */
  config: Record<string, unknown>;
  description: string;
  parameters: number;
  forwardFlopsPerClip: number;
  /** Activation memory of one training step per clip, stock and fused attention. */
  activationBytesPerClip: { stock: number; fused: number };
  tokens: number;
  report: KeyReport | null;
}

export interface StartRunsRequest {
  runs: { id: RunId; config: RunConfig }[];
  schedule: 'interleaved' | 'sequential';
  /** The dataset's sampling and normalisation (frames and image size always come from the model). */
  preprocess: PreprocessSettings;
  /** Resume these runs from their last checkpoint instead of starting fresh. */
  resume?: RunId[];
}

export interface StepPoint {
  runId: RunId;
  /** Optimizer step, 1-based. */
  step: number;
  /** Fractional epoch at the end of this step. */
  epoch: number;
  loss: number;
  accuracy: number;
  /** Mixed batches are scored against each clip's dominant label. */
  accuracyTarget: 'label' | 'dominant-label';
  lr: number;
  gradNorm: number | null;
  clipsPerSecond: number;
  /** Milliseconds since the run started (paused time excluded). */
  elapsedMs: number;
  /** Clips of this step's batches that could not be read (the step trained on the others). */
  lostClips?: number;
  /** Clips this step mixed with another (CutMix / Mixup), and the mean share of their own content (lambda). */
  mixedClips?: number;
  meanLam?: number;
}

export interface EvalPoint {
  runId: RunId;
  split: 'val' | 'test';
  step: number;
  epoch: number;
  /** NaN when no clip could be evaluated: shown as "—", never as 0% or 100%. */
  loss: number;
  top1: number;
  top5: number;
  /** confusion[true][predicted] */
  confusion: number[][];
  /** Clips evaluated, and clips in the split: fewer evaluated means the figures cover part of the split. */
  clips: number;
  splitClips?: number;
  elapsedMs: number;
}

export interface Prediction {
  clipId: string;
  path: string;
  label: number;
  predicted: number;
  confidence: number;
}

export interface RunState {
  runId: RunId;
  status: RunStatus;
  step: number;
  totalSteps: number;
  epoch: number;
  elapsedMs: number;
  clipsPerSecond: number;
  /** Why it failed, paused by itself, or stopped; shown to the user as is. */
  message: string | null;
  lastCheckpoint: { step: number; epoch: number; savedAt: number } | null;
  /**
   * What makes the run's numbers incomplete, in plain sentences: evaluations that missed clips of their
   * split, training clips that could not be read. A finished run with problems is "finished with problems".
   */
  problems: string[];
}

export type EngineEvent =
  | { type: 'step'; point: StepPoint }
  | { type: 'eval'; point: EvalPoint }
  | { type: 'state'; state: RunState }
  | { type: 'predictions'; runId: RunId; items: Prediction[] }
  | { type: 'log'; level: 'info' | 'warning' | 'error'; message: string };

/** One frame as RGBA pixels, for drawing on a canvas. */
export interface PreviewFrame {
  width: number;
  height: number;
  rgba: Uint8ClampedArray;
}

/** A mixed training clip with what went into it, for the CutMix preview. */
export interface MixPreviewItem {
  kind: 'none' | 'cutmix' | 'mixup';
  lam: number;
  label: string;
  pairedLabel: string;
  /** Frames and pixels of the pasted box, in model input coordinates; null for Mixup / no mix. */
  box: { t0: number; t1: number; y0: number; y1: number; x0: number; x1: number } | null;
  frames: PreviewFrame[];
}

export interface SavedRunInfo {
  runId: RunId;
  config: RunConfig;
  step: number;
  epoch: number;
  savedAt: number;
  status: RunStatus;
}

export interface ExportedModelFiles {
  files: { name: string; bytes: Uint8Array }[];
}

export interface TrainingEngineApi {
  /** Connects the engine to the data worker (the page makes the MessageChannel). */
  connectData(port: MessagePort): Promise<void>;
  /** Loads or builds the weights both runs start from, with num_labels from the dataset. */
  prepareModel(
    choice: ModelChoice,
    labels: string[],
    onProgress?: (progress: ModelLoadProgress) => void,
  ): Promise<ModelSummary>;
  /** Trains; resolves when every run has ended (finished, stopped or failed). Events arrive in batches. */
  startRuns(request: StartRunsRequest, onEvents: (events: EngineEvent[]) => void): Promise<void>;
  pauseRun(runId: RunId): Promise<void>;
  resumeRun(runId: RunId): Promise<void>;
  stopRun(runId: RunId): Promise<void>;
  /** Runs with a checkpoint in OPFS (saved at each epoch and on pause). */
  savedRuns(): Promise<SavedRunInfo[]>;
  deleteSavedRuns(): Promise<void>;
  /** The run's current weights as HF config.json + model.safetensors. */
  exportRunWeights(runId: RunId): Promise<ExportedModelFiles>;
  /** One batch of training clips mixed the way this config would mix them. */
  previewMix(config: RunConfig, preprocess: PreprocessSettings, count: number): Promise<MixPreviewItem[]>;
  /**
   * Destroys the GPU device as a driver reset would (false when not on WebGPU): how the recovery path is
   * tested, and how a user can check it.
   */
  simulateDeviceLoss(): Promise<boolean>;
}
