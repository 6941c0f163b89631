import { describe, expect, it } from 'vitest';
import { diffRunConfigs, planTraining, validateRunConfig, withCutMixToggled } from './run-config.ts';
import { decodeRun, encodeRun, presetById, PRESETS } from './presets.ts';

describe('presets', () => {
  it('are all valid configs', () => {
    for (const preset of PRESETS) expect(validateRunConfig(preset.config), preset.id).toEqual([]);
  });

  it('the write-up: Adam, lr 4e-4, linear without warmup, 2 epochs, CutMix off', () => {
    expect(presetById('write-up').config).toMatchObject({
      optimizer: 'adam',
      lr: 4e-4,
      schedule: 'linear',
      warmupSteps: 0,
      warmupRatio: 0,
      epochs: 2,
      weightDecay: 0,
      cutmix: false,
      mixupAlpha: 0,
    });
  });

  it('HF tutorial: Trainer defaults with lr 5e-5, warmup ratio 0.1, batch 8, 4 epochs', () => {
    const config = presetById('hf-tutorial').config;
    expect(config).toMatchObject({
      optimizer: 'adamw',
      weightDecay: 0,
      lr: 5e-5,
      warmupRatio: 0.1,
      batchSize: 8,
    });
    expect(config).toMatchObject({ epochs: 4, clipNorm: 1, schedule: 'linear', evalEvery: 'epoch' });
  });

  it('VideoMAE paper: AdamW, lr 5e-4 x batch / 256, layer decay 0.75, Mixup 0.8 + CutMix 1.0', () => {
    const config = presetById('videomae-paper').config;
    expect(config).toMatchObject({
      optimizer: 'adamw',
      weightDecay: 0.05,
      layerDecay: 0.75,
      labelSmoothing: 0.1,
      dropPath: 0.1,
      cutmix: true,
      cutmixAlpha: 1,
      mixupAlpha: 0.8,
      switchProb: 0.5,
    });
    const plan = planTraining(config, 80);
    expect(plan.learningRate).toBeCloseTo((5e-4 * 8) / 256, 15);
    expect(plan.warmupSteps).toBeGreaterThan(0);
  });
});

describe('a run in the URL', () => {
  it('round-trips every preset, edited, under its prefix', () => {
    for (const preset of PRESETS) {
      const a = { ...preset.config, lr: 1e-3, seed: 3 };
      const b = withCutMixToggled(a);
      const params = new URLSearchParams('backend=wasm');
      encodeRun(a, preset.id, params, 'a.');
      encodeRun(b, preset.id, params, 'b.');
      const read = new URLSearchParams(params.toString());
      expect(decodeRun(read, 'a.')).toEqual({ preset: preset.id, config: a, rejected: [] });
      expect(decodeRun(read, 'b.')).toEqual({ preset: preset.id, config: b, rejected: [] });
      expect(read.get('backend')).toBe('wasm');
    }
  });

  it('writes only the preset and what differs from it', () => {
    const params = new URLSearchParams();
    const config = withCutMixToggled(presetById('hf-tutorial').config);
    encodeRun(config, 'hf-tutorial', params, 'a.');
    expect(params.toString()).toBe('a.preset=hf-tutorial&a.cutmix=true');
    const plain = new URLSearchParams();
    encodeRun(presetById('write-up').config, 'write-up', plain, 'a.');
    expect(plain.toString()).toBe('');
  });

  it('reports invalid values and falls back to the preset for them', () => {
    const read = decodeRun(new URLSearchParams('b.preset=nope&b.lr=-1&b.batchSize=4'), 'b.');
    expect(read.preset).toBe('write-up');
    expect(read.config.lr).toBe(4e-4);
    expect(read.config.batchSize).toBe(4);
    expect(read.rejected).toEqual([
      { key: 'b.preset', text: 'nope' },
      { key: 'b.lr', text: '-1' },
    ]);
    expect(diffRunConfigs(presetById('write-up').config, read.config).map((d) => d.key)).toEqual([
      'batchSize',
    ]);
  });
});
