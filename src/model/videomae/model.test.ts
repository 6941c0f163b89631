import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { readCheckpointDir } from '../../../scripts/lib/checkpoint-dir.ts';
import {
  softCrossEntropy,
  summarize,
  summaryDifference,
  type TensorSummary,
} from '../../../scripts/lib/tensor-summary.ts';
import {
  classifierFixtures,
  type Fixture,
  type ClassifierExpected,
} from '../../../scripts/lib/videomae-fixtures.ts';
import { loadCheckpoint } from '../checkpoint/load.ts';
import { presetConfig, sequenceLength, type VideoMAEConfig } from './config.ts';
import { patchEmbed, VideoMAEForVideoClassification, InputShapeError } from './model.ts';
import { sinusoidTable } from './position.ts';

const fixtures = classifierFixtures();

async function loadFixtureModel(
  fixture: Fixture<ClassifierExpected>,
): Promise<VideoMAEForVideoClassification> {
  const { model, report } = loadCheckpoint(await readCheckpointDir(fixture.dir));
  expect(report.missingKeys).toEqual([]);
  expect(report.unexpectedKeys).toEqual([]);
  return model;
}

function inputOf(fixture: Fixture<ClassifierExpected>): tf.Tensor5D {
  return tf.tensor5d(fixture.input, fixture.meta.input_shape);
}

function maxAbs(a: number[][], b: number[][]): number {
  let max = 0;
  a.forEach((row, i) => row.forEach((v, j) => (max = Math.max(max, Math.abs(v - b[i]![j]!)))));
  return Number.isNaN(max) ? Infinity : max;
}

async function summaryOf(t: tf.Tensor): Promise<TensorSummary> {
  return summarize(await t.data(), t.shape);
}

function expectSummaryClose(actual: TensorSummary, expected: TensorSummary, what: string): void {
  const diff = summaryDifference(actual, expected);
  expect(diff.shapeOk, `${what} shape ${actual.shape} vs ${expected.shape}`).toBe(true);
  expect(diff.abs, `${what} abs`).toBeLessThan(1e-4);
  expect(diff.rel, `${what} rel`).toBeLessThan(1e-5);
}

/** CE with integer labels, the mean over the batch, as nn.CrossEntropyLoss. */
function intLabelLoss(logits: tf.Tensor2D, labels: number[]): tf.Scalar {
  return tf.tidy(() => {
    const logProbs = tf.logSoftmax(logits);
    const oneHot = tf.oneHot(tf.tensor1d(labels, 'int32'), logits.shape[1]);
    return tf.neg(tf.mean(tf.sum(tf.mul(oneHot, logProbs), 1)));
  });
}

function softLabelLoss(logits: tf.Tensor2D, targets: number[][]): tf.Scalar {
  return tf.tidy(() => tf.neg(tf.mean(tf.sum(tf.mul(tf.tensor2d(targets), tf.logSoftmax(logits)), 1))));
}

// wasm runs in Node too: the same parity checks on both CPU backends (the browser tests add webgpu/webgl).
for (const backend of ['cpu', 'wasm'])
  describe(`VideoMAEForVideoClassification against the Hugging Face reference fixtures (${backend})`, () => {
    beforeAll(async () => {
      expect(await tf.setBackend(backend)).toBe(true);
    });

    it('finds at least one classifier fixture', () => {
      expect(fixtures.length).toBeGreaterThan(0);
    });

    for (const fixture of fixtures) {
      describe(fixture.name, () => {
        it('computes the logits within 1e-4 and the classifier input exactly', async () => {
          const model = await loadFixtureModel(fixture);
          const x = inputOf(fixture);
          const { logits, pooled } = model.forward(x, { outputPooled: true });
          expect(logits.shape).toEqual([fixture.meta.input_shape[0], model.config.num_labels]);
          const rows = (await logits.array()) as number[][];
          expect(maxAbs(rows, fixture.expected.logits)).toBeLessThan(1e-4);
          // Tighter: within 10x the float32 noise the reference itself shows against its float64 run, which
          // catches small semantic slips (a wrong LayerNorm eps moves the logits by ~1e-5).
          const noise = maxAbs(fixture.expected.logits, fixture.expected.logits_float64);
          expect(maxAbs(rows, fixture.expected.logits)).toBeLessThan(Math.max(1e-6, 10 * noise));
          expect(
            maxAbs((await pooled!.array()) as number[][], fixture.expected.classifier_input.values),
          ).toBeLessThan(1e-4);
          tf.dispose([x, logits, pooled!]);
          model.dispose();
        });

        it('matches the embeddings, the position table and every layer’s hidden-state statistics', async () => {
          const model = await loadFixtureModel(fixture);
          const c = model.config;
          const x = inputOf(fixture);
          const table = sinusoidTable(sequenceLength(c), c.hidden_size);
          expectSummaryClose(
            summarize(table, [1, sequenceLength(c), c.hidden_size]),
            fixture.expected.position_embeddings,
            'position table',
          );
          const projection = 'videomae.embeddings.patch_embeddings.projection';
          const patches = tf.tidy(() =>
            tf.reshape(
              patchEmbed(
                x,
                model.params.get(`${projection}.weight`)!,
                model.params.get(`${projection}.bias`)!,
                c.tubelet_size,
                c.patch_size,
              ),
              [x.shape[0], sequenceLength(c), c.hidden_size],
            ),
          );
          expectSummaryClose(
            await summaryOf(patches),
            fixture.expected.patch_embeddings_before_pos,
            'patch embeddings',
          );
          const { logits, hiddenStates } = model.forward(x, { outputHiddenStates: true });
          expect(hiddenStates).toHaveLength(fixture.expected.hidden_states.length);
          for (const expected of fixture.expected.hidden_states) {
            expectSummaryClose(
              await summaryOf(hiddenStates![expected.index]!),
              expected,
              `hidden_states[${expected.index}]`,
            );
          }
          if (c.use_mean_pooling)
            expectSummaryClose(
              await summaryOf(hiddenStates!.at(-1)!),
              fixture.expected.last_hidden_state,
              'last_hidden_state',
            );
          tf.dispose([x, patches, logits, ...hiddenStates!]);
          model.dispose();
        });

        it('gives the integer-label and soft-label cross-entropy within 1e-5', async () => {
          const model = await loadFixtureModel(fixture);
          const x = inputOf(fixture);
          const { logits } = model.forward(x);
          const intLoss = intLabelLoss(logits, fixture.meta.labels!);
          const softLoss = softLabelLoss(logits, fixture.meta.soft_labels!);
          expect(
            Math.abs((await intLoss.data())[0]! - fixture.expected.loss.int_labels_hf_cross_entropy),
          ).toBeLessThan(1e-5);
          expect(
            Math.abs((await softLoss.data())[0]! - fixture.expected.loss.soft_labels_cross_entropy),
          ).toBeLessThan(1e-5);
          // The float64 formula on our logits agrees too (guards the test's own loss).
          const rows = (await logits.array()) as number[][];
          expect(
            Math.abs(
              softCrossEntropy(rows, fixture.meta.soft_labels!) -
                fixture.expected.loss.soft_labels_cross_entropy,
            ),
          ).toBeLessThan(1e-5);
          tf.dispose([x, logits, intLoss, softLoss]);
          model.dispose();
        });

        for (const kind of ['int_labels', 'soft_labels'] as const) {
          it(`matches gradient norms and the logits after one Adam step (${kind})`, async () => {
            const model = await loadFixtureModel(fixture);
            const x = inputOf(fixture);
            const expected = fixture.expected.training[kind];
            const lossFn = (): tf.Scalar => {
              const { logits } = model.forward(x, { training: true, seed: 1 });
              return kind === 'int_labels'
                ? intLabelLoss(logits, fixture.meta.labels!)
                : softLabelLoss(logits, fixture.meta.soft_labels!);
            };
            const variables = model.trainableVariables();
            const { value, grads } = tf.variableGrads(lossFn, variables);
            expect(Math.abs((await value.data())[0]! - expected.loss)).toBeLessThan(1e-5);
            const names = new Map([...model.params].map(([name, v]) => [v.name, name]));
            const byHfName = new Map(Object.entries(grads).map(([id, g]) => [names.get(id)!, g]));
            for (const [name, l2] of Object.entries(expected.grad_l2)) {
              const grad = byHfName.get(name);
              expect(grad, name).toBeDefined();
              const norm = (await tf.norm(grad!).data())[0]!;
              expect(Math.abs(norm - l2) / l2, `grad_l2 ${name}: ${norm} vs ${l2}`).toBeLessThan(1e-3);
            }
            const optimizer = tf.train.adam(4e-4, 0.9, 0.999, 1e-8);
            optimizer.applyGradients(Object.entries(grads).map(([name, tensor]) => ({ name, tensor })));
            for (const [name, l2] of Object.entries(expected.param_l2_after_adam_step)) {
              const norm = (await tf.norm(model.params.get(name)!).data())[0]!;
              expect(Math.abs(norm - l2) / l2, `param_l2_after ${name}`).toBeLessThan(1e-5);
            }
            const { logits } = model.forward(x);
            expect(
              maxAbs((await logits.array()) as number[][], expected.logits_after_adam_step),
            ).toBeLessThan(1e-3);
            tf.dispose([x, logits, value, ...Object.values(grads)]);
            optimizer.dispose();
            model.dispose();
          });
        }
      });
    }
  });

describe('VideoMAEForVideoClassification memory and training-time behaviour', () => {
  const tiny = (overrides: Partial<VideoMAEConfig> = {}): VideoMAEConfig => ({
    ...presetConfig('tiny', { num_frames: 4, image_size: 32 }, ['a', 'b', 'c']),
    hidden_size: 32,
    intermediate_size: 48,
    patch_size: 8,
    ...overrides,
  });
  const randomInput = (batch: number, c: VideoMAEConfig): tf.Tensor5D =>
    tf.randomNormal([batch, c.num_frames, c.num_channels, c.image_size, c.image_size], 0, 1, 'float32', 7);

  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('leaves no tensor behind after a forward pass or a training step', async () => {
    const config = tiny({ hidden_dropout_prob: 0.1, attention_probs_dropout_prob: 0.1, drop_path_rate: 0.2 });
    const model = VideoMAEForVideoClassification.create(config, { seed: 3 });
    const x = randomInput(2, config);
    const optimizer = tf.train.adam(1e-3);
    const step = (seed: number): void => {
      const { value, grads } = tf.variableGrads(() => {
        const { logits } = model.forward(x, { training: true, seed });
        return intLabelLoss(logits, [0, 2]);
      }, model.trainableVariables());
      optimizer.applyGradients(Object.entries(grads).map(([name, tensor]) => ({ name, tensor })));
      tf.dispose([value, ...Object.values(grads)]);
    };
    step(0); // creates the optimizer's moment variables
    const before = tf.memory().numTensors;
    const out = model.forward(x, { outputHiddenStates: true, outputPooled: true });
    tf.dispose([out.logits, out.pooled!, ...out.hiddenStates!]);
    expect(tf.memory().numTensors).toBe(before);
    step(1);
    expect(tf.memory().numTensors).toBe(before);
    optimizer.dispose();
    const withModel = tf.memory().numTensors;
    model.dispose();
    x.dispose();
    expect(withModel - tf.memory().numTensors).toBe(model.params.size + 2);
  });

  it('initialises like HF _init_weights, reproducibly from the seed', async () => {
    const config = tiny({ num_hidden_layers: 2 });
    const a = VideoMAEForVideoClassification.create(config, { seed: 5 });
    const b = VideoMAEForVideoClassification.create(config, { seed: 5 });
    const c = VideoMAEForVideoClassification.create(config, { seed: 6 });
    const wa = await a.getWeights();
    const wb = await b.getWeights();
    const wc = await c.getWeights();
    const q = 'videomae.encoder.layer.1.attention.attention.query.weight';
    expect(wa.get(q)!.data).toEqual(wb.get(q)!.data);
    expect(wa.get(q)!.data).not.toEqual(wc.get(q)!.data);
    const big = wa.get('videomae.encoder.layer.0.intermediate.dense.weight')!.data;
    const s = summarize(big, [big.length]);
    expect(Math.abs(s.mean)).toBeLessThan(0.002);
    expect(s.std).toBeGreaterThan(0.019);
    expect(s.std).toBeLessThan(0.021);
    expect([...wa.get('videomae.encoder.layer.0.intermediate.dense.bias')!.data].every((v) => v === 0)).toBe(
      true,
    );
    expect([...wa.get('fc_norm.weight')!.data].every((v) => v === 1)).toBe(true);
    expect(
      [...wa.get('videomae.encoder.layer.0.attention.attention.q_bias')!.data].every((v) => v === 0),
    ).toBe(true);
    expect(a.parameterCount()).toBe([...wa.values()].reduce((n, w) => n + w.data.length, 0));
    [a, b, c].forEach((m) => m.dispose());
  });

  it('is deterministic in eval, and training-mode dropout is seeded and off at rate 0', async () => {
    const plain = VideoMAEForVideoClassification.create(tiny(), { seed: 1 });
    const x = randomInput(2, plain.config);
    const evalLogits = await plain.forward(x).logits.data();
    const trainNoDropout = await plain.forward(x, { training: true, seed: 9 }).logits.data();
    expect([...trainNoDropout]).toEqual([...evalLogits]);
    plain.dispose();

    const config = tiny({ hidden_dropout_prob: 0.3, attention_probs_dropout_prob: 0.2 });
    const model = VideoMAEForVideoClassification.create(config, { seed: 1 });
    const e1 = await model.forward(x).logits.data();
    const e2 = await model.forward(x, { training: false, seed: 4 }).logits.data();
    expect([...e1]).toEqual([...e2]);
    const t1 = await model.forward(x, { training: true, seed: 4 }).logits.data();
    const t2 = await model.forward(x, { training: true, seed: 4 }).logits.data();
    const t3 = await model.forward(x, { training: true, seed: 5 }).logits.data();
    expect([...t1]).toEqual([...t2]);
    expect([...t1]).not.toEqual([...t3]);
    expect([...t1]).not.toEqual([...e1]);
    model.dispose();
    x.dispose();
  });

  it('drops whole residual branches per sample with linearly increasing drop-path rates', async () => {
    // Two layers with drop_path_rate 0.99: layer 0 has rate 0, layer 1 rate 0.99, so (almost) every sample
    // skips both branches of layer 1 and its output equals its input, bit for bit.
    const config = tiny({ num_hidden_layers: 2, drop_path_rate: 0.99 });
    const model = VideoMAEForVideoClassification.create(config, { seed: 2 });
    const x = randomInput(4, config);
    const { hiddenStates } = model.forward(x, { training: true, seed: 11, outputHiddenStates: true });
    const [, afterLayer0, afterLayer1] = await Promise.all(
      hiddenStates!.map((h) => h.array() as Promise<number[][][]>),
    );
    const kept = afterLayer1!.filter(
      (sample, b) => JSON.stringify(sample) !== JSON.stringify(afterLayer0![b]),
    );
    expect(kept.length).toBeLessThanOrEqual(1);
    const evalStates = model.forward(x, { outputHiddenStates: true }).hiddenStates!;
    expect(JSON.stringify(await evalStates[2]!.array())).not.toBe(
      JSON.stringify(await evalStates[1]!.array()),
    );
    model.dispose();
  });

  it('supports every configured activation and both pooling heads, without qkv bias too', async () => {
    for (const hidden_act of ['gelu_new', 'quick_gelu', 'relu', 'silu', 'mish', 'gelu_fast']) {
      const model = VideoMAEForVideoClassification.create(
        tiny({ hidden_act, use_mean_pooling: false, qkv_bias: false }),
        { seed: 1 },
      );
      expect(model.params.has('videomae.layernorm.weight')).toBe(true);
      expect(model.params.has('fc_norm.weight')).toBe(false);
      expect([...model.params.keys()].some((k) => k.endsWith('q_bias'))).toBe(false);
      const x = randomInput(1, model.config);
      const logits = await model.forward(x).logits.data();
      expect(logits.every(Number.isFinite)).toBe(true);
      model.dispose();
      x.dispose();
    }
  });

  it('refuses input that does not fit the config, naming the expected layout', () => {
    const model = VideoMAEForVideoClassification.create(tiny(), { seed: 1 });
    const wrong = tf.zeros([1, 3, 4, 32, 32]) as tf.Tensor5D;
    expect(() => model.forward(wrong)).toThrow(InputShapeError);
    expect(() => model.forward(wrong)).toThrow(/\[batch, 4, 3, 32, 32\]/);
    model.dispose();
  });
});
