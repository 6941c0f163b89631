import * as tf from '@tensorflow/tfjs-core';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  hardTargetCrossEntropy,
  LossError,
  mixedTargets,
  smoothOneHot,
  softTargetCrossEntropy,
} from './losses.ts';
import { maxScaledError, type LossReference } from './testdata/reference.ts';

const FIXTURE = new URL('../../../shared/fixtures/videomae/tiny_cls_meanpool/', import.meta.url);
const readJson = <T>(url: URL): T => JSON.parse(readFileSync(url, 'utf8')) as T;

interface FixtureExpected {
  logits: number[][];
  loss: { int_labels_hf_cross_entropy: number; soft_labels_cross_entropy: number };
}
interface FixtureMeta {
  labels: number[];
  soft_labels: number[][];
  num_labels: number;
}

const reference = readJson<LossReference>(new URL('./testdata/loss_reference.json', import.meta.url));

async function scalar(t: tf.Tensor): Promise<number> {
  const value = (await t.data())[0]!;
  t.dispose();
  return value;
}

describe('cross-entropy', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it("matches HF's losses on the tiny_cls_meanpool fixture's logits", async () => {
    const expected = readJson<FixtureExpected>(new URL('expected.json', FIXTURE));
    const meta = readJson<FixtureMeta>(new URL('meta.json', FIXTURE));
    const logits = tf.tensor2d(expected.logits);
    const hard = await scalar(hardTargetCrossEntropy(logits, meta.labels));
    expect(Math.abs(hard - expected.loss.int_labels_hf_cross_entropy)).toBeLessThan(1e-5);
    const soft = await scalar(softTargetCrossEntropy(logits, tf.tensor2d(meta.soft_labels)));
    expect(Math.abs(soft - expected.loss.soft_labels_cross_entropy)).toBeLessThan(1e-5);
    logits.dispose();
  });

  for (const testCase of reference.cases) {
    it(`matches torch for ${testCase.name} (loss and gradient)`, async () => {
      const logits = tf.tensor2d(reference.logits, reference.logits_shape);
      const lossOf = (x: tf.Tensor) => {
        const x2 = x as tf.Tensor2D;
        if (testCase.target_kind === 'int') {
          return hardTargetCrossEntropy(x2, testCase.target as number[], testCase.smoothing ?? 0);
        }
        // Our own targets from the labels, not torch's: this checks mixedTargets as well.
        const paired = [...reference.labels].reverse();
        const targets = mixedTargets(
          reference.labels,
          paired,
          testCase.lam!,
          reference.num_classes,
          testCase.smoothing,
        );
        return softTargetCrossEntropy(x2, targets);
      };
      const { value, grad } = tf.valueAndGrad(lossOf)(logits);
      const loss = await scalar(value);
      expect(Number.isFinite(loss)).toBe(true);
      expect(Math.abs(loss - testCase.loss) / testCase.loss).toBeLessThan(1e-6);
      // softmax - target cancels where they nearly agree: a couple of ulps of the row's larger entries.
      expect(maxScaledError(await grad.data(), testCase.grad_logits)).toBeLessThan(4e-6);
      [logits, grad].forEach((t) => t.dispose());
    });
  }

  it('builds the smoothed, mixed targets timm builds', async () => {
    for (const testCase of reference.cases.filter((c) => c.target_kind === 'soft')) {
      const paired = [...reference.labels].reverse();
      const targets = mixedTargets(
        reference.labels,
        paired,
        testCase.lam!,
        reference.num_classes,
        testCase.smoothing,
      );
      expect(maxScaledError(await targets.data(), (testCase.target as number[][]).flat())).toBeLessThan(1e-6);
      targets.dispose();
    }
  });

  it('label smoothing keeps rows summing to 1 with eps / C off the label', async () => {
    const targets = smoothOneHot([0, 3], 4, 0.2);
    const values = Array.from(await targets.data());
    expect(values).toEqual([0.85, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.85].map(Math.fround));
    targets.dispose();
  });

  it('stays finite for logits far outside exp() range', async () => {
    const logits = tf.tensor2d([[3e4, -3e4, 0]]);
    expect(await scalar(hardTargetCrossEntropy(logits, [1]))).toBeCloseTo(6e4, 0);
    expect(await scalar(hardTargetCrossEntropy(logits, [0]))).toBe(0);
    logits.dispose();
  });

  it('names bad labels and shapes', () => {
    const logits = tf.zeros([2, 3]) as tf.Tensor2D;
    expect(() => hardTargetCrossEntropy(logits, [0, 3])).toThrow(/label 3 at batch index 1/);
    expect(() => hardTargetCrossEntropy(logits, [0])).toThrow(/1 labels for a batch of 2/);
    expect(() => softTargetCrossEntropy(logits, tf.zeros([2, 4]) as tf.Tensor2D)).toThrow(LossError);
    expect(() => smoothOneHot([0], 3, 1)).toThrow(/smoothing/);
    logits.dispose();
  });

  it('leaks no tensors', () => {
    const logits = tf.randomNormal([4, 5]) as tf.Tensor2D;
    const before = tf.memory().numTensors;
    for (let i = 0; i < 10; i++) {
      hardTargetCrossEntropy(logits, [0, 1, 2, 3], 0.1).dispose();
      mixedTargets([0, 1, 2, 3], [3, 2, 1, 0], [0.1, 0.2, 0.3, 0.4], 5, 0.1).dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    logits.dispose();
  });
});
