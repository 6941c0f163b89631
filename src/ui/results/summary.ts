/** The results table's figures for one run, from its curves and final state. */
import {
  missedClips,
  type EvalPoint,
  type RunState,
  type RunStatus,
  type StepPoint,
} from '../../store/domain.ts';

/** Clips an evaluation covered of its split, when it did not cover all of them. */
export interface Coverage {
  clips: number;
  splitClips: number;
}

export interface RunSummary {
  bestVal: { top1: number; epoch: number; coverage: Coverage | null } | null;
  finalVal: number | null;
  finalValCoverage: Coverage | null;
  testTop1: number | null;
  testTop5: number | null;
  testCoverage: Coverage | null;
  /** Training time, pauses excluded. */
  seconds: number | null;
  clipsPerSecond: number | null;
  status: RunStatus | null;
  problems: string[];
}

function coverageOf(point: EvalPoint | null | undefined): Coverage | null {
  if (!point || missedClips(point) === 0) return null;
  return { clips: point.clips, splitClips: point.splitClips ?? point.clips };
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
  /** An imported run's problems (a live run's are in its state). */
  problems?: readonly string[];
}): RunSummary {
  let best: EvalPoint | null = null;
  for (const point of run.val)
    if (Number.isFinite(point.top1) && (!best || point.top1 > best.top1)) best = point;
  const lastStep = run.steps[run.steps.length - 1];
  const lastVal = run.val[run.val.length - 1];
  const elapsed = run.state?.elapsedMs ?? lastStep?.elapsedMs ?? null;
  return {
    bestVal: best ? { top1: best.top1, epoch: best.epoch, coverage: coverageOf(best) } : null,
    finalVal: lastVal ? lastVal.top1 : null,
    finalValCoverage: coverageOf(lastVal),
    testTop1: run.test?.top1 ?? null,
    testTop5: run.test?.top5 ?? null,
    testCoverage: coverageOf(run.test),
    seconds: elapsed === null ? null : elapsed / 1000,
    clipsPerSecond: meanClipsPerSecond(run.steps),
    status: run.state?.status ?? null,
    problems: [...(run.state?.problems ?? run.problems ?? [])],
  };
}
