/**
 * The building blocks of the encoder, on 2-D activations [rows, features] so that every linear layer is a
 * single matMul (no reshapes between layers).
 */
import * as tf from '@tensorflow/tfjs-core';

/** nn.Linear: x W^T + b with PyTorch's weight layout [out, in], as one fused kernel where the backend has it. */
export function linear(x: tf.Tensor2D, weight: tf.Tensor, bias?: tf.Tensor): tf.Tensor2D {
  // tfjs-backend-wasm 4.22's _FusedMatMul adds the bias wrongly when transposeB is set (off by O(1)), so
  // wasm gets the bias as a separate add.
  if (bias && tf.getBackend() === 'wasm')
    return tf.tidy(() => tf.add(tf.matMul(x, weight as tf.Tensor2D, false, true), bias)) as tf.Tensor2D;
  return tf.fused.matMul({ a: x, b: weight as tf.Tensor2D, transposeB: true, bias }) as tf.Tensor2D;
}

/** nn.LayerNorm over the last axis, with the biased (population) variance PyTorch uses. */
export function layerNorm(x: tf.Tensor, weight: tf.Tensor, bias: tf.Tensor, eps: number): tf.Tensor {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(x, -1, true);
    const normalised = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps)));
    return tf.add(tf.mul(normalised, weight), bias);
  });
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
