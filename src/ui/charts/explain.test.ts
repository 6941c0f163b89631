import { describe, expect, it } from 'vitest';
import { presetById } from '../../train/presets.ts';
import { withCutMixToggled } from '../../train/run-config.ts';
import { explainComparison } from './explain.ts';

const a = presetById('write-up').config;

describe('explainComparison', () => {
  it('explains CutMix and the dominant-label accuracy when only CutMix differs', () => {
    const lines = explainComparison(a, withCutMixToggled(a));
    expect(lines.join(' ')).toMatch(/B trains with CutMix/);
    expect(lines.join(' ')).toMatch(/dominant label/);
    expect(lines.join(' ')).not.toMatch(/also differ/);
  });

  it('warns that other differences confound the comparison', () => {
    const lines = explainComparison(a, { ...withCutMixToggled(a), lr: 1e-3, seed: 1 });
    expect(lines[lines.length - 1]).toBe(
      "The runs also differ in learning rate, seed, so a gap between the curves is not CutMix's alone.",
    );
  });

  it('says identical runs should give identical curves', () => {
    expect(explainComparison(a, a)).toHaveLength(1);
  });
});
