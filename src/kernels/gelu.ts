/**
 * Exact (erf) GELU, as Hugging Face's `hidden_act: "gelu"` computes it: x * Phi(x).
 *
 * Composed from tfjs ops it is five kernels forward and more backward, each a full pass over the MLP's
 * largest activation; on WebGPU one WGSL program does the forward and one the backward.
 */
import * as tf from '@tensorflow/tfjs-core';
import { activeWebGPUBackend, flatLayout, runProgram, type WebGPUProgram } from './webgpu-program.ts';

const SQRT1_2 = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** The reference: tfjs ops only, any backend. */
export function geluComposed(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, SQRT1_2)))));
}

/**
 * erf in WGSL (which has none): Abramowitz & Stegun 7.1.26 has 1.5e-7 absolute error, but cancels badly
 * near 0; below |x| < 0.5 the Maclaurin series to x^11 is exact to float32 precision.
 */
const ERF_WGSL = /* wgsl */ `
fn erf_f32(x: f32) -> f32 {
  let ax = abs(x);
  if (ax < 0.5) {
    let x2 = x * x;
    // 2/sqrt(pi) * (x - x^3/3 + x^5/10 - x^7/42 + x^9/216 - x^11/1320)
    return 1.1283791670955126 * x * (1.0 + x2 * (-0.3333333333333333 + x2 * (0.1 + x2 * (-0.023809523809523808
      + x2 * (0.004629629629629629 + x2 * (-0.0007575757575757576))))));
  }
  let t = 1.0 / (1.0 + 0.3275911 * ax);
  let poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  let y = 1.0 - poly * exp(-ax * ax);
  return select(-y, y, x >= 0.0);
}
`;

/**
 * One output element per invocation, with erf_f32 in scope: `body` computes element `index` and writes it
 * with setOutputAtIndex. The GELU programs below differ only in their inputs and that body.
 */
class ElementwiseErfProgram implements WebGPUProgram {
  size = true;
  outputShape: number[];
  uniforms?: string;
  dispatch: [number, number, number];
  dispatchLayout: { x: number[] };
  workgroupSize: [number, number, number];

  constructor(
    readonly shaderKey: string,
    readonly variableNames: string[],
    shape: number[],
    private readonly body: string,
    uniforms?: string,
  ) {
    this.outputShape = shape;
    if (uniforms) this.uniforms = uniforms;
    ({
      dispatch: this.dispatch,
      dispatchLayout: this.dispatchLayout,
      workgroupSize: this.workgroupSize,
    } = flatLayout(shape));
  }

  getUserCode(): string {
    return `${ERF_WGSL}
      fn main(index : i32) {
        if (index < uniforms.size) {
          ${this.body}
        }
      }`;
  }
}

const GELU_OUT = `setOutputAtIndex(index, 0.5 * x * (1.0 + erf_f32(x * ${SQRT1_2})));`;
const GELU_GRAD_OUT = `let cdf = 0.5 * (1.0 + erf_f32(x * ${SQRT1_2}));
          let pdf = ${INV_SQRT_2PI} * exp(-0.5 * x * x);
          setOutputAtIndex(index, DY[index] * (cdf + x * pdf));`;

const geluForward = (shape: number[]) =>
  new ElementwiseErfProgram('videomae_gelu_erf_forward', ['X'], shape, `let x = X[index];\n${GELU_OUT}`);
const geluBackward = (shape: number[]) =>
  new ElementwiseErfProgram(
    'videomae_gelu_erf_backward',
    ['DY', 'X'],
    shape,
    `let x = X[index];\n${GELU_GRAD_OUT}`,
  );

const geluFusedWithGrad = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const x = args[0] as tf.Tensor;
  const save = args[1] as tf.GradSaveFunc;
  save([x]);
  return {
    value: runProgram(geluForward(x.shape), [x]),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [runProgram(geluBackward(dy.shape), [dy, saved[0]!])],
  };
});

/**
 * gelu(x + bias) with the bias broadcast over the last axis (an MLP's first dense layer, then its
 * activation): the add happens inside the GELU programs, so the biased pre-activation is never stored. The
 * backward gives d gelu(x + bias) / dx times dy: the gradient of both x and (summed over rows) the bias.
 */
const BIASED_X = 'let x = X[index] + Bias[index % uniforms.cols];';
const biasGeluForward = (shape: number[]) =>
  new ElementwiseErfProgram(
    'videomae_bias_gelu_erf_forward',
    ['X', 'Bias'],
    shape,
    `${BIASED_X}\n${GELU_OUT}`,
    'cols : i32,',
  );
const biasGeluBackward = (shape: number[]) =>
  new ElementwiseErfProgram(
    'videomae_bias_gelu_erf_backward',
    ['DY', 'X', 'Bias'],
    shape,
    `${BIASED_X}\n${GELU_GRAD_OUT}`,
    'cols : i32,',
  );

const biasGeluFusedWithGrad = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [x, bias] = args as tf.Tensor[];
  const save = args[2] as tf.GradSaveFunc;
  const cols = [{ type: 'int32' as const, data: [bias!.size] }];
  save([x!, bias!]);
  return {
    value: runProgram(biasGeluForward(x!.shape), [x!, bias!], cols),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
      tf.tidy(() => {
        const dx = runProgram(biasGeluBackward(dy.shape), [dy, saved[0]!, saved[1]!], cols);
        return [dx, tf.sum(tf.reshape(dx, [-1, bias!.size]), 0)];
      }),
  };
});

/** The reference for biasGelu: tfjs ops only, any backend. */
export function biasGeluComposed(x: tf.Tensor, bias: tf.Tensor): tf.Tensor {
  return tf.tidy(() => geluComposed(tf.add(x, bias)));
}

/** Whether `biasGelu` runs the fused WGSL programs for these inputs on the active backend. */
export function biasGeluIsFused(x: tf.Tensor, bias: tf.Tensor, options: { fused?: boolean } = {}): boolean {
  return (
    (options.fused ?? true) &&
    activeWebGPUBackend() !== null &&
    x.dtype === 'float32' &&
    bias.dtype === 'float32' &&
    bias.rank === 1 &&
    x.rank >= 1 &&
    x.size > 0 &&
    bias.shape[0] === x.shape[x.rank - 1]
  );
}

/** gelu(x + bias), bias of the last axis's size: one fused program each way on WebGPU, tfjs ops elsewhere. */
export function biasGelu(x: tf.Tensor, bias: tf.Tensor, options: { fused?: boolean } = {}): tf.Tensor {
  return biasGeluIsFused(x, bias, options) ? biasGeluFusedWithGrad(x, bias) : biasGeluComposed(x, bias);
}

/** GELU on whatever backend is active: the fused WGSL program on WebGPU, tfjs ops elsewhere. */
export function gelu(x: tf.Tensor, options: { fused?: boolean } = {}): tf.Tensor {
  const fused = options.fused ?? true;
  if (fused && x.dtype === 'float32' && activeWebGPUBackend()) return geluFusedWithGrad(x);
  return geluComposed(x);
}
