import { describe, expect, it } from 'vitest';
import type { EvalPoint, StepPoint } from '../../worker/training-protocol.ts';
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
    expect(summary.bestVal).toEqual({ top1: 0.9, epoch: 2 });
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
      testTop1: null,
      testTop5: null,
      seconds: null,
      clipsPerSecond: null,
      status: null,
    });
  });
});
