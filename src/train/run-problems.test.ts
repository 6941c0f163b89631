import { describe, expect, it } from 'vitest';
import type { EvalPoint } from './types.ts';
import { missedClips, runProblems } from './run-problems.ts';

const point = (split: 'val' | 'test', step: number, clips: number, splitClips?: number): EvalPoint => ({
  runId: 'A',
  split,
  step,
  epoch: step,
  loss: 1,
  top1: 0.5,
  top5: 1,
  confusion: [],
  clips,
  ...(splitClips === undefined ? {} : { splitClips }),
  elapsedMs: 0,
});

describe('runProblems', () => {
  it('has nothing to say about a run whose evaluations covered their splits and lost no clip', () => {
    expect(
      runProblems({
        evals: [point('val', 1, 40, 40), point('test', 2, 24, 24)],
        lostClips: 0,
        emptySteps: 0,
      }),
    ).toEqual([]);
  });

  it('names evaluations that missed clips, the worst of them, and lost training clips', () => {
    const problems = runProblems({
      evals: [
        point('val', 10, 0, 40),
        point('val', 20, 38, 40),
        point('val', 30, 40, 40),
        point('test', 30, 1, 24),
      ],
      lostClips: 85,
      emptySteps: 4,
    });
    expect(problems).toEqual([
      '2 of 3 validation evaluations missed clips (the worst covered 0 of 40, at step 10)',
      'the test evaluation covered 1 of 24 clips',
      '85 training clips could not be read when asked for; 4 steps passed without an update',
    ]);
  });

  it('treats points from before split sizes were kept as complete', () => {
    expect(missedClips(point('val', 1, 8))).toBe(0);
    expect(missedClips(point('val', 1, 7, 8))).toBe(1);
  });
});
