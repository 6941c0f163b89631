import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readCheckpointDir } from '../../../scripts/lib/checkpoint-dir.ts';
import { FIXTURES_ROOT } from '../../../scripts/lib/videomae-fixtures.ts';
import { HF_DEFAULTS } from '../videomae/config.ts';
import { parameterSpecs } from '../videomae/params.ts';
import { configToJson, exportCheckpoint } from './export.ts';
import { readCheckpointFiles } from './files.ts';
import { loadCheckpoint, resolveConfig } from './load.ts';
import { readSafetensors } from './safetensors.ts';

const dir = join(FIXTURES_ROOT, 'tiny_cls_meanpool');

function bitsEqual(a: Float32Array, b: Float32Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  );
}

describe('export as a Hugging Face checkpoint', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('round-trips the fixture bit for bit, with HF key names, shapes and header layout', async () => {
    const checkpoint = await readCheckpointDir(dir);
    const { model } = loadCheckpoint(checkpoint);
    const files = await exportCheckpoint(model);
    expect(files.map((f) => f.name)).toEqual(['config.json', 'model.safetensors']);
    const weights = files[1]!.bytes;

    const headerLength = Number(new DataView(weights.buffer, weights.byteOffset).getBigUint64(0, true));
    expect(headerLength % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(weights.subarray(8, 8 + headerLength))) as Record<
      string,
      unknown
    >;
    expect(Object.keys(header)[0]).toBe('__metadata__');
    expect(header.__metadata__).toEqual({ format: 'pt' });

    const reread = readSafetensors(weights).tensors;
    expect([...reread.keys()]).toEqual([...checkpoint.stateDict.keys()].sort());
    for (const spec of parameterSpecs(model.config)) {
      const t = reread.get(spec.name)!;
      expect(t.dtype).toBe('F32');
      expect(t.shape).toEqual(spec.shape);
      expect(bitsEqual(t.data, checkpoint.stateDict.get(spec.name)!.data), spec.name).toBe(true);
    }
    // The whole file is what transformers' save_pretrained wrote for the same weights.
    expect(Buffer.from(weights).equals(readFileSync(join(dir, 'model.safetensors')))).toBe(true);
    model.dispose();
  });

  it('writes a config.json that transformers reads back to the same model (labels, pooling, architecture)', async () => {
    const checkpoint = await readCheckpointDir(dir);
    const { model, config } = loadCheckpoint(checkpoint, {
      overrides: { labels: ['ApplyEyeMakeup', 'Basketball', 'Drumming'], drop_path_rate: 0.1 },
    });
    const json = JSON.parse(configToJson(model.config)) as Record<string, unknown>;
    expect(json.architectures).toEqual(['VideoMAEForVideoClassification']);
    expect(json.model_type).toBe('videomae');
    expect(json.id2label).toEqual({ 0: 'ApplyEyeMakeup', 1: 'Basketball', 2: 'Drumming' });
    expect(json.label2id).toEqual({ ApplyEyeMakeup: 0, Basketball: 1, Drumming: 2 });
    expect(json.use_mean_pooling).toBe(true);
    expect(json.layer_norm_eps).toBe(1e-12);
    expect(json.torch_dtype).toBe('float32');
    expect(json).not.toHaveProperty('transformers_version');
    expect(Object.keys(json)).toEqual(Object.keys(json).sort());
    const back = resolveConfig(json);
    for (const key of [
      ...Object.keys(HF_DEFAULTS),
      'id2label',
      'label2id',
      'num_labels',
      'architectures',
    ] as const)
      expect(back[key as keyof typeof back], key).toEqual(config[key as keyof typeof config]);
    model.dispose();
  });

  it('exports trained weights: what it writes reloads to the same logits', async () => {
    const { model } = loadCheckpoint(await readCheckpointDir(dir), {
      overrides: { labels: ['a', 'b'] },
      seed: 3,
    });
    const x = tf.randomNormal([1, 4, 3, 32, 32], 0, 1, 'float32', 1) as tf.Tensor5D;
    const optimizer = tf.train.sgd(0.1);
    optimizer.minimize(() => tf.sum(tf.square(model.forward(x).logits)) as tf.Scalar);
    const files = await exportCheckpoint(model);
    const reloaded = loadCheckpoint(
      await readCheckpointFiles(files.map((f) => new File([f.bytes as Uint8Array<ArrayBuffer>], f.name))),
    );
    expect(reloaded.report.missingKeys).toEqual([]);
    expect(reloaded.report.mismatchedKeys).toEqual([]);
    expect(reloaded.config.id2label).toEqual({ 0: 'a', 1: 'b' });
    const before = await model.forward(x).logits.data();
    const after = await reloaded.model.forward(x).logits.data();
    expect([...after]).toEqual([...before]);
    model.dispose();
    reloaded.model.dispose();
    optimizer.dispose();
    x.dispose();
  });
});
