import { describe, expect, it } from 'vitest';
import {
  presetById,
  withCutMixToggled,
  type RunConfig,
  type EvalPoint,
  type StepPoint,
} from '../../store/domain.ts';
import { explainRuns, lossJitter, lossSlopePerEpoch, mixingOf, type RunCurves } from './explain.ts';

const a = presetById('write-up').config;
const b = withCutMixToggled(a);

const curves = (config: RunConfig, steps: StepPoint[] = [], val: EvalPoint[] = []): RunCurves => ({
  config,
  steps,
  val,
});

/** 40 steps over 2 epochs: loss falling from 2 by `fall` per epoch, with a zigzag of `noise`. */
function steps(fall: number, noise: number, mix?: { clips: number; lam: number }): StepPoint[] {
  return Array.from({ length: 40 }, (_, i) => ({
    runId: 'A',
    step: i + 1,
    epoch: (i + 1) / 20,
    loss: 2 - fall * ((i + 1) / 20) + (i % 2 === 0 ? noise : -noise),
    accuracy: 0.5,
    accuracyTarget: 'label',
    lr: 1e-3,
    gradNorm: null,
    clipsPerSecond: 10,
    elapsedMs: i * 100,
    lostClips: 0,
    ...(mix ? { mixedClips: mix.clips, meanLam: mix.lam } : {}),
  }));
}

const val = (top1s: number[]): EvalPoint[] =>
  top1s.map((top1, i) => ({
    runId: 'A',
    split: 'val',
    step: (i + 1) * 20,
    epoch: i + 1,
    loss: 1,
    top1,
    top5: 1,
    confusion: [],
    clips: 36,
    splitClips: 36,
    elapsedMs: 0,
  }));

describe('explainRuns, before any number', () => {
  it('explains CutMix and the dominant-label accuracy when only CutMix differs', () => {
    const text = explainRuns(curves(a), curves(b))
      .findings.map((f) => f.text)
      .join(' ');
    expect(text).toMatch(/B trains with CutMix/);
    expect(text).toMatch(/dominant label/);
    expect(text).not.toMatch(/also differ/);
  });

  it('warns that other differences confound the comparison', () => {
    const { findings } = explainRuns(curves(a), curves({ ...b, lr: 1e-3, seed: 1 }));
    expect(findings.at(-1)!.text).toBe(
      "The runs also differ in learning rate, seed, so a gap between the curves is not CutMix's alone.",
    );
  });

  it('says identical runs should give identical curves', () => {
    expect(explainRuns(curves(a), curves(a)).findings).toHaveLength(1);
  });
});

describe('explainRuns, from the numbers', () => {
  const runA = curves(a, steps(0.8, 0.01), val([0.7, 0.9]));
  const runB = curves(b, steps(0.5, 0.08, { clips: 6, lam: 0.62 }), val([0.5, 0.675]));

  it('names the leader on validation and the gap it measured', () => {
    const leader = explainRuns(runA, runB).findings.find((f) => f.kind === 'leader')!;
    expect(leader.leader).toBe('A');
    expect(leader.gapPoints).toBeCloseTo(22.5, 6);
    expect(leader.text).toBe(
      'A leads on validation by 22.5 points: best 90.0% against 67.5% (latest 90.0% against 67.5%).',
    );
    const level = explainRuns(runA, { ...runB, val: val([0.9]) }).findings.find((f) => f.kind === 'leader')!;
    expect(level.leader).toBeNull();
  });

  it('measures whether the loss still falls, how noisy each curve is, and what was mixed', () => {
    // -0.5 per epoch under a zigzag that ends on a low step.
    expect(lossSlopePerEpoch(runB.steps)).toBeGreaterThan(-0.6);
    expect(lossSlopePerEpoch(runB.steps)).toBeLessThan(-0.45);
    // Step-to-step changes: B's zigzag of 0.16 against A's steady fall of 0.04 per step.
    expect(lossJitter(runB.steps)! / lossJitter(runA.steps)!).toBeCloseTo(3.1, 1);
    expect(mixingOf(runB)!.mixedShare).toBeCloseTo(0.75, 12);
    expect(mixingOf(runB)!.meanLam).toBeCloseTo(0.62, 12);
    const text = explainRuns(runA, runB, true).findings.map((f) => f.text);
    expect(text).toContain(
      "B's training loss is still falling (−0.57 per epoch over the last 30% of its steps): more epochs would likely help it.",
    );
    expect(text.find((t) => t.startsWith("B's training curve is 3.1x as noisy as A's"))).toBeDefined();
    expect(text).toContain(
      "75.0% of B's training clips were mixed, keeping on average 62.0% of their own content (mean λ 0.62).",
    );
    const flat = curves(a, steps(0, 0.01));
    expect(
      explainRuns(flat, flat).findings.find((f) => f.text.startsWith("B's training loss has levelled off (")),
    ).toBeDefined();
  });

  it('suggests changes to B that follow from the numbers', () => {
    const ids = (done: boolean, runs: [RunCurves, RunCurves]) =>
      explainRuns(runs[0], runs[1], done).suggestions.map((s) => s.id);
    expect(ids(true, [runA, runB])).toEqual([
      'more-epochs',
      'warmup',
      'lower-lr',
      'mix-half',
      'mode-temporal',
    ]);
    const more = explainRuns(runA, runB, true).suggestions[0]!;
    expect([more.key, more.value]).toEqual(['epochs', 4]);
    // Still training: no "more epochs" yet; a calm B with warmup and half the batches mixed gets fewer ideas.
    const calm = curves({ ...b, warmupRatio: 0.1, mixProb: 0.5 }, steps(0.5, 0.01), val([0.9]));
    expect(ids(false, [runA, calm])).toEqual(['mode-temporal']);
    // A finished B whose loss has levelled off is not told to train longer: the same rule as the sentence.
    const levelled = curves(b, steps(0, 0.08), val([0.6]));
    expect(ids(true, [runA, levelled])).not.toContain('more-epochs');
  });
});
