import { describe, expect, it } from 'vitest';
import { defaultsOf } from '../util/schema.ts';
import {
  applyOverrides,
  diffRunConfigs,
  mixConfigOf,
  optimizerOptionsOf,
  planTraining,
  RUN_CONFIG_KEYS,
  RUN_CONFIG_LABELS,
  RUN_CONFIG_SCHEMA,
  RunConfigError,
  validateRunConfig,
  withCutMixToggled,
} from './run-config.ts';

const DEFAULTS = defaultsOf(RUN_CONFIG_SCHEMA);

describe('run config', () => {
  it('has a label for every setting and valid defaults', () => {
    expect(Object.keys(RUN_CONFIG_LABELS).sort()).toEqual([...RUN_CONFIG_KEYS].sort());
    expect(validateRunConfig(DEFAULTS)).toEqual([]);
  });

  it('B from A differs in CutMix only, seed included', () => {
    const b = withCutMixToggled(DEFAULTS);
    expect(diffRunConfigs(DEFAULTS, b)).toEqual([{ key: 'cutmix', label: 'CutMix', a: false, b: true }]);
    expect(withCutMixToggled(b)).toEqual(DEFAULTS);
  });

  it('lists differences in schema order', () => {
    const b = { ...DEFAULTS, seed: 7, lr: 1e-3, optimizer: 'adamw' as const };
    expect(diffRunConfigs(DEFAULTS, b).map((d) => d.key)).toEqual(['optimizer', 'lr', 'seed']);
    expect(diffRunConfigs(b, b)).toEqual([]);
  });

  it('applies JSON overrides with the URL rules, naming bad keys and values', () => {
    const config = applyOverrides(DEFAULTS, { cutmix: true, cutmixMode: 'cube', lr: 1e-4 });
    expect(config).toMatchObject({ cutmix: true, cutmixMode: 'cube', lr: 1e-4 });
    expect(() => applyOverrides(DEFAULTS, { lerning_rate: 1 })).toThrow(/unknown setting "lerning_rate"/);
    expect(() => applyOverrides(DEFAULTS, { batchSize: 2.5 })).toThrow(/batchSize: 2.5 is out of range/);
    expect(() => applyOverrides(DEFAULTS, { cutmix: 'yes' })).toThrow(/cutmix: expected a boolean/);
    expect(() => applyOverrides(DEFAULTS, { cutmixMode: 'diagonal' })).toThrow(RunConfigError);
    expect(() => applyOverrides(DEFAULTS, { mixProb: 2 })).toThrow(/mixProb/);
  });

  it('reports configs that cannot run', () => {
    expect(validateRunConfig({ ...DEFAULTS, epochs: 0 })).toEqual([
      'epochs and maxSteps are both 0: nothing to train',
    ]);
    expect(validateRunConfig({ ...DEFAULTS, epochs: 0, maxSteps: 10 })).toEqual([]);
    expect(validateRunConfig({ ...DEFAULTS, cutmix: true, cutmixAlpha: 0 })).toEqual([
      'cutmix is on but cutmixAlpha is 0',
    ]);
    expect(validateRunConfig({ ...DEFAULTS, lr: Number.NaN })[0]).toMatch(/^lr:/);
  });

  it('plans steps as HF Trainer does', () => {
    // 100 clips, batch 8: 13 batches per epoch; accumulation 2: 6 updates per epoch.
    expect(planTraining({ ...DEFAULTS, batchSize: 8, epochs: 2 }, 100)).toMatchObject({
      stepsPerEpoch: 13,
      totalSteps: 26,
      warmupSteps: 0,
      epochs: 2,
    });
    expect(
      planTraining({ ...DEFAULTS, gradAccumulation: 2, epochs: 3, warmupRatio: 0.1 }, 100),
    ).toMatchObject({
      stepsPerEpoch: 6,
      totalSteps: 18,
      warmupSteps: 2,
      effectiveBatch: 16,
    });
    // Warmup steps win over the ratio; max steps win over epochs.
    expect(planTraining({ ...DEFAULTS, warmupSteps: 5, warmupRatio: 0.5, maxSteps: 40 }, 100)).toMatchObject({
      totalSteps: 40,
      warmupSteps: 5,
      epochs: 4,
    });
    // Fractional epochs round the step count up; tiny datasets still get one update per epoch.
    expect(planTraining({ ...DEFAULTS, epochs: 1.5 }, 100).totalSteps).toBe(20);
    expect(planTraining({ ...DEFAULTS, batchSize: 8, gradAccumulation: 4 }, 3).stepsPerEpoch).toBe(1);
    expect(() => planTraining(DEFAULTS, 0)).toThrow(/0 clips/);
  });

  it('scales the lr by effective batch / 256 when asked (VideoMAE)', () => {
    const config = {
      ...DEFAULTS,
      lr: 5e-4,
      lrScaling: 'batch/256' as const,
      batchSize: 8,
      gradAccumulation: 4,
    };
    expect(planTraining(config, 64).learningRate).toBeCloseTo((5e-4 * 32) / 256, 15);
    expect(planTraining(DEFAULTS, 64).learningRate).toBe(4e-4);
  });

  it('builds the optimizer and mix settings a run uses', () => {
    const config = {
      ...DEFAULTS,
      optimizer: 'adamw' as const,
      weightDecay: 0.05,
      layerDecay: 0.75,
      cutmix: false,
    };
    const plan = planTraining(config, 64);
    expect(optimizerOptionsOf(config, plan, 12)).toEqual({
      kind: 'adamw',
      lr: 4e-4,
      beta1: 0.9,
      beta2: 0.999,
      eps: 1e-8,
      weightDecay: 0.05,
      layerDecay: 0.75,
      numLayers: 12,
      schedule: { kind: 'linear', totalSteps: 16, warmupSteps: 0 },
    });
    const grid = { patchSize: 16, tubeletSize: 2 };
    expect(mixConfigOf(config, grid).cutmixAlpha).toBe(0);
    expect(mixConfigOf(withCutMixToggled(config), grid)).toMatchObject({ cutmixAlpha: 1, prob: 1, grid });
  });
});
