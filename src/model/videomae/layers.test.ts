import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { layerNorm, linear } from './layers.ts';

async function maxDiff(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  const d = tf.max(tf.abs(tf.sub(a, b)));
  const value = (await d.data())[0]!;
  d.dispose();
  return value;
}

/** The textbook forms, differentiated by tfjs itself. */
function referenceLayerNorm(x: tf.Tensor2D, w: tf.Tensor, b: tf.Tensor, eps: number): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, eps))), w), b);
}

for (const backend of ['cpu', 'wasm']) {
  describe(`layers on ${backend}`, () => {
    it('layerNorm matches the composed form, values and all three gradients', async () => {
      await tf.setBackend(backend);
      const x = tf.randomNormal([7, 24], 0.5, 2, 'float32', 1) as tf.Tensor2D;
      const w = tf.randomNormal([24], 1, 0.3, 'float32', 2);
      const b = tf.randomNormal([24], 0, 0.3, 'float32', 3);
      const dy = tf.randomNormal([7, 24], 0, 1, 'float32', 4);
      const loss =
        (f: typeof layerNorm | typeof referenceLayerNorm) => (xs: tf.Tensor, ws: tf.Tensor, bs: tf.Tensor) =>
          tf.sum(tf.mul(f(xs as tf.Tensor2D, ws, bs, 1e-5), dy));
      expect(await maxDiff(layerNorm(x, w, b, 1e-5), referenceLayerNorm(x, w, b, 1e-5))).toBeLessThan(2e-6);
      const ours = tf.grads(loss(layerNorm))([x, w, b]);
      const reference = tf.grads(loss(referenceLayerNorm))([x, w, b]);
      for (let i = 0; i < 3; i++)
        expect(await maxDiff(ours[i]!, reference[i]!), `grad ${i}`).toBeLessThan(2e-5);
    });

    it('linear matches x W^T + b, values and gradients (wasm takes the plain-matMul path)', async () => {
      await tf.setBackend(backend);
      const x = tf.randomNormal([9, 6], 0, 1, 'float32', 5) as tf.Tensor2D;
      const w = tf.randomNormal([4, 6], 0, 1, 'float32', 6);
      const b = tf.randomNormal([4], 0, 1, 'float32', 7);
      const dy = tf.randomNormal([9, 4], 0, 1, 'float32', 8);
      // The reference never uses matMul's transpose flags: the weight is transposed explicitly.
      const reference = (xs: tf.Tensor, ws: tf.Tensor, bs: tf.Tensor) =>
        tf.sum(tf.mul(tf.add(tf.matMul(xs as tf.Tensor2D, tf.transpose(ws) as tf.Tensor2D), bs), dy));
      const ours = (xs: tf.Tensor, ws: tf.Tensor, bs: tf.Tensor) =>
        tf.sum(tf.mul(linear(xs as tf.Tensor2D, ws, bs), dy));
      expect(
        await maxDiff(linear(x, w, b), tf.add(tf.matMul(x, tf.transpose(w) as tf.Tensor2D), b)),
      ).toBeLessThan(1e-5);
      const g1 = tf.grads(ours)([x, w, b]);
      const g2 = tf.grads(reference)([x, w, b]);
      for (let i = 0; i < 3; i++) expect(await maxDiff(g1[i]!, g2[i]!), `grad ${i}`).toBeLessThan(1e-5);
      const noBias = tf.grads((xs: tf.Tensor, ws: tf.Tensor) =>
        tf.sum(tf.mul(linear(xs as tf.Tensor2D, ws), dy)),
      )([x, w]);
      expect(await maxDiff(noBias[1]!, g2[1]!)).toBeLessThan(1e-5);
    });
  });
}
