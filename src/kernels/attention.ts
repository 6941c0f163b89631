/**
 * Scaled dot-product attention, the one function the model calls for it: softmax(q k^T / sqrt(d)) v.
 *
 * Shapes: q, k, v are [batch, heads, tokens, headDim]; the result has q's shape. The stock path below is
 * the reference and runs on every backend; on WebGPU a fused kernel that never materialises the
 * tokens x tokens matrix can replace it (see the attention issue) without the model changing.
 */
import * as tf from '@tensorflow/tfjs-core';

export interface AttentionOptions {
  /** Use a fused GPU kernel when one is available for the active backend (default true). */
  fused?: boolean;
  /** Dropout on the attention probabilities (training only); forces the stock path. */
  dropoutRate?: number;
  /** Seed for the dropout mask, so that a run is reproducible. */
  dropoutSeed?: number;
}

/** The reference implementation with stock tfjs ops. */
export function stockAttention(
  q: tf.Tensor4D,
  k: tf.Tensor4D,
  v: tf.Tensor4D,
  options: AttentionOptions = {},
): tf.Tensor4D {
  return tf.tidy(() => {
    const scale = 1 / Math.sqrt(q.shape[3]);
    const scores = tf.matMul(tf.mul(q, scale), k, false, true);
    let probs: tf.Tensor = tf.softmax(scores, -1);
    const rate = options.dropoutRate ?? 0;
    if (rate > 0) probs = tf.dropout(probs, rate, undefined, options.dropoutSeed);
    return tf.matMul(probs, v) as tf.Tensor4D;
  });
}

export function attention(
  q: tf.Tensor4D,
  k: tf.Tensor4D,
  v: tf.Tensor4D,
  options: AttentionOptions = {},
): tf.Tensor4D {
  return stockAttention(q, k, v, options);
}
