import * as tf from '@tensorflow/tfjs-core';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { clipByGlobalNorm, disposeAll, globalNorm, GradientAccumulator, GradientError } from './gradients.ts';
import { maxScaledError, type OptimizerReference } from './testdata/reference.ts';

const reference = JSON.parse(
  readFileSync(new URL('./testdata/optimizer_reference.json', import.meta.url), 'utf8'),
) as OptimizerReference;

describe('gradient clipping (torch.nn.utils.clip_grad_norm_)', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  for (const [index, clipCase] of reference.clip_cases.entries()) {
    it(`case ${index}: max_norm ${clipCase.max_norm}, total norm ${clipCase.total_norm.toPrecision(4)}`, async () => {
      const grads = new Map(
        clipCase.grads.map((values, i) => [`g${i}`, tf.tensor(values, clipCase.shapes[i])]),
      );
      const { grads: clipped, totalNorm } = clipByGlobalNorm(grads, clipCase.max_norm);
      const norm = (await totalNorm.data())[0]!;
      expect(Math.abs(norm - clipCase.total_norm) / clipCase.total_norm).toBeLessThan(1e-6);
      for (const [i, expected] of clipCase.clipped.entries()) {
        expect(maxScaledError(await clipped.get(`g${i}`)!.data(), expected)).toBeLessThan(1e-6);
      }
      disposeAll(grads);
      disposeAll(clipped);
      totalNorm.dispose();
    });
  }

  it('uses the norm over all gradients together, not per tensor', async () => {
    const grads = new Map<string, tf.Tensor>([
      ['a', tf.tensor1d([3, 0])],
      ['b', tf.tensor2d([[0, 4]])],
    ]);
    const norm = globalNorm(grads);
    expect((await norm.data())[0]).toBeCloseTo(5, 6);
    const { grads: clipped, totalNorm } = clipByGlobalNorm(grads, 1);
    expect(Array.from(await clipped.get('a')!.data())[0]).toBeCloseTo(3 / (5 + 1e-6), 6);
    expect(Array.from(await clipped.get('b')!.data())[1]).toBeCloseTo(4 / (5 + 1e-6), 6);
    [norm, totalNorm].forEach((t) => t.dispose());
    disposeAll(grads);
    disposeAll(clipped);
  });

  it('refuses a non-positive max norm', () => {
    const grads = new Map([['a', tf.tensor1d([1])]]);
    expect(() => clipByGlobalNorm(grads, 0)).toThrow(GradientError);
    disposeAll(grads);
  });
});

describe('gradient accumulation', () => {
  it('sums or averages micro-batches and resets for the next step', async () => {
    const accumulator = new GradientAccumulator();
    for (const value of [1, 2, 6]) {
      const grads = new Map([['w', tf.fill([2, 2], value)]]);
      accumulator.add(grads);
      disposeAll(grads);
    }
    expect(accumulator.count).toBe(3);
    const mean = accumulator.take('mean');
    expect(Array.from(await mean.get('w')!.data())).toEqual([3, 3, 3, 3]);
    expect(accumulator.count).toBe(0);
    const grads = new Map([['w', tf.fill([2, 2], 5)]]);
    accumulator.add(grads);
    accumulator.add(grads);
    const sum = accumulator.take('sum');
    expect(Array.from(await sum.get('w')!.data())).toEqual([10, 10, 10, 10]);
    disposeAll(grads);
    disposeAll(mean);
    disposeAll(sum);
  });

  it('does not consume the caller’s gradients, and leaks nothing', async () => {
    const before = tf.memory().numTensors;
    const grads = new Map([['w', tf.ones([3])]]);
    const accumulator = new GradientAccumulator();
    for (let i = 0; i < 20; i++) accumulator.add(grads);
    expect(Array.from(await grads.get('w')!.data())).toEqual([1, 1, 1]);
    disposeAll(accumulator.take('mean'));
    accumulator.add(grads);
    accumulator.dispose();
    disposeAll(grads);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects micro-batches that name other parameters or change shape', () => {
    const accumulator = new GradientAccumulator();
    const first = new Map([['w', tf.ones([3])]]);
    const other = new Map([['v', tf.ones([3])]]);
    const reshaped = new Map([['w', tf.ones([4])]]);
    accumulator.add(first);
    expect(() => accumulator.add(other)).toThrow(/different parameters/);
    expect(() => accumulator.add(reshaped)).toThrow(/changed shape from \[3\] to \[4\]/);
    expect(() => new GradientAccumulator().take('mean')).toThrow(GradientError);
    [first, other, reshaped].forEach(disposeAll);
    accumulator.dispose();
  });
});
