import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installWasmSliceKernels } from './wasm-slice.ts';

type Case = (x: tf.Tensor) => tf.Tensor | tf.Tensor[];

/** Each case's result on wasm (with the replacement kernels) and on cpu, as plain arrays with shapes. */
async function onBoth(
  shape: number[],
  dtype: 'float32' | 'int32' | 'bool',
  op: Case,
): Promise<{ wasm: unknown; cpu: unknown }> {
  const size = shape.reduce((a, b) => a * b, 1);
  const values = Array.from({ length: size }, (_, i) => (dtype === 'bool' ? i % 3 === 0 : i * 7 - 5));
  const results: Record<string, unknown> = {};
  for (const backend of ['wasm', 'cpu']) {
    await tf.setBackend(backend);
    const x = tf.tensor(values as number[] | boolean[], shape, dtype);
    const out = op(x);
    const pieces = Array.isArray(out) ? out : [out];
    results[backend] = await Promise.all(
      pieces.map(async (t) => ({ shape: t.shape, data: await t.array() })),
    );
    tf.dispose([x, ...pieces]);
  }
  return { wasm: results.wasm, cpu: results.cpu };
}

describe('in-place Slice / Unpack / SplitV on the wasm backend', () => {
  beforeAll(async () => {
    setWasmPaths(new URL('../../node_modules/@tensorflow/tfjs-backend-wasm/dist/', import.meta.url).pathname);
    await tf.setBackend('wasm');
    installWasmSliceKernels();
    installWasmSliceKernels();
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  const cases: [string, number[], Case][] = [
    ['a contiguous block', [4, 3, 5], (x) => tf.slice(x, [1, 0, 0], [2, 3, 5])],
    ['rows and columns of a matrix', [6, 7], (x) => tf.slice(x, [2, 3], [3, 4])],
    ['an inner window of rank 3', [4, 5, 6], (x) => tf.slice(x, [1, 2, 3], [2, 2, 2])],
    ['rank 5 with -1 sizes', [2, 3, 4, 3, 2], (x) => tf.slice(x, [1, 1, 0, 1, 0], [-1, 2, -1, 2, 1])],
    ['a 1-d window', [9], (x) => tf.slice(x, [3], [4])],
    ['nothing (a zero size)', [4, 5], (x) => tf.slice(x, [1, 1], [0, 3])],
    ['unstack along axis 0', [5, 3, 4], (x) => tf.unstack(x)],
    ['unstack along an inner axis', [3, 4, 2], (x) => tf.unstack(x, 1)],
    ['unstack along the last axis', [2, 3, 4], (x) => tf.unstack(x, -1)],
    ['split into equal parts', [6, 4], (x) => tf.split(x, 3, 0)],
    ['split by sizes on an inner axis', [3, 7, 2], (x) => tf.split(x, [2, -1, 1], 1)],
  ];

  for (const [name, shape, op] of cases) {
    for (const dtype of ['float32', 'int32', 'bool'] as const) {
      it(`${name} (${dtype}) equals the cpu backend`, async () => {
        const { wasm, cpu } = await onBoth(shape, dtype, op);
        expect(wasm).toEqual(cpu);
      });
    }
  }

  it('leaves string tensors to the stock kernels', async () => {
    await tf.setBackend('wasm');
    const words = tf.tensor(['a', 'b', 'c', 'd', 'e', 'f'], [3, 2], 'string');
    const pieces = [tf.slice(words, [1, 0], [2, 1]), ...tf.unstack(words)];
    expect(await Promise.all(pieces.map((t) => t.array()))).toEqual([
      [['c'], ['e']],
      ['a', 'b'],
      ['c', 'd'],
      ['e', 'f'],
    ]);
    tf.dispose([words, ...pieces]);
  });

  it('is what the wasm backend runs once installed, and slices are differentiable', async () => {
    await tf.setBackend('wasm');
    expect(tf.getKernel('Slice', 'wasm')!.kernelFunc.name).not.toBe('slice');
    const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
    const grad = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.slice(t, [0, 1], [2, 2]), 2)))(x);
    expect(await grad.array()).toEqual([
      [0, 2, 2],
      [0, 2, 2],
    ]);
    tf.dispose([x, grad]);
  });
});
