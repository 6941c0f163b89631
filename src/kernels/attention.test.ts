import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import {
  FusedAttentionUnavailableError,
  attention,
  attentionPath,
  fusedAttention,
  fusedAttentionUnsupportedReason,
  stockAttention,
} from './attention.ts';
import { Rng } from '../util/rng.ts';

/** softmax(q k^T / sqrt(d)) v in float64, one (batch, head) matrix at a time. */
function attention64(
  q: ArrayLike<number>,
  k: ArrayLike<number>,
  v: ArrayLike<number>,
  shape: number[],
  keys: number,
): Float64Array {
  const [batch, heads, tokens, d] = shape as [number, number, number, number];
  const out = new Float64Array(batch * heads * tokens * d);
  for (let m = 0; m < batch * heads; m++) {
    for (let i = 0; i < tokens; i++) {
      const scores = new Float64Array(keys);
      for (let j = 0; j < keys; j++) {
        let s = 0;
        for (let c = 0; c < d; c++) s += q[(m * tokens + i) * d + c]! * k[(m * keys + j) * d + c]!;
        scores[j] = s / Math.sqrt(d);
      }
      const max = Math.max(...scores);
      const weights = scores.map((s) => Math.exp(s - max));
      const total = weights.reduce((a, b) => a + b, 0);
      for (let j = 0; j < keys; j++) {
        for (let c = 0; c < d; c++)
          out[(m * tokens + i) * d + c]! += (weights[j]! / total) * v[(m * keys + j) * d + c]!;
      }
    }
  }
  return out;
}

function random(rng: Rng, shape: [number, number, number, number]): tf.Tensor4D {
  return tf.tensor4d(
    Float32Array.from({ length: shape.reduce((a, b) => a * b) }, () => rng.normal()),
    shape,
  );
}

describe('attention (cpu backend: the stock path)', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('computes softmax(q k^T / sqrt(d)) v, also with fewer keys than queries', async () => {
    const rng = new Rng('attention-reference');
    for (const [shape, keys] of [
      [[2, 3, 7, 8], 7],
      [[1, 2, 5, 12], 3],
    ] as const) {
      const q = random(rng, [...shape]);
      const k = random(rng, [shape[0], shape[1], keys, shape[3]]);
      const v = random(rng, [shape[0], shape[1], keys, shape[3]]);
      const expected = attention64(await q.data(), await k.data(), await v.data(), [...shape], keys);
      const actual = await attention(q, k, v).data();
      expect(actual.length).toBe(expected.length);
      actual.forEach((x, i) => expect(Math.abs(x - expected[i]!)).toBeLessThan(1e-5));
    }
  });

  it('uses the stock path off WebGPU and refuses the fused one with the reason', () => {
    const x = tf.zeros([1, 1, 4, 8]) as tf.Tensor4D;
    expect(attentionPath(x, x, x)).toBe('stock');
    expect(fusedAttentionUnsupportedReason(x, x, x)).toMatch(/active backend is cpu/);
    expect(() => fusedAttention(x, x, x)).toThrow(FusedAttentionUnavailableError);
  });

  it('applies dropout to the probabilities only when asked, reproducibly by seed', async () => {
    const rng = new Rng('attention-dropout');
    const q = random(rng, [1, 2, 6, 4]);
    const withoutRate = await attention(q, q, q, { dropoutRate: 0 }).data();
    const plain = await stockAttention(q, q, q).data();
    expect(Array.from(withoutRate)).toEqual(Array.from(plain));
    const a = await attention(q, q, q, { dropoutRate: 0.5, dropoutSeed: 3 }).data();
    const b = await attention(q, q, q, { dropoutRate: 0.5, dropoutSeed: 3 }).data();
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(plain));
  });
});

describe('attention on the wasm backend (plain matMuls, written-out gradient)', () => {
  it('matches the stock path on cpu, values and all three gradients', async () => {
    setWasmPaths(new URL('../../node_modules/@tensorflow/tfjs-backend-wasm/dist/', import.meta.url).pathname);
    const rng = new Rng('wasm-attention');
    const shape: [number, number, number, number] = [2, 3, 37, 16];
    const values = () => Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal());
    const [qs, ks, vs, dys] = [values(), values(), values(), values()];
    async function run(backend: string): Promise<Float32Array[]> {
      await tf.setBackend(backend);
      const [q, k, v, dy] = [qs, ks, vs, dys].map((d) => tf.tensor4d(d, shape));
      const f = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
        tf.sum(tf.mul(attention(a as tf.Tensor4D, b as tf.Tensor4D, c as tf.Tensor4D), dy!));
      const out = attention(q as tf.Tensor4D, k as tf.Tensor4D, v as tf.Tensor4D);
      const grads = tf.grads(f)([q!, k!, v!]);
      const result = await Promise.all([out, ...grads].map(async (t) => Float32Array.from(await t.data())));
      tf.dispose([q!, k!, v!, dy!, out, ...grads]);
      return result;
    }
    const wasm = await run('wasm');
    const cpu = await run('cpu');
    wasm.forEach((tensor, i) => {
      let max = 0;
      tensor.forEach((x, j) => (max = Math.max(max, Math.abs(x - cpu[i]![j]!))));
      expect(max, ['output', 'dQ', 'dK', 'dV'][i]).toBeLessThan(2e-5);
    });
  });
});
