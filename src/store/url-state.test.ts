import { describe, expect, it } from 'vitest';
import { PRESETS, presetById, diffRunConfigs, START_FROM, withCutMixToggled } from '../worker/index.ts';
import { INPUT_KEYS, MODEL_SOURCES } from './model-settings.ts';
import {
  decodeExperiment,
  defaultExperiment,
  defaultPretraining,
  encodeExperiment,
  hasExperimentParams,
  type Experiment,
} from './url-state.ts';

function roundTrip(experiment: Experiment, base = ''): Experiment {
  const params = new URLSearchParams(base);
  encodeExperiment(experiment, params);
  // Through text, as a link travels.
  const decoded = decodeExperiment(new URLSearchParams(params.toString()));
  expect(decoded.rejected).toEqual([]);
  return decoded.experiment;
}

describe('the experiment in the URL', () => {
  it('round-trips the defaults, and B of the defaults is A with CutMix flipped', () => {
    const experiment = defaultExperiment();
    expect(diffRunConfigs(experiment.runs.A.config, experiment.runs.B.config).map((d) => d.key)).toEqual([
      'cutmix',
    ]);
    expect(roundTrip(experiment)).toEqual(experiment);
  });

  it('round-trips every preset pair, edited, with every model source and view', () => {
    MODEL_SOURCES.forEach((source, i) => {
      const presetA = PRESETS[i % PRESETS.length]!;
      const presetB = PRESETS[(i + 1) % PRESETS.length]!;
      const experiment: Experiment = {
        model: {
          model: source,
          input: INPUT_KEYS[i % INPUT_KEYS.length]!,
          initSeed: i * 7,
          repo: `owner-${i}/videomae with spaces & symbols?`,
          revision: i % 2 ? 'main' : 'refs/pr/1',
          hubUrl: 'http://127.0.0.1:4780',
          pooling: (['checkpoint', 'on', 'off'] as const)[i % 3]!,
        },
        view: {
          x: (['step', 'epoch', 'time'] as const)[i % 3]!,
          smoothing: i / 10,
          schedule: i % 2 ? 'sequential' : 'interleaved',
          theme: (['auto', 'light', 'dark'] as const)[i % 3]!,
        },
        runs: {
          A: { preset: presetA.id, config: { ...presetA.config, lr: 1e-4 * (i + 1), seed: i } },
          B: {
            preset: presetB.id,
            config: {
              ...presetB.config,
              cutmix: !presetB.config.cutmix,
              cutmixMode: 'cube',
              epochs: 3.5,
              startFrom: START_FROM[i % START_FROM.length]!,
            },
          },
        },
        pretraining: {
          'pretraining-1': { ...defaultPretraining()['pretraining-1'], maskRatio: 0.9, masking: 'random' },
          'pretraining-2': {
            ...defaultPretraining()['pretraining-2'],
            mix: 'cutmix',
            includeEvalSplits: i % 2 === 0,
            baseLr: 3e-4 * (i + 1),
          },
        },
      };
      expect(roundTrip(experiment, 'backend=wasm&unrelated=1')).toEqual(experiment);
    });
  });

  it('keeps B as written even when it equals its preset exactly', () => {
    const experiment = defaultExperiment();
    experiment.runs.B = { preset: 'write-up', config: presetById('write-up').config };
    expect(roundTrip(experiment).runs.B.config.cutmix).toBe(false);
  });

  it('reads a hand-written link: A from the HF tutorial with another lr, B with CutMix, a small model', () => {
    const params = new URLSearchParams(
      'a.preset=hf-tutorial&a.lr=0.0001&b.cutmix=true&model=small&input=16x224',
    );
    expect(hasExperimentParams(params)).toBe(true);
    const { experiment, rejected } = decodeExperiment(params);
    expect(rejected).toEqual([]);
    expect(experiment.runs.A).toEqual({
      preset: 'hf-tutorial',
      config: { ...presetById('hf-tutorial').config, lr: 1e-4 },
    });
    // B names no preset: it takes the recipe of the model (small, from scratch).
    expect(experiment.runs.B).toEqual({
      preset: 'from-scratch',
      config: { ...presetById('from-scratch').config, cutmix: true },
    });
    expect(experiment.model).toMatchObject({ model: 'small', input: '16x224' });
  });

  it('gives a run without a preset its model’s recipe: the write-up’s for a Hub checkpoint', () => {
    const { experiment } = decodeExperiment(new URLSearchParams('model=hub&a.lr=0.0001'));
    expect(experiment.runs.A).toEqual({
      preset: 'write-up',
      config: { ...presetById('write-up').config, lr: 1e-4 },
    });
  });

  it('makes B from A when the link says nothing about B', () => {
    const { experiment } = decodeExperiment(new URLSearchParams('a.preset=videomae-paper&a.seed=5'));
    expect(experiment.runs.B).toEqual({
      preset: 'videomae-paper',
      config: withCutMixToggled({ ...presetById('videomae-paper').config, seed: 5 }),
    });
  });

  it('names invalid values and keeps the rest', () => {
    const { experiment, rejected } = decodeExperiment(
      new URLSearchParams('model=huge&a.lr=-1&b.preset=nope&b.epochs=3&x=sideways'),
    );
    expect(rejected.map((r) => r.key).sort()).toEqual(['a.lr', 'b.preset', 'model', 'x']);
    expect(experiment.model.model).toBe('tiny');
    expect(experiment.runs.B.config.epochs).toBe(3);
  });

  it('reads the pretrainings under p1. and p2., the paper’s recipe where the link is silent', () => {
    const { experiment, rejected } = decodeExperiment(
      new URLSearchParams(
        'p1.maskRatio=0.9&p2.mix=cutmix&p2.batchSize=0.5&p1.masking=diagonal&a.startFrom=pretraining-2',
      ),
    );
    expect(rejected.map((r) => r.key).sort()).toEqual(['p1.masking', 'p2.batchSize']);
    expect(experiment.pretraining['pretraining-1']).toMatchObject({
      maskRatio: 0.9,
      masking: 'tube',
      beta2: 0.95,
      weightDecay: 0.05,
      baseLr: 1.5e-4,
    });
    expect(experiment.pretraining['pretraining-2']).toMatchObject({ mix: 'cutmix', batchSize: 8 });
    expect(experiment.runs.A.config.startFrom).toBe('pretraining-2');
    // B follows A (nothing under b.): it starts from the same weights.
    expect(experiment.runs.B.config.startFrom).toBe('pretraining-2');
  });

  it('writes nothing for pretrainings left at the paper’s defaults', () => {
    const params = new URLSearchParams();
    encodeExperiment(defaultExperiment(), params);
    expect([...params.keys()].filter((k) => k.startsWith('p1.') || k.startsWith('p2.'))).toEqual([]);
  });

  it('tells an experiment link from one with only app settings', () => {
    expect(hasExperimentParams(new URLSearchParams('p2.epochs=3'))).toBe(true);
    expect(hasExperimentParams(new URLSearchParams('backend=cpu'))).toBe(false);
    expect(hasExperimentParams(new URLSearchParams('backend=cpu&b.seed=1'))).toBe(true);
    expect(hasExperimentParams(new URLSearchParams('smoothing=0.5'))).toBe(true);
  });
});
