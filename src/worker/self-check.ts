/**
 * A small, fixed computation that every backend must agree on: one attention-like block
 * (softmax(x W / sqrt(d)) V, then GELU). Same seeded inputs on each backend; results are compared with cpu.
 */
import * as tf from '@tensorflow/tfjs-core';
import { gelu } from '../kernels/gelu.ts';
import { Rng } from '../util/rng.ts';

export const SELF_CHECK_SHAPE = { rows: 8, dim: 16, out: 8 } as const;

function normalValues(rng: Rng, count: number): Float32Array {
  const values = new Float32Array(count);
  for (let i = 0; i < count; i++) values[i] = rng.normal();
  return values;
}

export async function selfCheckOp(): Promise<Float32Array> {
  const { rows, dim, out } = SELF_CHECK_SHAPE;
  const rng = new Rng('backend-self-check');
  const xs = normalValues(rng, rows * dim);
  const ws = normalValues(rng, dim * dim);
  const vs = normalValues(rng, dim * out);
  const result = tf.tidy(() => {
    const x = tf.tensor2d(xs, [rows, dim]);
    const w = tf.tensor2d(ws, [dim, dim]);
    const v = tf.tensor2d(vs, [dim, out]);
    const scores = tf.softmax(tf.div(tf.matMul(x, w), Math.sqrt(dim)));
    return gelu(tf.matMul(scores, v));
  });
  // Always read back asynchronously: WebGPU's synchronous readback returns zeros in a worker.
  const values = (await result.data()) as Float32Array;
  result.dispose();
  return Float32Array.from(values);
}
