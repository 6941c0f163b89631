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
import { pixelTargetsArray } from './cubes.ts';
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
