import * as tf from '@tensorflow/tfjs';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCheckpointDir } from '../../../scripts/lib/checkpoint-dir.ts';
import { pretrainFixtures, readUint8 } from '../../../scripts/lib/videomae-fixtures.ts';
import { loadCheckpoint, readWeights } from './load.ts';
import {
  classifierFromPretraining,
  exportEncoderCheckpoint,
  exportPretrainingCheckpoint,
  isPretrainingConfig,
  loadPretrainingCheckpoint,
} from './pretraining.ts';
import { readSafetensors } from './safetensors.ts';
import type { ExportedFile } from './export.ts';

const fixture = pretrainFixtures().find((f) => f.name === 'tiny_pretrain')!;
const work = mkdtempSync(join(tmpdir(), 'pretrain-checkpoint-test-'));
const LABELS = ['a', 'b', 'c', 'd', 'e'];

function writeFolder(name: string, files: ExportedFile[]): string {
  const dir = join(work, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const f of files) writeFileSync(join(dir, f.name), f.bytes);
  return dir;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return Number.isNaN(max) ? Infinity : max;
}

async function lossOf(dir: string): Promise<number> {
  const { model } = loadPretrainingCheckpoint(await readCheckpointDir(dir));
  const x = tf.tensor5d(fixture.input, fixture.meta.input_shape);
  const { loss, logits } = model.forward(x, readUint8(join(fixture.dir, 'mask.bin')));
  const value = (await loss.data())[0]!;
  tf.dispose([x, loss, logits]);
  model.dispose();
  return value;
}

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('VideoMAEForPreTraining checkpoints', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('recognises the architecture and loads pytorch_model.bin to the same weights as model.safetensors', async () => {
    const checkpoint = await readCheckpointDir(fixture.dir);
    expect(isPretrainingConfig(checkpoint.configJson)).toBe(true);
    const bin = await readWeights(
      async (name) => (name === 'pytorch_model.bin' ? readUint8(join(fixture.dir, name)) : null),
      'bin',
    );
    expect([...bin.stateDict.keys()].sort()).toEqual([...checkpoint.stateDict.keys()].sort());
    for (const [key, t] of checkpoint.stateDict) expect(bin.stateDict.get(key)!.data, key).toEqual(t.data);
    const { report } = loadPretrainingCheckpoint({ ...checkpoint, stateDict: bin.stateDict });
    expect(report.loadedParameterTensors).toBe(55);
    expect(report.messages).toEqual([`All weights were loaded from ${fixture.dir}.`]);
  });

  it('exports an HF VideoMAEForPreTraining folder that reads back key for key, value for value', async () => {
    const checkpoint = await readCheckpointDir(fixture.dir);
    const { model } = loadPretrainingCheckpoint(checkpoint);
    const files = await exportPretrainingCheckpoint(model);
    model.dispose();
    expect(files.map((f) => f.name)).toEqual(['config.json', 'model.safetensors']);
    const config = JSON.parse(new TextDecoder().decode(files[0]!.bytes)) as Record<string, unknown>;
    expect(config.architectures).toEqual(['VideoMAEForPreTraining']);
    for (const key of [
      'norm_pix_loss',
      'decoder_hidden_size',
      'decoder_num_hidden_layers',
      'use_mean_pooling',
    ])
      expect(config[key], key).toEqual(checkpoint.configJson[key]);
    const written = readSafetensors(files[1]!.bytes, 'model.safetensors').tensors;
    expect([...written.keys()].sort()).toEqual([...checkpoint.stateDict.keys()].sort());
    for (const [key, t] of checkpoint.stateDict) {
      expect(written.get(key)!.shape, key).toEqual(t.shape);
      expect(written.get(key)!.data, key).toEqual(t.data);
    }
    const dir = writeFolder('exported', files);
    expect(
      Math.abs((await lossOf(dir)) - fixture.expected.pretraining_forward.loss_mse_norm_pix),
    ).toBeLessThan(1e-5);
  });

  it('exports the encoder as a VideoMAEModel folder that a classifier loads like from_pretrained', async () => {
    const { model } = loadPretrainingCheckpoint(await readCheckpointDir(fixture.dir));
    const files = await exportEncoderCheckpoint(model);
    model.dispose();
    const written = readSafetensors(files[1]!.bytes, 'model.safetensors').tensors;
    expect([...written.keys()].every((k) => !k.startsWith('videomae.') && !k.startsWith('decoder'))).toBe(
      true,
    );
    expect(written.size).toBe(fixture.expected.checkpoint_keys.encoder_keys_prefix_videomae.length);
    const dir = writeFolder('encoder', files);
    const loaded = loadCheckpoint(await readCheckpointDir(dir), { overrides: { labels: LABELS } });
    expect(loaded.report.missingKeys).toEqual(['classifier.bias', 'classifier.weight']);
    expect(loaded.report.unexpectedKeys).toEqual([]);
    const x = tf.tensor5d(fixture.input, fixture.meta.input_shape);
    const { logits, pooled } = loaded.model.forward(x, { outputPooled: true });
    const expected = fixture.expected.load_into_VideoMAEForVideoClassification.classifier_input.values.flat();
    expect(maxAbsDiff(await pooled!.data(), expected)).toBeLessThan(1e-4);
    tf.dispose([x, logits, pooled!]);
    loaded.model.dispose();
  });

  for (const pooling of [false, true]) {
    it(`starts a classifier from a pretraining in memory (use_mean_pooling ${pooling})`, async () => {
      const { model } = loadPretrainingCheckpoint(await readCheckpointDir(fixture.dir));
      const { model: classifier, report } = await classifierFromPretraining(model, {
        overrides: { labels: LABELS, use_mean_pooling: pooling },
      });
      model.dispose();
      const key = pooling
        ? 'load_into_VideoMAEForVideoClassification_mean_pooling'
        : 'load_into_VideoMAEForVideoClassification';
      const expected = fixture.expected[key];
      expect(report.missingKeys).toEqual([...expected.loading_info.missing_keys].sort());
      expect(report.unexpectedKeys).toEqual([...expected.loading_info.unexpected_keys].sort());
      const x = tf.tensor5d(fixture.input, fixture.meta.input_shape);
      const { logits, pooled } = classifier.forward(x, { outputPooled: true });
      expect(maxAbsDiff(await pooled!.data(), expected.classifier_input.values.flat())).toBeLessThan(1e-4);
      tf.dispose([x, logits, pooled!]);
      classifier.dispose();
    });
  }

  it('loads a classifier checkpoint as a pretraining with a fresh decoder, and reports it', async () => {
    const dir = join(fixture.dir, '..', 'tiny_cls_meanpool');
    const { model, report } = loadPretrainingCheckpoint(await readCheckpointDir(dir), { seed: 4 });
    expect(report.unexpectedKeys).toEqual([
      'classifier.bias',
      'classifier.weight',
      'fc_norm.bias',
      'fc_norm.weight',
    ]);
    expect(report.missingKeys).toContain('mask_token');
    expect(report.missingKeys).toContain('decoder.head.weight');
    expect(report.missingKeys.every((k) => !k.startsWith('videomae.'))).toBe(true);
    expect(report.messages.join(' ')).toMatch(/Some weights of VideoMAEForPreTraining were not initialized/);
    model.dispose();
  });
});
