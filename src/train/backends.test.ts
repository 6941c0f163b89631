/**
 * The training pieces on tfjs's wasm backend (what the app falls back to without a GPU) against cpu. The
 * browser spec e2e/dev/train.spec.ts does the same for webgpu and the browser's wasm.
 */
import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../util/rng.ts';
import { applyMix } from './cutmix.ts';
import { disposeAll } from './gradients.ts';
import { hardTargetCrossEntropy, mixedTargets } from './losses.ts';
import { planMix } from './mix-plan.ts';
import { AdamOptimizer } from './optimizers.ts';

async function onBackend<T>(backend: string, run: () => Promise<T>): Promise<T> {
  await tf.setBackend(backend);
  return run();
}

async function pieces(): Promise<Record<string, number[]>> {
  const rng = new Rng('backends');
  const out: Record<string, number[]> = {};
  const targets = mixedTargets([0, 3, 1], [1, 3, 0], [0.7, 1, 0.25], 4, 0.1);
  out['targets'] = Array.from(await targets.data());
  targets.dispose();

  const dims = { frames: 4, height: 6, width: 5 };
  const clips = tf.tensor5d(
    Float32Array.from({ length: 3 * 4 * 3 * 6 * 5 }, () => rng.normal()),
    [3, 4, 3, 6, 5],
  );
  const config = {
    mixupAlpha: 0.8,
    cutmixAlpha: 1,
    prob: 1,
    switchProb: 0.5,
    mode: 'elem' as const,
    cutmixMode: 'cube' as const,
    snapToGrid: false,
    grid: { patchSize: 2, tubeletSize: 2 },
    correctLam: true,
  };
  const mixed = applyMix(clips, [0, 1, 2], planMix(new Rng('plan'), config, 3, dims), 3, 0.1);
  out['mixed'] = Array.from(await mixed.inputs.data());
  out['mixed-targets'] = Array.from(await mixed.targets.data());
  tf.dispose([clips, mixed.inputs, mixed.targets]);

  const logits = tf.tensor2d([
    [2, -1, 0.5],
    [1000, 0, -1000],
  ]);
  const { value, grad } = tf.valueAndGrad((x: tf.Tensor) =>
    hardTargetCrossEntropy(x as tf.Tensor2D, [2, 1], 0.1),
  )(logits);
  out['loss'] = Array.from(await value.data());
  out['loss-grad'] = Array.from(await grad.data());
  tf.dispose([logits, value, grad]);

  const params = new Map<string, tf.Variable>([
    [
      'videomae.encoder.layer.0.output.dense.weight',
      tf.tidy(() =>
        tf.variable(
          tf.tensor2d([
            [0.5, -0.25],
            [1, 2],
          ]),
        ),
      ),
    ],
    ['classifier.bias', tf.tidy(() => tf.variable(tf.tensor1d([0.1, -0.3])))],
  ]);
  const optimizer = new AdamOptimizer(params, {
    kind: 'adamw',
    lr: 0.01,
    beta1: 0.9,
    beta2: 0.999,
    eps: 1e-8,
    weightDecay: 0.05,
    layerDecay: 0.75,
    schedule: { kind: 'linear', warmupSteps: 1, totalSteps: 4 },
  });
  for (let step = 0; step < 3; step++) {
    const grads = new Map<string, tf.Tensor>([
      [
        'videomae.encoder.layer.0.output.dense.weight',
        tf.tensor2d([
          [rng.normal(), rng.normal()],
          [1, -1],
        ]),
      ],
      ['classifier.bias', tf.tensor1d([rng.normal(), 0.5])],
    ]);
    optimizer.step(grads);
    disposeAll(grads);
  }
  for (const [name, p] of params) out[name] = Array.from(await p.data());
  optimizer.dispose();
  disposeAll(params);
  return out;
}

describe('training pieces on the wasm backend', () => {
  beforeAll(async () => {
    setWasmPaths(new URL('../../node_modules/@tensorflow/tfjs-backend-wasm/dist/', import.meta.url).pathname);
    // Initialising a backend allocates its own bookkeeping tensors: do it before counting ours.
    await tf.setBackend('wasm');
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('match cpu (CutMix pixel copies exactly)', async () => {
    const cpu = await onBackend('cpu', pieces);
    const cpuBefore = tf.memory().numTensors;
    await onBackend('cpu', pieces);
    expect(tf.memory().numTensors).toBe(cpuBefore);
    const before = tf.memory().numTensors;
    const wasm = await onBackend('wasm', pieces);
    expect(tf.getBackend()).toBe('wasm');
    expect(tf.memory().numTensors).toBe(before);
    for (const [key, expected] of Object.entries(cpu)) {
      const actual = wasm[key]!;
      expect(actual.length, key).toBe(expected.length);
      actual.forEach((v, i) =>
        expect(Math.abs(v - expected[i]!), `${key}[${i}]`).toBeLessThan(
          1e-5 * Math.max(1, Math.abs(expected[i]!)),
        ),
      );
    }
    expect(wasm['targets']!.slice(0, 4)).toEqual(cpu['targets']!.slice(0, 4));
    expect(Math.max(...wasm['targets']!)).toBeGreaterThan(0.9);
  });
});
