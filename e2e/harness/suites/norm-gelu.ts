/**
 * Harness suite for the fused LayerNorm and bias + GELU programs: values and every gradient against the
 * composed tfjs ops, on the active backend.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { activate } from '../../../src/worker/tf-runtime.ts';
import type { BackendName } from '../../../src/worker/backend.ts';
import { layerNorm, layerNormComposed, layerNormIsFused } from '../../../src/kernels/layer-norm.ts';
import { biasGelu, biasGeluComposed, biasGeluIsFused } from '../../../src/kernels/gelu.ts';
import { Rng } from '../../../src/util/rng.ts';

export async function useBackend(backend: BackendName): Promise<string> {
  const error = await activate(backend);
  if (error) throw new Error(error);
  return tf.getBackend();
}

function random(rng: Rng, shape: number[], scale = 1, offset = 0): tf.Tensor {
  const values = Float32Array.from(
    { length: shape.reduce((a, b) => a * b, 1) },
    () => offset + scale * rng.normal(),
  );
  return tf.tensor(values, shape);
}

async function maxAbs(t: tf.Tensor): Promise<number> {
  const m = tf.max(tf.abs(t));
  const value = (await m.data())[0]!;
  m.dispose();
  return value;
}

export interface OpParity {
  /** Whether the fused programs ran (the comparison is vacuous otherwise). */
  fused: boolean;
  /** max |fused - composed| per output / gradient name. */
  maxDiff: Record<string, number>;
  /** max |composed| per name. */
  maxReference: Record<string, number>;
}

async function compare(
  names: string[],
  fusedUsed: boolean,
  fused: tf.Tensor[],
  reference: tf.Tensor[],
): Promise<OpParity> {
  const maxDiff: Record<string, number> = {};
  const maxReference: Record<string, number> = {};
  for (let i = 0; i < names.length; i++) {
    const d = tf.sub(fused[i]!, reference[i]!);
    maxDiff[names[i]!] = await maxAbs(d);
    maxReference[names[i]!] = await maxAbs(reference[i]!);
    d.dispose();
  }
  tf.dispose([...fused, ...reference]);
  return { fused: fusedUsed, maxDiff, maxReference };
}

/** LayerNorm over the last axis of `shape`; x has a per-row offset and scale, as residual streams do. */
export async function layerNormParity(shape: number[], epsilon: number, seed = 1): Promise<OpParity> {
  const rng = new Rng(seed);
  const cols = shape[shape.length - 1]!;
  const x = tf.add(tf.mul(random(rng, shape), random(rng, [...shape.slice(0, -1), 1], 2, 3)), 0.5);
  const gamma = random(rng, [cols], 0.5, 1);
  const beta = random(rng, [cols], 0.5);
  const dy = random(rng, shape);
  const run = (fused: boolean) => {
    const fn = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
      fused ? layerNorm(a, g, b, epsilon) : layerNormComposed(a, g, b, epsilon);
    const y = fn(x, gamma, beta);
    const grads = tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(fn(a, g, b), dy)))([
      x,
      gamma,
      beta,
    ]);
    return [y, ...grads];
  };
  const fusedUsed = layerNormIsFused(x, gamma, beta);
  const result = await compare(['y', 'dx', 'dgamma', 'dbeta'], fusedUsed, run(true), run(false));
  tf.dispose([x, gamma, beta, dy]);
  return result;
}

export async function biasGeluParity(shape: number[], seed = 2): Promise<OpParity> {
  const rng = new Rng(seed);
  const x = random(rng, shape, 2);
  const bias = random(rng, [shape[shape.length - 1]!]);
  const dy = random(rng, shape);
  const run = (fused: boolean) => {
    const fn = (a: tf.Tensor, b: tf.Tensor) => (fused ? biasGelu(a, b) : biasGeluComposed(a, b));
    const y = fn(x, bias);
    const grads = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(fn(a, b), dy)))([x, bias]);
    return [y, ...grads];
  };
  const result = await compare(['y', 'dx', 'dbias'], biasGeluIsFused(x, bias), run(true), run(false));
  tf.dispose([x, bias, dy]);
  return result;
}
