import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readCheckpointDir } from '../../../scripts/lib/checkpoint-dir.ts';
import { summarize } from '../../../scripts/lib/tensor-summary.ts';
import { fixturesOf, FIXTURES_ROOT, readFloat32 } from '../../../scripts/lib/videomae-fixtures.ts';
import { applyStateDict } from './apply.ts';
import { IncompatibleCheckpointError, MissingCheckpointFileError, ShapeMismatchError } from './errors.ts';
import { readCheckpointFiles } from './files.ts';
import { loadCheckpoint, resolveConfig } from './load.ts';
import type { StateDict } from './state-dict.ts';

interface LoadInfo {
  call: string;
  loading_info: { missing_keys: string[]; unexpected_keys: string[]; mismatched_keys: unknown[] };
  classifier_input?: { values: number[][] };
  videomae_last_hidden_state?: unknown;
}

const pretrainFixtures = fixturesOf<Record<string, unknown>>('VideoMAEForPreTraining');
const clsDir = join(FIXTURES_ROOT, 'tiny_cls_meanpool');

function maxAbs(a: number[][], b: number[][]): number {
  let max = 0;
  a.forEach((row, i) => row.forEach((v, j) => (max = Math.max(max, Math.abs(v - b[i]![j]!)))));
  return Number.isNaN(max) ? Infinity : max;
}

function fileOf(dir: string, name: string, as = name): File {
  return new File([readFileSync(join(dir, name))], as);
}

describe('loading checkpoints with Hugging Face from_pretrained semantics', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('has a pretraining fixture', () => {
    expect(pretrainFixtures.length).toBeGreaterThan(0);
  });

  for (const fixture of pretrainFixtures) {
    for (const [expectationKey, overrides] of [
      ['load_into_VideoMAEForVideoClassification', {}],
      ['load_into_VideoMAEForVideoClassification_mean_pooling', { use_mean_pooling: true }],
    ] as const) {
      it(`loads ${fixture.name} into a classifier with HF's key report (${expectationKey})`, async () => {
        const expected = fixture.expected[expectationKey] as LoadInfo;
        const numLabels = Number(/num_labels=(\d+)/.exec(expected.call)![1]);
        const labels = Array.from({ length: numLabels }, (_, i) => `class ${i}`);
        const checkpoint = await readCheckpointDir(fixture.dir);
        const { model, report } = loadCheckpoint(checkpoint, {
          overrides: { labels, ...overrides },
          seed: 1,
        });
        expect(report.missingKeys).toEqual(expected.loading_info.missing_keys);
        expect(report.unexpectedKeys).toEqual(expected.loading_info.unexpected_keys);
        expect(report.mismatchedKeys).toEqual(expected.loading_info.mismatched_keys);
        expect(report.classifierReinitialized).toEqual({
          reason: 'missing',
          checkpointLabels: null,
          modelLabels: numLabels,
        });
        expect(report.checkpointArchitecture).toBe('VideoMAEForPreTraining');
        expect(report.messages.join('\n')).toMatch(
          /were not used when initializing VideoMAEForVideoClassification/,
        );
        expect(report.messages.join('\n')).toMatch(/newly initialized: classifier\.bias/);
        // The encoder really came from the checkpoint: HF's classifier input (token 0 after videomae.layernorm,
        // or fc_norm of the mean with a fresh fc_norm) is reproduced.
        const x = tf.tensor5d(fixture.input, fixture.meta.input_shape);
        const { logits, pooled } = model.forward(x, { outputPooled: true });
        expect(maxAbs((await pooled!.array()) as number[][], expected.classifier_input!.values)).toBeLessThan(
          1e-4,
        );
        // The new head is HF's _init_weights: N(0, 0.02) weights, zero bias; logits = pooled W^T + b.
        const weight = await model.params.get('classifier.weight')!.data();
        expect([...(await model.params.get('classifier.bias')!.data())].every((v) => v === 0)).toBe(true);
        const stats = summarize(weight, [weight.length]);
        expect(stats.std).toBeGreaterThan(0.01);
        expect(stats.std).toBeLessThan(0.03);
        const rows = (await pooled!.array()) as number[][];
        const manual = rows.map((row) =>
          Array.from({ length: numLabels }, (_, c) =>
            row.reduce((s, v, j) => s + v * weight[c * row.length + j]!, 0),
          ),
        );
        expect(maxAbs((await logits.array()) as number[][], manual)).toBeLessThan(1e-5);
        tf.dispose([x, logits, pooled!]);
        model.dispose();
      });
    }
  }

  it('re-initialises the classifier when num_labels differs, saying so, and keeps everything else', async () => {
    const checkpoint = await readCheckpointDir(clsDir);
    const { model, report } = loadCheckpoint(checkpoint, { overrides: { labels: ['a', 'b', 'c'] }, seed: 4 });
    expect(report.missingKeys).toEqual([]);
    expect(report.unexpectedKeys).toEqual([]);
    expect(report.mismatchedKeys).toEqual([
      { key: 'classifier.bias', checkpointShape: [5], modelShape: [3] },
      { key: 'classifier.weight', checkpointShape: [5, 32], modelShape: [3, 32] },
    ]);
    expect(report.classifierReinitialized).toEqual({
      reason: 'num_labels',
      checkpointLabels: 5,
      modelLabels: 3,
    });
    expect(report.newlyInitialized).toEqual(['classifier.weight', 'classifier.bias']);
    expect(report.messages.join('\n')).toMatch(
      /classifier\.weight: found shape \[5, 32\] in the checkpoint and \[3, 32\] in the model/,
    );
    expect(report.messages.join('\n')).toMatch(/checkpoint's classifier has 5 labels, this model 3/);
    expect(model.config.id2label).toEqual({ 0: 'a', 1: 'b', 2: 'c' });
    const q = 'videomae.encoder.layer.1.attention.attention.q_bias';
    expect(await model.params.get(q)!.data()).toEqual(checkpoint.stateDict.get(q)!.data);
    model.dispose();
  });

  it('fails on any other shape mismatch, naming the key and both shapes, unless told to ignore it', async () => {
    const checkpoint = await readCheckpointDir(clsDir);
    // A config for 16x16 patches against weights for 8x8 ones.
    const config = resolveConfig({ ...checkpoint.configJson, patch_size: 16 });
    const key = 'videomae.embeddings.patch_embeddings.projection.weight';
    let error: unknown;
    try {
      applyStateDict(config, checkpoint.stateDict, { source: 'test' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ShapeMismatchError);
    expect((error as Error).message).toContain(
      `size mismatch for ${key}: the checkpoint has shape [32, 3, 2, 8, 8], the model expects [32, 3, 2, 16, 16]`,
    );
    const { model, report } = applyStateDict(config, checkpoint.stateDict, {
      source: 'test',
      ignoreMismatchedSizes: true,
    });
    expect(report.mismatchedKeys).toEqual([
      { key, checkpointShape: [32, 3, 2, 8, 8], modelShape: [32, 3, 2, 16, 16] },
    ]);
    expect(report.newlyInitialized).toEqual([key]);
    model.dispose();
  });

  it('loads a bare VideoMAEModel checkpoint (no "videomae." prefix) into the encoder, as HF does', async () => {
    const checkpoint = await readCheckpointDir(clsDir);
    const bare: StateDict = new Map(
      [...checkpoint.stateDict]
        .filter(([k]) => k.startsWith('videomae.'))
        .map(([k, t]) => [k.slice('videomae.'.length), t]),
    );
    const config = resolveConfig(checkpoint.configJson);
    const { model, report } = applyStateDict(config, bare, { source: 'bare' });
    expect(report.missingKeys).toEqual([
      'classifier.bias',
      'classifier.weight',
      'fc_norm.bias',
      'fc_norm.weight',
    ]);
    expect(report.unexpectedKeys).toEqual([]);
    const k = 'videomae.encoder.layer.0.output.dense.weight';
    expect(await model.params.get(k)!.data()).toEqual(checkpoint.stateDict.get(k)!.data);
    model.dispose();
    // Head weights without any encoder prefix: HF calls that state dict corrupted.
    bare.set('classifier.weight', checkpoint.stateDict.get('classifier.weight')!);
    expect(() => applyStateDict(config, bare, { source: 'bare' })).toThrow(IncompatibleCheckpointError);
  });

  it('refuses a checkpoint that has no VideoMAE weights at all, naming some of its keys', async () => {
    const checkpoint = await readCheckpointDir(clsDir);
    const foreign: StateDict = new Map([
      ['blocks.0.attn.qkv.weight', checkpoint.stateDict.get('classifier.weight')!],
    ]);
    expect(() =>
      applyStateDict(resolveConfig(checkpoint.configJson), foreign, { source: 'orig.pth' }),
    ).toThrow(/orig\.pth: none of the checkpoint's 1 tensors .* blocks\.0\.attn\.qkv\.weight/);
  });

  it('reads dropped files: config.json plus whichever weights are there, by base name', async () => {
    const dir = join(FIXTURES_ROOT, 'tiny_pretrain');
    const fromBin = await readCheckpointFiles([fileOf(dir, 'config.json'), fileOf(dir, 'pytorch_model.bin')]);
    expect(fromBin.format).toBe('pytorch-bin');
    const both = await readCheckpointFiles([
      fileOf(dir, 'pytorch_model.bin'),
      fileOf(dir, 'model.safetensors'),
      fileOf(dir, 'config.json'),
    ]);
    expect(both.format).toBe('safetensors');
    expect(both.source).toBe('config.json + model.safetensors');
    const renamed = await readCheckpointFiles([
      fileOf(dir, 'config.json'),
      fileOf(dir, 'model.safetensors', 'videomae-tiny.safetensors'),
    ]);
    expect(renamed.stateDict.size).toBe(both.stateDict.size);
    await expect(readCheckpointFiles([fileOf(dir, 'model.safetensors')])).rejects.toThrow(
      MissingCheckpointFileError,
    );
    await expect(readCheckpointFiles([fileOf(dir, 'config.json')])).rejects.toThrow(/no weights found/);
    // The mask and input of the fixture are not weights: they are ignored.
    expect(readFloat32(join(dir, 'input.bin')).length).toBe(2 * 4 * 3 * 32 * 32);
  });
});
