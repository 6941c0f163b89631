import { describe, expect, it } from 'vitest';
import { Rng } from '../util/rng.ts';
import { boxVolume, CutMixConfigError, type ClipDims } from './cutmix-boxes.ts';
import { dominantIndex, planMix, type MixConfig } from './mix-plan.ts';

const DIMS: ClipDims = { frames: 8, height: 32, width: 32 };

const CUTMIX_ONLY: MixConfig = {
  mixupAlpha: 0,
  cutmixAlpha: 1,
  prob: 1,
  switchProb: 0.5,
  mode: 'batch',
  cutmixMode: 'spatial',
  snapToGrid: false,
  grid: { patchSize: 8, tubeletSize: 2 },
  correctLam: true,
};

// VideoMAE's fine-tuning recipe: Mixup 0.8 and CutMix 1.0, switching half the time.
const VIDEOMAE: MixConfig = { ...CUTMIX_ONLY, mixupAlpha: 0.8, cutmixAlpha: 1 };

describe('mix plans (timm Mixup semantics)', () => {
  it("pairs clip i with B - 1 - i; 'batch' mode shares one lambda and box", () => {
    const plan = planMix(new Rng('pairs'), CUTMIX_ONLY, 6, DIMS);
    expect(plan.samples.map((s) => s.pairedIndex)).toEqual([5, 4, 3, 2, 1, 0]);
    const [first, ...rest] = plan.samples;
    expect(first!.kind).toBe('cutmix');
    for (const sample of rest) {
      expect(sample.lam).toBe(first!.lam);
      expect(sample.box).toEqual(first!.box);
    }
    expect(first!.lam).toBe(1 - boxVolume(first!.box!) / (8 * 32 * 32));
  });

  it('leaves the middle clip of an odd batch unmixed, paired with itself', () => {
    for (const mode of ['batch', 'elem'] as const) {
      const plan = planMix(new Rng('odd'), { ...CUTMIX_ONLY, mode }, 5, DIMS);
      expect(plan.samples.map((s) => s.pairedIndex)).toEqual([4, 3, 2, 1, 0]);
      expect(plan.samples[2]).toMatchObject({ index: 2, pairedIndex: 2, kind: 'none', lam: 1, box: null });
      expect(plan.samples[2]!.selfPaired).toBe(true);
      expect(plan.samples.filter((s) => s.selfPaired)).toHaveLength(1);
      expect(plan.samples[0]!.kind).toBe('cutmix');
    }
    expect(planMix(new Rng(1), CUTMIX_ONLY, 1, DIMS).samples[0]).toMatchObject({
      kind: 'none',
      selfPaired: true,
    });
  });

  it("'elem' mode draws a lambda and box per clip", () => {
    const plan = planMix(new Rng('elem'), { ...CUTMIX_ONLY, mode: 'elem' }, 8, DIMS);
    expect(new Set(plan.samples.map((s) => s.lam)).size).toBeGreaterThan(4);
  });

  it('applies with probability prob, and switches to CutMix with probability switchProb', () => {
    const rng = new Rng('switch');
    const counts = { none: 0, mixup: 0, cutmix: 0 };
    const batches = 4000;
    for (let i = 0; i < batches; i++) {
      counts[planMix(rng, { ...VIDEOMAE, prob: 0.8, switchProb: 0.3 }, 2, DIMS).samples[0]!.kind] += 1;
    }
    // Binomial tolerances of about 4 standard deviations.
    expect(Math.abs(counts.none / batches - 0.2)).toBeLessThan(0.026);
    expect(Math.abs(counts.cutmix / batches - 0.8 * 0.3)).toBeLessThan(0.028);
    expect(Math.abs(counts.mixup / batches - 0.8 * 0.7)).toBeLessThan(0.032);
  });

  it('draws Mixup lambdas from Beta(alpha, alpha)', () => {
    const rng = new Rng('mixup');
    const alpha = 0.8;
    const lams = Array.from({ length: 20_000 }, () => planMix(rng, { ...VIDEOMAE, switchProb: 0 }, 2, DIMS))
      .map((plan) => plan.samples[0]!)
      .map((sample) => {
        expect(sample.kind).toBe('mixup');
        return sample.lam;
      });
    const mean = lams.reduce((a, b) => a + b, 0) / lams.length;
    const variance = lams.reduce((a, b) => a + (b - mean) ** 2, 0) / lams.length;
    const expectedVariance = 1 / (4 * (2 * alpha + 1));
    expect(Math.abs(mean - 0.5)).toBeLessThan(4 * Math.sqrt(expectedVariance / lams.length));
    expect(Math.abs(variance - expectedVariance)).toBeLessThan(0.004);
  });

  it('draws nothing when both alphas are 0, and nothing mixes at prob 0', () => {
    const rng = new Rng('off');
    const before = rng.getState();
    const plan = planMix(rng, { ...CUTMIX_ONLY, cutmixAlpha: 0 }, 4, DIMS);
    expect(rng.getState()).toEqual(before);
    expect(plan.samples.every((s) => s.kind === 'none' && s.lam === 1)).toBe(true);
    const never = planMix(new Rng(2), { ...VIDEOMAE, prob: 0 }, 4, DIMS);
    expect(never.samples.every((s) => s.kind === 'none')).toBe(true);
  });

  it('without lambda correction keeps the drawn lambda, not the box share', () => {
    const rng = new Rng('raw');
    let differs = 0;
    for (let i = 0; i < 50; i++) {
      const sample = planMix(rng, { ...CUTMIX_ONLY, correctLam: false }, 2, DIMS).samples[0]!;
      if (sample.kind === 'cutmix' && sample.lam !== 1 - boxVolume(sample.box!) / (8 * 32 * 32)) differs += 1;
    }
    expect(differs).toBeGreaterThan(40);
  });

  it('uses the mode and grid it is given', () => {
    const rng = new Rng('modes');
    for (let i = 0; i < 50; i++) {
      const temporal = planMix(rng, { ...CUTMIX_ONLY, cutmixMode: 'temporal' }, 2, DIMS).samples[0]!;
      expect(temporal.box).toMatchObject({ y0: 0, y1: 32, x0: 0, x1: 32 });
      const snapped = planMix(rng, { ...CUTMIX_ONLY, cutmixMode: 'cube', snapToGrid: true }, 2, DIMS)
        .samples[0]!;
      const { t0, t1, y0, y1, x0, x1 } = snapped.box!;
      expect([y0, y1, x0, x1].every((edge) => edge % 8 === 0)).toBe(true);
      expect([t0, t1].every((edge) => edge % 2 === 0)).toBe(true);
    }
  });

  it('is deterministic per seed', () => {
    const run = (seed: number) =>
      Array.from({ length: 10 }, (_, i) =>
        planMix(new Rng(seed).fork(`batch-${i}`), { ...VIDEOMAE, mode: 'elem' }, 4, DIMS),
      );
    expect(run(7)).toEqual(run(7));
    expect(run(7)).not.toEqual(run(8));
  });

  it('picks the dominant label by lambda', () => {
    const sample = { index: 0, pairedIndex: 3, kind: 'cutmix' as const, box: null, selfPaired: false };
    expect(dominantIndex({ ...sample, lam: 0.7 })).toBe(0);
    expect(dominantIndex({ ...sample, lam: 0.5 })).toBe(0);
    expect(dominantIndex({ ...sample, lam: 0.2 })).toBe(3);
  });

  it('refuses invalid settings with a named error', () => {
    const rng = new Rng(0);
    expect(() => planMix(rng, { ...VIDEOMAE, prob: 1.5 }, 2, DIMS)).toThrow(/prob must be in \[0, 1\]/);
    expect(() => planMix(rng, { ...VIDEOMAE, cutmixAlpha: -1 }, 2, DIMS)).toThrow(CutMixConfigError);
    expect(() => planMix(rng, VIDEOMAE, 0, DIMS)).toThrow(/batch size/);
  });
});
