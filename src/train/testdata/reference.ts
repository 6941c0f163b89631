/**
 * Types for the PyTorch reference files made by make_train_reference.py (tests only). The tests read the
 * files themselves with node:fs; this module stays free of Node imports so it type-checks with the app.
 */
import type { OptimizerKind } from '../optimizers.ts';
import type { ScheduleKind } from '../schedules.ts';

type Named = Record<string, number[]>;

export interface ReferenceStep {
  micro_grads: Named[];
  accumulated: Named;
  lr: number;
  total_norm?: number;
  clipped?: Named;
  group_lr: Record<string, number>;
  params_after: Named;
}

export interface ReferenceScenario {
  name: string;
  kind: OptimizerKind;
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weight_decay: number;
  layer_decay: number;
  no_weight_decay: string[];
  schedule: { kind: ScheduleKind; warmup_steps: number; total_steps: number };
  accumulation: number;
  reduction: 'mean' | 'sum';
  clip_norm: number | null;
  groups: Record<string, { layer_id: number; lr_scale: number; weight_decay: number }>;
  steps_record: ReferenceStep[];
  final_state: Record<string, { step: number; exp_avg: number[]; exp_avg_sq: number[] }>;
}

export interface ClipCase {
  max_norm: number;
  shapes: number[][];
  grads: number[][];
  total_norm: number;
  clipped: number[][];
}

export interface OptimizerReference {
  torch_version: string;
  num_layers: number;
  params: Record<string, { shape: number[]; values: number[] }>;
  scenarios: ReferenceScenario[];
  clip_cases: ClipCase[];
}

export interface LossCase {
  name: string;
  target_kind: 'int' | 'soft';
  target: number[] | number[][];
  loss: number;
  grad_logits: number[];
  smoothing?: number;
  lam?: number | number[];
}

export interface LossReference {
  logits_shape: [number, number];
  logits: number[];
  labels: number[];
  num_classes: number;
  cases: LossCase[];
}

/** Largest |a - b| / max(|b|, floor): relative error with a floor for values that are near zero. */
export function maxRelativeError(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  floor = 1e-3,
): number {
  if (actual.length !== expected.length) return Number.POSITIVE_INFINITY;
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const error = Math.abs(actual[i]! - expected[i]!) / Math.max(Math.abs(expected[i]!), floor);
    worst = Math.max(worst, Number.isNaN(error) ? Number.POSITIVE_INFINITY : error);
  }
  return worst;
}

/**
 * Largest |a - b| relative to the larger of |b| and a tenth of max|b| over the tensor. Float32 rounding is
 * relative to the magnitudes a kernel combines (torch fuses some ops, tfjs does not), so an element that
 * nearly cancels (m = 0.9 m + 0.1 g) differs by a few ulps of its operands, not of itself.
 */
export function maxScaledError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let scale = 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]!));
  return maxRelativeError(actual, expected, Math.max(0.1 * scale, Number.MIN_VALUE));
}
