/**
 * The building blocks of the encoder, on 2-D activations [rows, features] so that every linear layer is a
 * single matMul (no reshapes between layers).
 */
import * as tf from '@tensorflow/tfjs-core';
import { layerNorm as fusedLayerNorm, layerNormIsFused } from '../../kernels/layer-norm.ts';

/**
 * x W^T (+ b) from plain matMuls only. tfjs-backend-wasm (XNNPACK) runs matMul with transposeA or
 * transposeB 5-20x slower than without, and tfjs's own matMul gradient uses both flags; here the forward
 * transposes the (small) weight once and the backward transposes dy once, so all three matMuls are plain.
 */
const linearPlainWithBias = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [x, weight, bias] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
  const save = args[3] as tf.GradSaveFunc;
  save([x, weight]);
  return {
    value: tf.add(tf.matMul(x, tf.transpose(weight)), bias),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sx, sw] = saved as [tf.Tensor2D, tf.Tensor2D];
      const dy2 = dy as tf.Tensor2D;
      return [tf.matMul(dy2, sw), tf.matMul(tf.transpose(dy2), sx), tf.sum(dy2, 0)];
    },
  };
});

const linearPlain = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [x, weight] = args as [tf.Tensor2D, tf.Tensor2D];
  const save = args[2] as tf.GradSaveFunc;
  save([x, weight]);
  return {
    value: tf.matMul(x, tf.transpose(weight)),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sx, sw] = saved as [tf.Tensor2D, tf.Tensor2D];
      const dy2 = dy as tf.Tensor2D;
      return [tf.matMul(dy2, sw), tf.matMul(tf.transpose(dy2), sx)];
    },
  };
});

/** nn.Linear: x W^T + b with PyTorch's weight layout [out, in]. */
export function linear(x: tf.Tensor2D, weight: tf.Tensor, bias?: tf.Tensor): tf.Tensor2D {
  if (tf.getBackend() === 'wasm') {
    // (Also sidesteps tfjs-backend-wasm 4.22's _FusedMatMul, which adds the bias wrongly with transposeB.)
    return (bias ? linearPlainWithBias(x, weight, bias) : linearPlain(x, weight)) as tf.Tensor2D;
  }
  // One fused kernel (matMul + bias) where the GPU backends have it; transposeB is free in their shaders.
  return tf.fused.matMul({ a: x, b: weight as tf.Tensor2D, transposeB: true, bias }) as tf.Tensor2D;
}

/**
 * nn.LayerNorm over the features of [rows, features], with the biased (population) variance PyTorch uses.
 * The backward pass is written out (dx = rstd (g - mean(g) - x^ mean(g x^)), g = dy w) instead of being
 * derived through `moments`: less than half the kernels, which matters where each launch costs.
 */
export function layerNorm(x: tf.Tensor2D, weight: tf.Tensor, bias: tf.Tensor, eps: number): tf.Tensor2D {
  // On WebGPU one WGSL program does the forward and one the backward (src/kernels/layer-norm.ts).
  if (layerNormIsFused(x, weight, bias)) return fusedLayerNorm(x, weight, bias, eps) as tf.Tensor2D;
  const norm = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, w, b] = args as [tf.Tensor2D, tf.Tensor1D, tf.Tensor1D];
    const save = args[3] as tf.GradSaveFunc;
    const centred = tf.sub(input, tf.mean(input, -1, true));
    const rstd = tf.rsqrt(tf.add(tf.mean(tf.square(centred), -1, true), eps));
    const normalised = tf.mul(centred, rstd);
    save([normalised, rstd, w]);
    return {
      value: tf.add(tf.mul(normalised, w), b),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xhat, sr, sw] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
        const g = tf.mul(dy, sw);
        const dx = tf.mul(
          tf.sub(tf.sub(g, tf.mean(g, -1, true)), tf.mul(xhat, tf.mean(tf.mul(g, xhat), -1, true))),
          sr,
        );
        return [dx, tf.sum(tf.mul(dy, xhat), 0), tf.sum(dy, 0)];
      },
    };
  });
  return norm(x, weight, bias) as tf.Tensor2D;
}

/** Inverted dropout (nn.Dropout in training mode): keeps with probability 1 - rate, scales by 1 / (1 - rate). */
export function dropout(x: tf.Tensor, rate: number, seed: number): tf.Tensor {
  return rate > 0 ? tf.dropout(x, rate, undefined, seed) : x;
}

/**
 * Per-sample keep factors for stochastic depth (timm's `drop_path`): 0 for a dropped sample, 1 / keep
 * otherwise. `draw` gives one uniform number in [0, 1) per sample.
 */
export function dropPathFactors(batch: number, rate: number, draw: () => number): Float32Array {
  const keep = 1 - rate;
  const factors = new Float32Array(batch);
  for (let b = 0; b < batch; b++) factors[b] = draw() < keep ? 1 / keep : 0;
  return factors;
}
