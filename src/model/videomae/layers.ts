/**
 * The building blocks of the encoder, on 2-D activations [rows, features] so that every linear layer is a
 * single matMul (no reshapes between layers).
 */
import * as tf from '@tensorflow/tfjs-core';

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
