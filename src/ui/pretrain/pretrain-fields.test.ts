import { describe, expect, it } from 'vitest';
import { defaultsOf } from '../../util/schema.ts';
import { PRETRAIN_CONFIG_KEYS, PRETRAIN_CONFIG_SCHEMA, type PretrainState } from '../../store/domain.ts';
import {
  effectiveLr,
  PRETRAIN_ADVANCED,
  PRETRAIN_GROUPS,
  recipeSummary,
  stageSummary,
} from './pretrain-fields.ts';

const defaults = defaultsOf(PRETRAIN_CONFIG_SCHEMA);

describe('pretraining settings as shown', () => {
  it('shows every setting exactly once', () => {
    const shown = [...PRETRAIN_GROUPS.flatMap((g) => g.keys), ...PRETRAIN_ADVANCED];
    expect([...shown].sort()).toEqual([...PRETRAIN_CONFIG_KEYS].sort());
  });

  it('scales the learning rate with the batch, as the paper does', () => {
    expect(effectiveLr(defaults)).toBeCloseTo((1.5e-4 * 8) / 256, 15);
    expect(effectiveLr({ baseLr: 1.5e-4, batchSize: 256 })).toBe(1.5e-4);
  });

  it('sums a slot up in one line, before and after it trains', () => {
    expect(recipeSummary(defaults)).toBe('tube 75%, 20 epochs, lr 4.69e-6, clean clips');
    expect(recipeSummary({ ...defaults, mix: 'cutmix', includeEvalSplits: true, maskRatio: 0.9 })).toBe(
      'tube 90%, 20 epochs, lr 4.69e-6, CutMix-mixed clips, with val/test',
    );
    expect(stageSummary('pretraining-2', null, Number.NaN, defaults)).toMatch(
      /^Pretraining 2: not started · /,
    );
    const state: PretrainState = {
      slot: 'pretraining-1',
      status: 'finished',
      config: defaults,
      step: 40,
      totalSteps: 40,
      epoch: 20,
      elapsedMs: 1,
      clipsPerSecond: 1,
      clips: 16,
      message: null,
      lastCheckpoint: null,
      problems: ['2 clips could not be read'],
    };
    expect(stageSummary('pretraining-1', state, 0.3125, defaults)).toMatch(
      /^Pretraining 1: finished with problems at step 40 \/ 40, loss 0\.3125 · tube 75%/,
    );
  });
});
