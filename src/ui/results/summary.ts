/** The results table's figures for one run, from its curves and final state. */
import type { EvalPoint, RunState, RunStatus, StepPoint } from '../../worker/training-protocol.ts';

export interface RunSummary {
  bestVal: { top1: number; epoch: number } | null;
  finalVal: number | null;
  testTop1: number | null;
  testTop5: number | null;
  /** Training time, pauses excluded. */
  seconds: number | null;
  clipsPerSecond: number | null;
  status: RunStatus | null;
}

/** Mean training throughput over the run's steps; the first step (warm-up, shader compiles) is left out. */
function meanClipsPerSecond(steps: readonly StepPoint[]): number | null {
  const measured = steps.length > 1 ? steps.slice(1) : steps;
  const finite = measured.map((s) => s.clipsPerSecond).filter((v) => Number.isFinite(v) && v > 0);
  return finite.length > 0 ? finite.reduce((a, b) => a + b, 0) / finite.length : null;
}

export function summarizeRun(run: {
  state: RunState | null;
  steps: readonly StepPoint[];
  val: readonly EvalPoint[];
  test: EvalPoint | null;
}): RunSummary {
  let best: EvalPoint | null = null;
  for (const point of run.val)
    if (Number.isFinite(point.top1) && (!best || point.top1 > best.top1)) best = point;
  const lastStep = run.steps[run.steps.length - 1];
  const lastVal = run.val[run.val.length - 1];
  const elapsed = run.state?.elapsedMs ?? lastStep?.elapsedMs ?? null;
  return {
    bestVal: best ? { top1: best.top1, epoch: best.epoch } : null,
    finalVal: lastVal ? lastVal.top1 : null,
    testTop1: run.test?.top1 ?? null,
    testTop5: run.test?.top5 ?? null,
    seconds: elapsed === null ? null : elapsed / 1000,
    clipsPerSecond: meanClipsPerSecond(run.steps),
    status: run.state?.status ?? null,
  };
}
