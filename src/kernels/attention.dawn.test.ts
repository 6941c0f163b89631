/**
 * The fused WebGPU attention against tfjs's stock ops on a real WebGPU device in Node: Dawn (the `webgpu`
 * package), on its OpenGL ES backend, which Mesa's llvmpipe serves on a machine with no GPU. Needs Mesa's
 * EGL and GLES (Debian: libegl1 libegl-mesa0 libgl1-mesa-dri); the error says so when missing.
 */
import * as tf from '@tensorflow/tfjs-core';
import { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { create, globals } from 'webgpu';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attentionPath, fusedAttention, stockAttention } from './attention.ts';
import { Rng } from '../util/rng.ts';

function random(rng: Rng, shape: [number, number, number, number]): tf.Tensor4D {
  return tf.tensor4d(
    Float32Array.from({ length: shape.reduce((a, b) => a * b) }, () => rng.normal()),
    shape,
  );
}

async function maxDiff(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  const [x, y] = await Promise.all([a.data(), b.data()]);
  let max = 0;
  for (let i = 0; i < x.length; i++) max = Math.max(max, Math.abs(x[i]! - y[i]!));
  return max;
}

describe('fused attention on Dawn (OpenGL ES, compatibility level)', () => {
  beforeAll(async () => {
    process.env.EGL_PLATFORM ??= 'surfaceless';
    Object.assign(globalThis, globals);
    const gpu = create(['backend=opengles']);
    // WebGPUBackend refuses to start without navigator.gpu; Node 21+ has a navigator behind a getter.
    Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
    const adapter = await gpu.requestAdapter({ featureLevel: 'compatibility' });
    if (!adapter)
      throw new Error(
        'Dawn found no OpenGL ES adapter: install Mesa EGL/GLES (libegl1 libegl-mesa0 libgl1-mesa-dri)',
      );
    const device = await adapter.requestDevice({
      requiredLimits: { maxComputeWorkgroupStorageSize: adapter.limits.maxComputeWorkgroupStorageSize },
    });
    tf.registerBackend('webgpu', () => new WebGPUBackend(device, adapter.info));
    expect(await tf.setBackend('webgpu')).toBe(true);
  });

  afterAll(() => {
    tf.removeBackend('webgpu');
  });

  it('takes the fused path and matches the stock ops, forward and gradients', async () => {
    const rng = new Rng('attention-dawn');
    for (const [shape, keys] of [
      [[1, 2, 17, 16], 17],
      [[1, 1, 9, 64], 9],
    ] as const) {
      const q = random(rng, [...shape]);
      const k = random(rng, [shape[0], shape[1], keys, shape[3]]);
      const v = random(rng, [shape[0], shape[1], keys, shape[3]]);
      expect(attentionPath(q, k, v)).toBe('fused');
      expect(await maxDiff(fusedAttention(q, k, v), stockAttention(q, k, v))).toBeLessThan(1e-4);
      // A weighted sum, so that each output element's gradient differs.
      const w = random(rng, [...shape]);
      const loss =
        (f: typeof stockAttention) =>
        (...[a, b, c]: tf.Tensor[]) =>
          tf.sum(tf.mul(f(a as tf.Tensor4D, b as tf.Tensor4D, c as tf.Tensor4D), w));
      const fused = tf.grads(loss(fusedAttention))([q, k, v]);
      const stock = tf.grads(loss(stockAttention))([q, k, v]);
      for (let i = 0; i < 3; i++) expect(await maxDiff(fused[i]!, stock[i]!)).toBeLessThan(1e-3);
    }
    // llvmpipe compiles each program on first use, slowly on a busy machine.
  }, 240_000);
});
