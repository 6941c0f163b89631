/**
 * The training half of the compute worker's protocol: the page picks a model and two run configs, the
 * engine trains them (interleaved A, B, A, B ... or one after the other) and streams events back in
 * batches. Everything here crosses the worker boundary, so it is plain structured-cloneable data.
 */
import type { PreprocessSettings } from '../data/clip-spec.ts';
import type { ModelChoice, ModelLoadProgress, ModelSummary } from '../model/starting-weights.ts';
import type { RunConfig } from '../train/run-config.ts';
import type { EngineEvent, MixPreviewItem, RunId, SavedRunInfo } from '../train/types.ts';
import type { PretrainConfig, PretrainSlot } from '../train/pretrain-config.ts';
import type { PretrainEvent, PretrainingInfo, ReconstructionView } from '../train/pretrain-types.ts';

export { RUN_IDS } from '../train/types.ts';
export type { KeyReport, ModelChoice, ModelLoadProgress, ModelSummary } from '../model/starting-weights.ts';
export type {
  EngineEvent,
  EvalPoint,
  MixPreviewItem,
  Prediction,
  PreviewFrame,
  RunId,
  RunState,
  RunStatus,
  SavedRunInfo,
  StepPoint,
} from '../train/types.ts';

export type {
  MaskingKind,
  PretrainConfig,
  PretrainConfigKey,
  PretrainSlot,
  StartFrom,
} from '../train/pretrain-config.ts';
export type {
  PretrainEvent,
  PretrainingInfo,
  PretrainPoint,
  PretrainState,
  ReconstructionView,
} from '../train/pretrain-types.ts';

export interface StartPretrainingRequest {
  slot: PretrainSlot;
  config: PretrainConfig;
  /** The dataset's sampling and normalisation (frames and image size always come from the model). */
  preprocess: PreprocessSettings;
  /** Continue from the slot's last checkpoint instead of starting fresh. */
  resume?: boolean;
  /** The clip the reconstruction view shows (default: the first training clip). */
  viewClipId?: string;
}

export interface StartRunsRequest {
  runs: { id: RunId; config: RunConfig }[];
  schedule: 'interleaved' | 'sequential';
  /** The dataset's sampling and normalisation (frames and image size always come from the model). */
  preprocess: PreprocessSettings;
  /** Resume these runs from their last checkpoint instead of starting fresh. */
  resume?: RunId[];
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

/** The pretraining half of the engine (VideoMAE's masked-cube reconstruction, issue 15). */
export interface PretrainingEngineApi {
  /**
   * Pretrains the prepared model's encoder (with a decoder: the checkpoint's own when it is a pretraining
   * checkpoint, else a new one sized for the encoder) by masked-cube reconstruction on the dataset's clips;
   * resolves when it ends. Events arrive in batches, a reconstruction view among them now and then. One
   * thing trains at a time: runs and pretraining refuse to start while the other is training.
   */
  startPretraining(
    request: StartPretrainingRequest,
    onEvents: (events: PretrainEvent[]) => void,
  ): Promise<void>;
  pausePretraining(slot: PretrainSlot): Promise<void>;
  resumePretraining(slot: PretrainSlot): Promise<void>;
  stopPretraining(slot: PretrainSlot): Promise<void>;
  /** The reconstruction view for a clip from the slot's current weights (a fresh mask, the slot's settings). */
  reconstruct(slot: PretrainSlot, clipId: string): Promise<ReconstructionView>;
  /** Pretrainings in this tab or in OPFS, for the runs' "start from" pickers. */
  pretrainings(): Promise<PretrainingInfo[]>;
  /**
   * The slot's weights as an HF folder: 'pretraining' = VideoMAEForPreTraining (config.json +
   * model.safetensors, decoder included), 'encoder' = the encoder alone, as VideoMAEForVideoClassification
   * loads it.
   */
  exportPretraining(slot: PretrainSlot, as: 'pretraining' | 'encoder'): Promise<ExportedModelFiles>;
}
