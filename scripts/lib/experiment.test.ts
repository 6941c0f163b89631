import { describe, expect, it } from 'vitest';
import { decodeExperiment } from '../../src/store/url-state.ts';
import { presetById } from '../../src/train/presets.ts';
import type { MetricsFile } from '../../src/store/metrics-file.ts';
import {
  ExperimentArgsError,
  experimentQuery,
  parseExperimentArgs,
  summarizeExperiment,
} from './experiment.ts';

describe('experiment command line', () => {
  it('reads the flags of the issue and turns them into the page URL the app decodes back', () => {
    const options = parseExperimentArgs([
      '--data',
      '/tmp/ucf',
      '--preset',
      'tiny',
      '--input',
      '8x64',
      '--backend',
      'wasm',
      '--a',
      '{"epochs":3,"lr":0.001}',
      '--b',
      '{"preset":"hf-tutorial","cutmix":true,"cutmixMode":"temporal"}',
      '--out',
      'out-dir',
    ]);
    expect(options.data).toBe('/tmp/ucf');
    expect(options.out).toBe('out-dir');
    const params = new URLSearchParams(experimentQuery(options));
    expect(params.get('backend')).toBe('wasm');
    const { experiment, rejected } = decodeExperiment(params);
    expect(rejected).toEqual([]);
    expect(experiment.model.model).toBe('tiny');
    expect(experiment.model.input).toBe('8x64');
    // No preset in --a: the recipe of a model trained from scratch.
    expect(experiment.runs.A.preset).toBe('from-scratch');
    expect(experiment.runs.A.config).toEqual({ ...presetById('from-scratch').config, epochs: 3, lr: 0.001 });
    expect(experiment.runs.B.preset).toBe('hf-tutorial');
    expect(experiment.runs.B.config).toEqual({
      ...presetById('hf-tutorial').config,
      cutmix: true,
      cutmixMode: 'temporal',
    });
  });

  it('with no arguments, runs the page’s default comparison; a checkpoint starts from the write-up’s recipe', () => {
    const defaults = decodeExperiment(new URLSearchParams(experimentQuery(parseExperimentArgs([]))));
    expect(defaults.experiment.model).toMatchObject({ model: 'tiny', input: '8x64' });
    expect(defaults.experiment.runs.A).toEqual({
      preset: 'from-scratch',
      config: presetById('from-scratch').config,
    });
    expect(defaults.experiment.runs.B.config).toEqual({ ...presetById('from-scratch').config, cutmix: true });
    const hub = decodeExperiment(
      new URLSearchParams(experimentQuery(parseExperimentArgs(['--repo', 'MCG-NJU/videomae-base']))),
    );
    expect(hub.experiment.runs.A.preset).toBe('write-up');
  });

  it('without --b, B is A with CutMix flipped', () => {
    const params = new URLSearchParams(
      experimentQuery(parseExperimentArgs(['--a', '{"cutmix":false,"seed":3}'])),
    );
    const { experiment } = decodeExperiment(params);
    expect(experiment.runs.B.config).toEqual({ ...experiment.runs.A.config, cutmix: true });
    expect(experiment.runs.B.config.seed).toBe(3);
  });

  it('--pretrain fills slot 1 and both runs start from it; --pretrain-b fills slot 2 for B', () => {
    const one = decodeExperiment(
      new URLSearchParams(
        experimentQuery(parseExperimentArgs(['--pretrain', '{"epochs":3,"baseLr":0.05,"mix":"cutmix"}'])),
      ),
    ).experiment;
    expect(one.pretraining['pretraining-1']).toMatchObject({ epochs: 3, baseLr: 0.05, mix: 'cutmix' });
    expect(one.runs.A.config.startFrom).toBe('pretraining-1');
    expect(one.runs.B.config.startFrom).toBe('pretraining-1');
    const two = decodeExperiment(
      new URLSearchParams(
        experimentQuery(
          parseExperimentArgs([
            '--pretrain',
            '{"epochs":2}',
            '--pretrain-b',
            '{"epochs":2,"mix":"cutmix"}',
            '--b',
            '{"cutmix":true}',
          ]),
        ),
      ),
    ).experiment;
    expect(two.runs.A.config.startFrom).toBe('pretraining-1');
    expect(two.runs.B.config.startFrom).toBe('pretraining-2');
    expect(two.pretraining['pretraining-2'].mix).toBe('cutmix');
    expect(() => parseExperimentArgs(['--pretrain-b', '{}'])).toThrow(/needs --pretrain/);
    expect(() => experimentQuery(parseExperimentArgs(['--pretrain', '{"lr":1}']))).toThrow(
      /"lr" is not a pretraining setting/,
    );
    expect(() => experimentQuery(parseExperimentArgs(['--pretrain', '{"maskRatio":2}']))).toThrow(
      /invalid settings: p1.maskRatio=2/,
    );
  });

  it('names what is wrong: unknown flags, keys, presets, values', () => {
    expect(() => parseExperimentArgs(['--nope', '1'])).toThrow(ExperimentArgsError);
    expect(() => parseExperimentArgs(['--preset', 'huge'])).toThrow(/tiny, small, base/);
    expect(() => parseExperimentArgs(['--a', '[1]'])).toThrow(/JSON object/);
    expect(() => parseExperimentArgs(['--a', '{bad'])).toThrow(/not JSON/);
    expect(() => experimentQuery(parseExperimentArgs(['--a', '{"learningRate":1}']))).toThrow(
      /"learningRate" is not a run setting/,
    );
    expect(() => experimentQuery(parseExperimentArgs(['--a', '{"preset":"fast"}']))).toThrow(/preset fast/);
    expect(() => experimentQuery(parseExperimentArgs(['--a', '{"batchSize":-2}']))).toThrow(/batchSize/);
    expect(() => experimentQuery(parseExperimentArgs(['--a', '{"optimizer":"sgd"}']))).toThrow(/optimizer/);
  });
});

describe('experiment summary', () => {
  it('takes best and final validation accuracy, test accuracy and the median clips/s of each run', () => {
    const step = (n: number, clipsPerSecond: number) => ({
      runId: 'A' as const,
      step: n,
      epoch: n / 2,
      loss: 2 - n / 10,
      accuracy: 0.5,
      accuracyTarget: 'label' as const,
      lr: 1e-3,
      gradNorm: null,
      clipsPerSecond,
      elapsedMs: n * 1000,
    });
    const evalPoint = (split: 'val' | 'test', n: number, top1: number) => ({
      runId: 'A' as const,
      split,
      step: n,
      epoch: n / 2,
      loss: 1,
      top1,
      top5: 1,
      confusion: [],
      clips: 10,
      elapsedMs: n * 1000,
    });
    const file = {
      runs: [
        {
          id: 'A',
          config: null,
          status: 'finished',
          problems: [],
          steps: [step(1, 3), step(2, 9), step(3, 4)],
          val: [evalPoint('val', 2, 0.5), evalPoint('val', 3, 0.9), evalPoint('val', 4, 0.7)],
          test: evalPoint('test', 4, 0.8),
        },
      ],
    } as unknown as MetricsFile;
    expect(summarizeExperiment(file)).toEqual([
      {
        id: 'A',
        status: 'finished',
        steps: 3,
        epochs: 1.5,
        finalTrainLoss: 1.7,
        bestValTop1: 0.9,
        finalValTop1: 0.7,
        testTop1: 0.8,
        clipsPerSecond: 4,
        trainingSeconds: 3,
        cutmix: null,
        lostTrainingClips: 0,
        incompleteEvaluations: 0,
        val: [
          { step: 2, clips: 10, splitClips: null },
          { step: 3, clips: 10, splitClips: null },
          { step: 4, clips: 10, splitClips: null },
        ],
        test: { step: 4, clips: 10, splitClips: null },
        problems: [],
      },
    ]);
  });

  it('says when a run finished with problems, and never turns an evaluation over no clip into 0%', () => {
    const point = (split: 'val' | 'test', n: number, clips: number, splitClips: number, top1: number) => ({
      runId: 'A' as const,
      split,
      step: n,
      epoch: n,
      loss: clips === 0 ? Number.NaN : 1,
      top1,
      top5: top1,
      confusion: [],
      clips,
      splitClips,
      elapsedMs: n * 1000,
    });
    const file = {
      runs: [
        {
          id: 'A',
          config: null,
          status: 'finished',
          problems: ['the test evaluation covered 1 of 24 clips'],
          steps: [
            { step: 1, epoch: 1, loss: 2, lostClips: 3, clipsPerSecond: 1, elapsedMs: 1000 },
            { step: 2, epoch: 2, loss: 2, lostClips: 2, clipsPerSecond: 1, elapsedMs: 2000 },
          ],
          val: [point('val', 1, 0, 40, Number.NaN), point('val', 2, 40, 40, 0.5)],
          test: point('test', 2, 1, 24, 1),
        },
      ],
    } as unknown as MetricsFile;
    const [run] = summarizeExperiment(file);
    expect(run).toMatchObject({
      status: 'finished with problems',
      bestValTop1: 0.5,
      finalValTop1: 0.5,
      testTop1: 1,
      lostTrainingClips: 5,
      incompleteEvaluations: 2,
      test: { step: 2, clips: 1, splitClips: 24 },
      problems: ['the test evaluation covered 1 of 24 clips'],
    });
    const onlyEmpty = { ...file.runs[0]!, val: [point('val', 1, 0, 40, Number.NaN)], test: null };
    expect(summarizeExperiment({ ...file, runs: [onlyEmpty] })[0]).toMatchObject({
      bestValTop1: null,
      finalValTop1: null,
    });
  });
});
