/**
 * The pretraining domain as the worker streams it to the page: where a pretraining stands, the points it
 * records, and the reconstruction view. Plain structured-cloneable data, like types.ts for the runs.
 */
import type { PretrainConfig, PretrainSlot } from './pretrain-config.ts';
import type { PreviewFrame, RunStatus } from './types.ts';

export interface PretrainPoint {
  slot: PretrainSlot;
  /** Optimizer step, 1-based. */
  step: number;
  /** Fractional epoch at the end of this step. */
  epoch: number;
  /** Mean squared error over the masked cubes (normalised per cube when normPixLoss is on). */
  loss: number;
  lr: number;
  gradNorm: number | null;
  clipsPerSecond: number;
  elapsedMs: number;
  /** Clips of this step's batch that could not be read (the step trained on the others). */
  lostClips?: number;
}

export interface PretrainState {
  slot: PretrainSlot;
  status: RunStatus;
  config: PretrainConfig;
  step: number;
  totalSteps: number;
  epoch: number;
  elapsedMs: number;
  clipsPerSecond: number;
  /** Clips pretrained on per epoch (train split, plus val and test when includeEvalSplits). */
  clips: number;
  /** Why it failed, paused by itself, or stopped; shown as is. */
  message: string | null;
  lastCheckpoint: { step: number; epoch: number; savedAt: number } | null;
  /** What makes its numbers incomplete (clips that could not be read), in plain sentences. */
  problems: string[];
}

/**
 * One clip as the pretraining sees it: the frames, the masked input (hidden cubes greyed out) and the
 * decoder's reconstruction (visible cubes copied from the input, masked cubes predicted, un-normalised
 * with each cube's own mean and std when normPixLoss is on, as VideoMAE's visualisation does).
 */
export interface ReconstructionView {
  slot: PretrainSlot;
  clipId: string;
  path: string;
  step: number;
  /** This clip's reconstruction loss at that step. */
  loss: number;
  maskRatio: number;
  original: PreviewFrame[];
  masked: PreviewFrame[];
  reconstruction: PreviewFrame[];
}

/** A pretraining that exists in this tab (or its OPFS checkpoint), as the run pickers list it. */
export interface PretrainingInfo {
  slot: PretrainSlot;
  config: PretrainConfig;
  status: RunStatus;
  step: number;
  epoch: number;
  /** Mean loss of the last epoch (NaN before one ends). */
  loss: number;
  savedAt: number | null;
}

export type PretrainEvent =
  | { type: 'pretrain-step'; point: PretrainPoint }
  | { type: 'pretrain-state'; state: PretrainState }
  | { type: 'pretrain-reconstruction'; view: ReconstructionView }
  | { type: 'log'; level: 'info' | 'warning' | 'error'; message: string };
