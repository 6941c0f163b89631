/**
 * Learning-rate schedules with Hugging Face `transformers.optimization` semantics: each returns the factor
 * that multiplies the base learning rate at optimizer step `step` (0-based, as LambdaLR sees it: the factor
 * for step 0 is used by the first update).
 */

export type ScheduleKind = 'linear' | 'cosine' | 'constant';

export interface ScheduleSpec {
  kind: ScheduleKind;
  totalSteps: number;
  warmupSteps: number;
  /**
   * Cosine only: the factor the decay ends at instead of 0 (VideoMAE's `cosine_scheduler` decays to
   * min_lr: factor = min_lr / lr). Absent or 0 is HF's schedule.
   */
  minFactor?: number;
}

/** `get_linear_schedule_with_warmup`: 0 -> 1 over warmup, then linearly down to 0 at totalSteps. */
export function linearWithWarmup(step: number, warmupSteps: number, totalSteps: number): number {
  if (step < warmupSteps) return step / Math.max(1, warmupSteps);
  return Math.max(0, (totalSteps - step) / Math.max(1, totalSteps - warmupSteps));
}

/** `get_cosine_schedule_with_warmup` with num_cycles = 0.5: half a cosine from 1 to 0 after warmup. */
export function cosineWithWarmup(
  step: number,
  warmupSteps: number,
  totalSteps: number,
  numCycles = 0.5,
): number {
  if (step < warmupSteps) return step / Math.max(1, warmupSteps);
  const progress = (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps);
  return Math.max(0, 0.5 * (1 + Math.cos(Math.PI * numCycles * 2 * progress)));
}

/** `get_constant_schedule_with_warmup` (plain constant when warmupSteps is 0). */
export function constantWithWarmup(step: number, warmupSteps: number): number {
  if (step < warmupSteps) return step / Math.max(1, warmupSteps);
  return 1;
}

export function lrFactor(spec: ScheduleSpec, step: number): number {
  switch (spec.kind) {
    case 'linear':
      return linearWithWarmup(step, spec.warmupSteps, spec.totalSteps);
    case 'cosine': {
      const min = spec.minFactor ?? 0;
      if (min === 0 || step < spec.warmupSteps)
        return cosineWithWarmup(step, spec.warmupSteps, spec.totalSteps);
      return min + (1 - min) * cosineWithWarmup(step, spec.warmupSteps, spec.totalSteps);
    }
    case 'constant':
      return constantWithWarmup(step, spec.warmupSteps);
  }
}

/** HF's `warmup_ratio`: warmup steps = ceil(ratio * total). */
export function warmupStepsFromRatio(ratio: number, totalSteps: number): number {
  return Math.ceil(ratio * totalSteps);
}
