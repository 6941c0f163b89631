import { describe, expect, it } from 'vitest';
import { cosineWithWarmup, linearWithWarmup, lrFactor, warmupStepsFromRatio } from './schedules.ts';

describe('learning-rate schedules (HF transformers semantics)', () => {
  it('linear: ramps up over warmup, then decays to exactly 0 at the last step', () => {
    // Values LambdaLR gives for get_linear_schedule_with_warmup(warmup=2, total=10).
    const expected = [0, 0.5, 1, 0.875, 0.75, 0.625, 0.5, 0.375, 0.25, 0.125, 0, 0];
    expected.forEach((value, step) => expect(linearWithWarmup(step, 2, 10)).toBeCloseTo(value, 12));
  });

  it('linear without warmup starts at the full rate (the write-up: Adam, lr 4e-4, linear)', () => {
    expect(linearWithWarmup(0, 0, 100)).toBe(1);
    expect(linearWithWarmup(50, 0, 100)).toBe(0.5);
    expect(linearWithWarmup(100, 0, 100)).toBe(0);
  });

  it('cosine: half a cosine after warmup', () => {
    expect(cosineWithWarmup(0, 4, 20)).toBe(0);
    expect(cosineWithWarmup(4, 4, 20)).toBeCloseTo(1, 12);
    expect(cosineWithWarmup(12, 4, 20)).toBeCloseTo(0.5, 12);
    expect(cosineWithWarmup(20, 4, 20)).toBeCloseTo(0, 12);
    const mid = cosineWithWarmup(8, 4, 20);
    expect(mid).toBeCloseTo(0.5 * (1 + Math.cos(Math.PI * 0.25)), 12);
  });

  it('cosine with a floor decays to minFactor, as VideoMAE cosine_scheduler decays to min_lr', () => {
    const spec = { kind: 'cosine' as const, totalSteps: 20, warmupSteps: 4, minFactor: 0.1 };
    expect(lrFactor(spec, 0)).toBe(0);
    expect(lrFactor(spec, 2)).toBeCloseTo(0.5, 12);
    expect(lrFactor(spec, 4)).toBeCloseTo(1, 12);
    expect(lrFactor(spec, 12)).toBeCloseTo(0.1 + 0.9 * 0.5, 12);
    expect(lrFactor(spec, 20)).toBeCloseTo(0.1, 12);
  });

  it('constant holds 1 after warmup', () => {
    expect(lrFactor({ kind: 'constant', warmupSteps: 3, totalSteps: 9 }, 1)).toBeCloseTo(1 / 3, 12);
    expect(lrFactor({ kind: 'constant', warmupSteps: 3, totalSteps: 9 }, 7)).toBe(1);
  });

  it('warmup ratio rounds up like TrainingArguments.get_warmup_steps', () => {
    expect(warmupStepsFromRatio(0.1, 150)).toBe(15);
    expect(warmupStepsFromRatio(0.1, 151)).toBe(16);
    expect(warmupStepsFromRatio(0, 151)).toBe(0);
  });
});
