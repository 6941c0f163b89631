/**
 * The MLP activation named by `config.hidden_act`, with the formulas of transformers' `ACT2FN`, so a
 * checkpoint trained with any of them computes what it computed in PyTorch.
 */
import * as tf from '@tensorflow/tfjs-core';
import { gelu } from '../../kernels/gelu.ts';
import type { HiddenActivation } from './config.ts';

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/** 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))): NewGELU / PytorchGELUTanh / AccurateGELU. */
function geluTanh(x: tf.Tensor, scale = SQRT_2_OVER_PI): tf.Tensor {
  const inner = tf.mul(tf.add(x, tf.mul(tf.mul(tf.mul(x, x), x), 0.044715)), scale);
  return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.tanh(inner)));
}

export interface ActivationOptions {
  /** Let `gelu` use its fused WGSL program on WebGPU (default true). */
  fused?: boolean;
}

export function activation(name: HiddenActivation, x: tf.Tensor, options: ActivationOptions = {}): tf.Tensor {
  return tf.tidy(() => {
    switch (name) {
      case 'gelu':
      case 'gelu_python':
        return gelu(x, { fused: options.fused ?? true });
      case 'gelu_new':
      case 'gelu_pytorch_tanh':
      case 'gelu_accurate':
        return geluTanh(x);
      case 'gelu_fast':
        // FastGELUActivation spells the constant out to 10 digits.
        return geluTanh(x, 0.7978845608);
      case 'quick_gelu':
        return tf.mul(x, tf.sigmoid(tf.mul(x, 1.702)));
      case 'relu':
        return tf.relu(x);
      case 'relu6':
        return tf.relu6(x);
      case 'leaky_relu':
        // nn.LeakyReLU's default negative slope.
        return tf.leakyRelu(x, 0.01);
      case 'silu':
      case 'swish':
        return tf.mul(x, tf.sigmoid(x));
      case 'mish':
        return tf.mul(x, tf.tanh(tf.softplus(x)));
      case 'tanh':
        return tf.tanh(x);
      case 'sigmoid':
        return tf.sigmoid(x);
      case 'linear':
        return tf.clone(x);
    }
  });
}
