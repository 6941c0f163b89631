import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { layerNorm } from './layer-norm.ts';
import { Rng } from '../util/rng.ts';

/** nn.LayerNorm in float64: biased variance, eps inside the square root. */
function layerNorm64(x: number[], gamma: number[], beta: number[], eps: number): number[] {
  const mean = x.reduce((a, b) => a + b, 0) / x.length;
  const variance = x.reduce((a, b) => a + (b - mean) ** 2, 0) / x.length;
  return x.map((v, i) => ((v - mean) / Math.sqrt(variance + eps)) * gamma[i]! + beta[i]!);
}

describe('layerNorm (cpu backend: the composed path)', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  const rng = new Rng('layer-norm');
  const rows = 3;
  const cols = 10;
  const x = Array.from({ length: rows * cols }, () => 5 + 3 * rng.normal());
  const gamma = Array.from({ length: cols }, () => 1 + 0.3 * rng.normal());
  const beta = Array.from({ length: cols }, () => rng.normal());

  it('matches nn.LayerNorm row by row (eps 1e-12 and 1e-5)', async () => {
    for (const eps of [1e-12, 1e-5]) {
      const y = await layerNorm(
        tf.tensor2d(x, [rows, cols]),
        tf.tensor1d(gamma),
        tf.tensor1d(beta),
        eps,
      ).data();
      for (let r = 0; r < rows; r++) {
        const expected = layerNorm64(x.slice(r * cols, (r + 1) * cols), gamma, beta, eps);
        expected.forEach((e, c) => expect(y[r * cols + c]!).toBeCloseTo(e, 5));
      }
    }
  });

  it('has the gradients of the float64 definition (central differences)', async () => {
    const dy = Array.from({ length: rows * cols }, () => rng.normal());
    const loss = (xs: number[], g: number[], b: number[]) =>
      Array.from({ length: rows }, (_, r) =>
        layerNorm64(xs.slice(r * cols, (r + 1) * cols), g, b, 1e-5).reduce(
          (s, v, c) => s + v * dy[r * cols + c]!,
          0,
        ),
      ).reduce((a, b) => a + b, 0);
    const [dx, dgamma, dbeta] = tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(layerNorm(a, g, b, 1e-5), tf.tensor2d(dy, [rows, cols]))),
    )([tf.tensor2d(x, [rows, cols]), tf.tensor1d(gamma), tf.tensor1d(beta)]);
    const h = 1e-4;
    const numeric = (which: 0 | 1 | 2, i: number) => {
      const args = [x, gamma, beta].map((a) => [...a]);
      args[which]![i]! += h;
      const plus = loss(args[0]!, args[1]!, args[2]!);
      args[which]![i]! -= 2 * h;
      return (plus - loss(args[0]!, args[1]!, args[2]!)) / (2 * h);
    };
    const grads = [await dx!.data(), await dgamma!.data(), await dbeta!.data()];
    for (const which of [0, 1, 2] as const) {
      for (const i of [0, 3, 7]) expect(grads[which]![i]!).toBeCloseTo(numeric(which, i), 3);
    }
  });
});
