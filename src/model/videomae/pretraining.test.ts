import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readCheckpointDir } from '../../../scripts/lib/checkpoint-dir.ts';
import { summarize, summaryDifference, type TensorSummary } from '../../../scripts/lib/tensor-summary.ts';
import {
  pretrainFixtures,
  readUint8,
  type Fixture,
  type PretrainExpected,
} from '../../../scripts/lib/videomae-fixtures.ts';
import { loadCheckpoint } from '../checkpoint/load.ts';
import { loadPretrainingCheckpoint } from '../checkpoint/pretraining.ts';
import { Rng } from '../../util/rng.ts';
import { HF_DEFAULTS, labelMaps, type VideoMAEConfig } from './config.ts';
import { pixelTargetsArray } from './cubes.ts';
import { makeMasks, maskedCount, maskGrid } from './masking.ts';
import { VideoMAEForPreTraining } from './pretraining.ts';

const fixtures = pretrainFixtures();

function expectSummaryClose(actual: TensorSummary, expected: TensorSummary, what: string, tol = 1e-4): void {
  const diff = summaryDifference(actual, expected);
  expect(diff.shapeOk, `${what} shape ${actual.shape} vs ${expected.shape}`).toBe(true);
  expect(diff.abs, `${what} abs`).toBeLessThan(tol);
  expect(diff.rel, `${what} rel`).toBeLessThan(tol / 10);
}

async function loadFixture(fixture: Fixture<PretrainExpected>): Promise<VideoMAEForPreTraining> {
  const { model, report } = loadPretrainingCheckpoint(await readCheckpointDir(fixture.dir));
  expect(report.missingKeys).toEqual([]);
  expect(report.unexpectedKeys).toEqual([]);
  return model;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return Number.isNaN(max) ? Infinity : max;
}

for (const backend of ['cpu', 'wasm'])
  describe(`VideoMAEForPreTraining against the Hugging Face reference fixtures (${backend})`, () => {
    beforeAll(async () => {
      expect(await tf.setBackend(backend)).toBe(true);
    });

    it('finds the pretraining fixture', () => {
      expect(fixtures.map((f) => f.name)).toContain('tiny_pretrain');
    });

    for (const fixture of fixtures) {
      const mask = (): Uint8Array => readUint8(join(fixture.dir, 'mask.bin'));
      const ref = fixture.expected.pretraining_forward;

      it(`${fixture.name}: loss, every logit, the target and the visible encoder output`, async () => {
        const model = await loadFixture(fixture);
        const x = tf.tensor5d(fixture.input, fixture.meta.input_shape);
        const out = model.forward(x, mask(), { outputTarget: true, outputEncoderHidden: true });
        expect(Math.abs((await out.loss.data())[0]! - ref.loss_mse_norm_pix)).toBeLessThan(1e-5);
        expect(maxAbsDiff(await out.logits.data(), ref.logits_full.flat(2))).toBeLessThan(1e-4);
        expectSummaryClose(summarize(await out.logits.data(), out.logits.shape), ref.logits, 'logits');
        expectSummaryClose(
          summarize(await out.target!.data(), out.target!.shape),
          ref.target_patches,
          'target',
        );
        expectSummaryClose(
          summarize(await out.encoderHidden!.data(), out.encoderHidden!.shape),
          ref.encoder_visible_last_hidden_state,
          'encoder visible hidden state',
        );
        tf.dispose([x, out.loss, out.logits, out.target!, out.encoderHidden!]);
        model.dispose();
      });

      it(`${fixture.name}: the plain-array target agrees with the tensor target`, async () => {
        const model = await loadFixture(fixture);
        const x = tf.tensor5d(fixture.input, fixture.meta.input_shape);
        const out = model.forward(x, mask(), { outputTarget: true });
        const all = pixelTargetsArray(fixture.input, fixture.meta.input_shape, model.config);
        const cube = out.target!.shape[2];
        const m = mask();
        const picked: number[] = [];
        m.forEach((v, i) => {
          if (v) picked.push(...all.subarray(i * cube, (i + 1) * cube));
        });
        expect(maxAbsDiff(await out.target!.data(), picked)).toBeLessThan(1e-4);
        tf.dispose([x, out.loss, out.logits, out.target!]);
        model.dispose();
      });

      it(`${fixture.name}: gradient norms of one backward`, async () => {
        const model = await loadFixture(fixture);
        const x = tf.tensor5d(fixture.input, fixture.meta.input_shape);
        const names = [...model.params.keys()];
        const { value, grads } = tf.variableGrads(
          () => model.forward(x, mask()).loss,
          model.trainableVariables(),
        );
        const byName = new Map<string, tf.Tensor>();
        model.trainableVariables().forEach((v, i) => byName.set(names[i]!, grads[v.name]!));
        const listed = Object.entries(ref.grad_l2_pretraining_loss);
        expect(listed.length).toBeGreaterThan(0);
        for (const [name, expected] of listed) {
          const grad = byName.get(name);
          expect(grad, name).toBeDefined();
          const l2 = Math.hypot(...(await grad!.data()));
          expect(Math.abs(l2 - expected) / expected, `${name}: ${l2} vs ${expected}`).toBeLessThan(1e-4);
        }
        tf.dispose([x, value, ...Object.values(grads)]);
        model.dispose();
      });

      for (const [pooling, key] of [
        [false, 'load_into_VideoMAEForVideoClassification'],
        [true, 'load_into_VideoMAEForVideoClassification_mean_pooling'],
      ] as const) {
        it(`${fixture.name}: loads into the classifier as from_pretrained does (use_mean_pooling ${pooling})`, async () => {
          const expected = fixture.expected[key];
          const { model, report } = loadCheckpoint(await readCheckpointDir(fixture.dir), {
            overrides: { labels: ['a', 'b', 'c', 'd', 'e'], use_mean_pooling: pooling },
          });
          expect(report.missingKeys).toEqual([...expected.loading_info.missing_keys].sort());
          expect(report.unexpectedKeys).toEqual([...expected.loading_info.unexpected_keys].sort());
          expect(report.mismatchedKeys).toEqual([]);
          const x = tf.tensor5d(fixture.input, fixture.meta.input_shape);
          const { logits, pooled } = model.forward(x, { outputPooled: true });
          expect(maxAbsDiff(await pooled!.data(), expected.classifier_input.values.flat())).toBeLessThan(
            1e-4,
          );
          tf.dispose([x, logits, pooled!]);
          model.dispose();
        });
      }
    }
  });

describe('VideoMAEForPreTraining built from a config', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  const tiny: VideoMAEConfig = {
    ...HF_DEFAULTS,
    ...labelMaps(['a', 'b']),
    image_size: 32,
    patch_size: 8,
    num_frames: 4,
    hidden_size: 32,
    num_hidden_layers: 2,
    num_attention_heads: 4,
    intermediate_size: 64,
    use_mean_pooling: false,
    decoder_hidden_size: 16,
    decoder_num_hidden_layers: 1,
    decoder_num_attention_heads: 2,
    decoder_intermediate_size: 32,
  };
  // The configs of testdata/make_pretrain_reference.py.
  const variants: Record<string, Partial<VideoMAEConfig>> = {
    tubelet1_normpix: { tubelet_size: 1 },
    tubelet2_rawpix: { norm_pix_loss: false },
    no_qkv_bias: { qkv_bias: false },
    decoder24x2_meanpool: {
      use_mean_pooling: true,
      decoder_hidden_size: 24,
      decoder_num_hidden_layers: 2,
      decoder_num_attention_heads: 3,
      decoder_intermediate_size: 48,
    },
  };

  for (const [name, overrides] of Object.entries(variants)) {
    it(`${name}: HF's parameter set, zero mask_token, a gradient for every parameter`, async () => {
      const config = { ...tiny, ...overrides };
      const model = VideoMAEForPreTraining.create(config, { seed: 7 });
      const names = [...model.params.keys()];
      expect(names[0]).toBe('mask_token');
      expect(names.includes('videomae.layernorm.weight')).toBe(!config.use_mean_pooling);
      expect(names.some((n) => n.endsWith('q_bias'))).toBe(config.qkv_bias);
      expect(
        names.filter((n) => n.startsWith('decoder.decoder_layers.') && n.endsWith('query.weight')),
      ).toHaveLength(config.decoder_num_hidden_layers);
      expect(model.params.get('decoder.head.weight')!.shape).toEqual([
        config.tubelet_size * 8 * 8 * 3,
        config.decoder_hidden_size,
      ]);
      expect(await model.params.get('mask_token')!.data()).toEqual(
        new Float32Array(config.decoder_hidden_size),
      );
      const grid = maskGrid(config);
      const mask = makeMasks(2, grid, { kind: 'random', ratio: 0.75, seed: 1 });
      const rng = new Rng(name);
      const x = tf.tensor5d(
        Float32Array.from({ length: 2 * 4 * 3 * 32 * 32 }, () => rng.normal()),
        [2, 4, 3, 32, 32],
      );
      const before = tf.memory().numTensors;
      const { value, grads } = tf.variableGrads(() => {
        const out = model.forward(x, mask);
        expect(out.logits.shape).toEqual([2, maskedCount(grid, 'random', 0.75), config.tubelet_size * 192]);
        return out.loss;
      }, model.trainableVariables());
      expect(Number.isFinite((await value.data())[0])).toBe(true);
      for (const [i, v] of model.trainableVariables().entries()) {
        const norm = Math.hypot(...(await grads[v.name]!.data()));
        expect(norm, names[i]).toBeGreaterThan(0);
      }
      tf.dispose([value, ...Object.values(grads)]);
      expect(tf.memory().numTensors).toBe(before);
      x.dispose();
      model.dispose();
    });
  }

  it('refuses a mask that does not fit and input of the wrong layout', () => {
    const model = VideoMAEForPreTraining.create(tiny);
    const x = tf.zeros([1, 4, 3, 32, 32]) as tf.Tensor5D;
    expect(() => model.forward(x, new Uint8Array(31))).toThrow(/mask has 31 values, expected \[1, 32\]/);
    expect(() => model.forward(tf.zeros([1, 3, 4, 32, 32]) as tf.Tensor5D, new Uint8Array(32))).toThrow(
      /pixel_values must be \[batch, 4, 3, 32, 32\]/,
    );
    expect(() =>
      VideoMAEForPreTraining.create({ ...tiny, decoder_hidden_size: 10, decoder_num_attention_heads: 3 }),
    ).toThrow(/decoder_hidden_size 10 is not a multiple of decoder_num_attention_heads 3/);
    x.dispose();
    model.dispose();
  });
});
