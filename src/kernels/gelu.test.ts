import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { biasGelu, gelu } from './gelu.ts';

/** erf in float64 by its Maclaurin series (converges fast for |x| <= 3). */
function erf64(x: number): number {
  let term = x;
  let sum = x;
  for (let n = 1; n < 80; n++) {
    term *= (-x * x) / n;
    sum += term / (2 * n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

describe('gelu (exact erf form, as HF hidden_act="gelu")', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('matches x * Phi(x) in float64 within float32 noise', async () => {
    const xs = Array.from({ length: 121 }, (_, i) => -6 + i * 0.1);
    const values = await gelu(tf.tensor1d(xs)).data();
    xs.forEach((x, i) => {
      const reference = 0.5 * x * (1 + erf64(x / Math.SQRT2));
      expect(Math.abs(values[i]! - reference), `x=${x}`).toBeLessThan(2e-6 * Math.max(1, Math.abs(x)));
    });
  });

  it('has the derivative Phi(x) + x phi(x)', async () => {
    const xs = [-2.5, -1, -0.2, 0, 0.3, 1.7];
    const grad = await tf
      .grad((x: tf.Tensor) => tf.sum(gelu(x)))(tf.tensor1d(xs))
      .data();
    xs.forEach((x, i) => {
      const reference =
        0.5 * (1 + erf64(x / Math.SQRT2)) + (x * Math.exp(-0.5 * x * x)) / Math.sqrt(2 * Math.PI);
      expect(grad[i]!).toBeCloseTo(reference, 5);
    });
  });
});

describe('biasGelu (cpu backend: the composed path)', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('is gelu(x + bias) with the bias over the last axis, and its bias gradient sums over rows', async () => {
    const x = tf.tensor2d([-1, 0.5, 2, 0, -3, 1], [2, 3]);
    const bias = tf.tensor1d([0.5, -0.5, 1]);
    const y = await biasGelu(x, bias).data();
    const shifted = [-0.5, 0, 3, 0.5, -3.5, 2];
    shifted.forEach((z, i) => expect(y[i]!).toBeCloseTo(0.5 * z * (1 + erf64(z / Math.SQRT2)), 6));
    const [dx, dbias] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(biasGelu(a, b)))([x, bias]);
    const slope = (z: number) =>
      0.5 * (1 + erf64(z / Math.SQRT2)) + (z * Math.exp(-0.5 * z * z)) / Math.sqrt(2 * Math.PI);
    const dxValues = await dx!.data();
    shifted.forEach((z, i) => expect(dxValues[i]!).toBeCloseTo(slope(z), 5));
    const dbiasValues = await dbias!.data();
    [0, 1, 2].forEach((c) =>
      expect(dbiasValues[c]!).toBeCloseTo(slope(shifted[c]!) + slope(shifted[c + 3]!), 5),
    );
  });
});
