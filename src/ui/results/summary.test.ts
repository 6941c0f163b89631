import { describe, expect, it } from 'vitest';
import type { EvalPoint, StepPoint } from '../../store/domain.ts';
import { summarizeRun } from './summary.ts';

const step = (n: number, clipsPerSecond: number): StepPoint => ({
  runId: 'A',
  step: n,
  epoch: n / 4,
  loss: 1,
  accuracy: 0.5,
  accuracyTarget: 'label',
  lr: 1e-4,
  gradNorm: null,
  clipsPerSecond,
  elapsedMs: n * 1000,
});

const evaluation = (split: 'val' | 'test', n: number, top1: number, top5 = 1): EvalPoint => ({
  runId: 'A',
  split,
  step: n,
  epoch: n / 4,
  loss: 1,
  top1,
  top5,
  confusion: [],
  clips: 10,
  elapsedMs: n * 1000,
});

describe('summarizeRun', () => {
  it('finds the best and final validation accuracy and the test result', () => {
    const summary = summarizeRun({
      state: null,
      steps: [step(1, 1), step(2, 4), step(3, 6), step(4, 8)],
      val: [evaluation('val', 4, 0.5), evaluation('val', 8, 0.9), evaluation('val', 12, 0.8)],
      test: evaluation('test', 12, 0.85, 0.99),
    });
    expect(summary.bestVal).toEqual({ top1: 0.9, epoch: 2, coverage: null });
    expect(summary.finalVal).toBe(0.8);
    expect(summary.testTop1).toBe(0.85);
    expect(summary.testTop5).toBe(0.99);
    // The warm-up step is left out of the throughput.
    expect(summary.clipsPerSecond).toBe(6);
    expect(summary.seconds).toBe(4);
  });

  it('is empty for a run that has not started', () => {
    expect(summarizeRun({ state: null, steps: [], val: [], test: null })).toEqual({
      bestVal: null,
      finalVal: null,
      finalValCoverage: null,
      testTop1: null,
      testTop5: null,
      testCoverage: null,
      seconds: null,
      clipsPerSecond: null,
      status: null,
      problems: [],
    });
  });

  it('says which figures cover only part of their split, and shows none for an evaluation over no clip', () => {
    const partial = (split: 'val' | 'test', n: number, top1: number, clips: number, splitClips: number) => ({
      ...evaluation(split, n, top1),
      clips,
      splitClips,
    });
    const summary = summarizeRun({
      state: null,
      steps: [step(1, 1)],
      val: [partial('val', 4, Number.NaN, 0, 40), partial('val', 8, 0.6, 39, 40)],
      test: partial('test', 8, 1, 1, 24),
      problems: ['the test evaluation covered 1 of 24 clips'],
    });
    expect(summary.bestVal).toEqual({ top1: 0.6, epoch: 2, coverage: { clips: 39, splitClips: 40 } });
    expect(summary.finalValCoverage).toEqual({ clips: 39, splitClips: 40 });
    expect(summary.testCoverage).toEqual({ clips: 1, splitClips: 24 });
    expect(summary.problems).toEqual(['the test evaluation covered 1 of 24 clips']);
  });
});
