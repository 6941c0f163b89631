/**
 * The run domain: which runs there are, where one stands, and the points it records (training steps and
 * evaluations) and predicts. Plain structured-cloneable data, so the worker protocol re-exports it as is and
 * the page, the trainer and the checkpoints share one definition.
 */
import type { RunConfig } from './run-config.ts';

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

export interface SavedRunInfo {
  runId: RunId;
  config: RunConfig;
  step: number;
  epoch: number;
  savedAt: number;
  status: RunStatus;
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
