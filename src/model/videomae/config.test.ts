import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  countParameters,
  forwardFlopsPerClip,
  InvalidConfigError,
  parseConfig,
  presetConfig,
  sequenceLength,
  trainingActivationBytes,
} from './config.ts';

const FIXTURES = new URL('../../../../shared/fixtures/videomae/', import.meta.url);

describe('VideoMAE config', () => {
  it('reads the fixture config.json like PretrainedConfig', () => {
    const json = JSON.parse(readFileSync(new URL('tiny_cls_meanpool/config.json', FIXTURES), 'utf8'));
    const config = parseConfig(json);
    expect(config.num_labels).toBe(5);
    expect(config.id2label['3']).toBe('LABEL_3');
    expect(sequenceLength(config)).toBe(32);
    expect(config.layer_norm_eps).toBe(1e-12);
  });

  it('fills HF defaults and derives num_labels when id2label is missing', () => {
    const config = parseConfig({ num_labels: 7 });
    expect(config.hidden_size).toBe(768);
    expect(config.num_labels).toBe(7);
    expect(config.id2label['6']).toBe('LABEL_6');
    expect(parseConfig({}).num_labels).toBe(2);
  });

  it('refuses inconsistent shapes with the reason', () => {
    expect(() => parseConfig({ image_size: 100, patch_size: 16 })).toThrow(InvalidConfigError);
    expect(() => parseConfig({ hidden_size: 100, num_attention_heads: 12 })).toThrow(
      /not a multiple of num_attention_heads/,
    );
  });

  it('counts VideoMAE-Base parameters like PyTorch does (86.2M with a 400-class head)', () => {
    // sum(p.numel() for p in VideoMAEForVideoClassification(VideoMAEConfig(num_labels=400)).parameters())
    const base = presetConfig(
      'base',
      { num_frames: 16, image_size: 224 },
      Array.from({ length: 400 }, (_, i) => `c${i}`),
    );
    expect(countParameters(base)).toBe(86_534_800);
    expect(sequenceLength(base)).toBe(1568);
  });

  it('counts the tiny fixture exactly (its safetensors holds every parameter)', () => {
    const json = JSON.parse(readFileSync(new URL('tiny_cls_meanpool/config.json', FIXTURES), 'utf8'));
    const bytes = readFileSync(new URL('tiny_cls_meanpool/model.safetensors', FIXTURES));
    const headerLength = Number(bytes.readBigUInt64LE(0));
    const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8')) as Record<
      string,
      { shape?: number[] }
    >;
    const total = Object.entries(header)
      .filter(([key]) => key !== '__metadata__')
      .reduce((sum, [, t]) => sum + t.shape!.reduce((a, b) => a * b, 1), 0);
    expect(countParameters(parseConfig(json))).toBe(total);
  });

  it('estimates FLOPs and memory that grow as expected', () => {
    const small = presetConfig('small', { num_frames: 8, image_size: 112 }, ['a', 'b']);
    const big = presetConfig('small', { num_frames: 16, image_size: 224 }, ['a', 'b']);
    expect(forwardFlopsPerClip(big)).toBeGreaterThan(8 * forwardFlopsPerClip(small));
    expect(trainingActivationBytes(big, 2)).toBeCloseTo(2 * trainingActivationBytes(big, 1), -3);
    expect(trainingActivationBytes(big, 1, true)).toBeLessThan(trainingActivationBytes(big, 1, false) / 2);
  });
});
