/** Harness suite: tfjs with every backend on the page, for kernel and model tests. */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { activate } from '../../../src/worker/tf-runtime.ts';
import type { BackendName } from '../../../src/worker/backend.ts';
import { gelu, geluComposed } from '../../../src/kernels/gelu.ts';

export async function useBackend(backend: BackendName): Promise<string> {
  const error = await activate(backend);
  if (error) throw new Error(error);
  return tf.getBackend();
}

/** Fused WGSL GELU against the composed reference, values and gradients, on the active backend. */
export async function geluParity(values: number[]): Promise<{ maxValueDiff: number; maxGradDiff: number }> {
  const x = tf.tensor1d(values);
  const fused = gelu(x);
  const reference = geluComposed(x);
  const gradFused = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(gelu(t), t)))(x);
  const gradReference = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(geluComposed(t), t)))(x);
  const diff = async (a: tf.Tensor, b: tf.Tensor) => (await tf.max(tf.abs(tf.sub(a, b))).data())[0]!;
  const result = {
    maxValueDiff: await diff(fused, reference),
    maxGradDiff: await diff(gradFused, gradReference),
  };
  tf.dispose([x, fused, reference, gradFused, gradReference]);
  return result;
}
