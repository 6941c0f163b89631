import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { activation } from './activations.ts';
import { HIDDEN_ACTIVATIONS, type HiddenActivation } from './config.ts';

/** transformers' ACT2FN formulas in float64 (activations.py). */
const reference: Record<HiddenActivation, (x: number) => number> = {
  gelu: (x) => 0.5 * x * (1 + erf(x / Math.SQRT2)),
  gelu_python: (x) => 0.5 * x * (1 + erf(x / Math.SQRT2)),
  gelu_new: (x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3))),
  gelu_pytorch_tanh: (x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3))),
  gelu_accurate: (x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3))),
  gelu_fast: (x) => 0.5 * x * (1 + Math.tanh(x * 0.7978845608 * (1 + 0.044715 * x * x))),
  quick_gelu: (x) => x / (1 + Math.exp(-1.702 * x)),
  relu: (x) => Math.max(0, x),
  relu6: (x) => Math.min(6, Math.max(0, x)),
  leaky_relu: (x) => (x >= 0 ? x : 0.01 * x),
  silu: (x) => x / (1 + Math.exp(-x)),
  swish: (x) => x / (1 + Math.exp(-x)),
  mish: (x) => x * Math.tanh(Math.log1p(Math.exp(x))),
  tanh: Math.tanh,
  sigmoid: (x) => 1 / (1 + Math.exp(-x)),
  linear: (x) => x,
};

function erf(x: number): number {
  // Maclaurin series, exact to float64 for |x| <= 5.
  let term = x;
  let sum = x;
  for (let n = 1; n < 120; n++) {
    term *= (-x * x) / n;
    sum += term / (2 * n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

describe('hidden_act activations', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  const xs = Array.from({ length: 61 }, (_, i) => -6 + i * 0.2);
  for (const name of HIDDEN_ACTIVATIONS) {
    it(`${name} follows transformers' formula`, async () => {
      const values = await activation(name, tf.tensor1d(xs)).data();
      xs.forEach((x, i) =>
        expect(Math.abs(values[i]! - reference[name](x)), `${name}(${x})`).toBeLessThan(
          2e-6 * Math.max(1, Math.abs(x)),
        ),
      );
    });
  }

  it('tells the tanh approximations apart from exact gelu (they differ by ~1e-4)', async () => {
    const x = tf.tensor1d([-2.5, 1.3]);
    const exact = await activation('gelu', x).data();
    const tanh = await activation('gelu_new', x).data();
    expect(Math.max(...exact.map((v, i) => Math.abs(v - tanh[i]!)))).toBeGreaterThan(1e-4);
  });
});
