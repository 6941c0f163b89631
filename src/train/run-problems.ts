/**
 * What makes a run's numbers incomplete, in sentences for the person reading them. A figure over part of a
 * split, or a run that trained without some of its clips, must say so wherever it is shown; a run with any
 * of these ends as "finished with problems".
 */
import type { EvalPoint } from './types.ts';

export interface RunCoverage {
  evals: readonly EvalPoint[];
  /** Training clips that could not be read, and steps that passed without an update for it. */
  lostClips: number;
  emptySteps: number;
}

const SPLIT_NAMES = { val: 'validation', test: 'test' } as const;

/** Clips of the split the evaluation did not cover (0 for points made before the split size was kept). */
export function missedClips(point: EvalPoint): number {
  return Math.max(0, (point.splitClips ?? point.clips) - point.clips);
}

export function runProblems(run: RunCoverage): string[] {
  const problems: string[] = [];
  for (const split of ['val', 'test'] as const) {
    const points = run.evals.filter((p) => p.split === split);
    const partial = points.filter((p) => missedClips(p) > 0);
    if (partial.length === 0) continue;
    const worst = partial.reduce((a, b) => (b.clips < a.clips ? b : a));
    const name = SPLIT_NAMES[split];
    const what =
      points.length === 1
        ? `the ${name} evaluation covered ${worst.clips} of ${worst.splitClips} clips`
        : `${partial.length} of ${points.length} ${name} evaluations missed clips (the worst covered ` +
          `${worst.clips} of ${worst.splitClips}, at step ${worst.step})`;
    problems.push(what);
  }
  if (run.lostClips > 0) {
    const empty =
      run.emptySteps > 0
        ? `; ${run.emptySteps} step${run.emptySteps === 1 ? '' : 's'} passed without an update`
        : '';
    problems.push(
      `${run.lostClips} training clip${run.lostClips === 1 ? '' : 's'} could not be read when asked for${empty}`,
    );
  }
  return problems;
}
