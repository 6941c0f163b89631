/**
 * LayerNorm over the last axis, as PyTorch's nn.LayerNorm computes it (biased variance, eps inside the
 * square root): y = (x - mean) / sqrt(var + eps) * gamma + beta.
 *
 * Composed from tfjs ops it is a handful of kernels forward and many more backward, each a full pass over
 * the activation with its own temporary; on WebGPU one program does the forward (one workgroup per row),
 * and the backward is a per-row statistics pass, one program for dx and one for the partial column sums
 * of dgamma and dbeta (rows in chunks, so that no two invocations write one element; tf.sum finishes).
 */
import * as tf from '@tensorflow/tfjs-core';
import { activeWebGPUBackend, flatLayout, runProgram, type WebGPUProgram } from './webgpu-program.ts';

/** The reference: tfjs ops only, any backend. */
export function layerNormComposed(
  x: tf.Tensor,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  epsilon: number,
): tf.Tensor {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(x, -1, true);
    return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, epsilon))), gamma), beta);
  });
}

/** Invocations per row: a power of two (the tree reduction halves it), within WebGPU's guaranteed 256. */
const ROW_THREADS = 64;
/** Rows each invocation of the parameter-gradient program sums over. */
const PARAM_ROW_CHUNK = 64;

const ROW_REDUCTION = /* wgsl */ `
const W : i32 = ${ROW_THREADS};
var<workgroup> partial : array<f32, ${ROW_THREADS}>;

fn rowIndex() -> i32 {
  return i32(workgroupId.z * numWorkgroups.x * numWorkgroups.y + workgroupId.y * numWorkgroups.x + workgroupId.x);
}

// Sum of one value per invocation; every invocation of the workgroup must call it.
fn workgroupSum(value : f32) -> f32 {
  let tid = i32(localIndex);
  partial[tid] = value;
  workgroupBarrier();
  for (var stride = W / 2; stride > 0; stride = stride / 2) {
    if (tid < stride) { partial[tid] += partial[tid + stride]; }
    workgroupBarrier();
  }
  let total = partial[0];
  workgroupBarrier();
  return total;
}

// Two passes (mean, then the mean square deviation) rather than E[x^2] - E[x]^2, which cancels.
fn rowStats(base : i32, inRange : bool) -> vec2<f32> {
  let tid = i32(localIndex);
  let cols = uniforms.cols;
  var s = 0.0;
  if (inRange) {
    for (var c = tid; c < cols; c += W) { s += X[base + c]; }
  }
  let mean = workgroupSum(s) / f32(cols);
  var v = 0.0;
  if (inRange) {
    for (var c = tid; c < cols; c += W) {
      let d = X[base + c] - mean;
      v += d * d;
    }
  }
  let variance = workgroupSum(v) / f32(cols);
  return vec2<f32>(mean, inverseSqrt(variance + uniforms.epsilon));
}
`;

const UNIFORMS = 'rows : i32, cols : i32, epsilon : f32,';

function uniformsFor(rows: number, cols: number, epsilon: number) {
  return [
    { type: 'int32' as const, data: [rows] },
    { type: 'int32' as const, data: [cols] },
    { type: 'float32' as const, data: [epsilon] },
  ];
}

abstract class RowProgram implements WebGPUProgram {
  abstract variableNames: string[];
  abstract shaderKey: string;
  outputShape: number[];
  dispatchLayout = { x: [0] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [ROW_THREADS, 1, 1];
  uniforms = UNIFORMS;

  constructor(outputShape: number[], rows: number) {
    this.outputShape = outputShape;
    this.dispatch = [rows, 1, 1];
  }

  abstract getUserCode(): string;
}

class LayerNormForwardProgram extends RowProgram {
  variableNames = ['X', 'Gamma', 'Beta'];
  shaderKey = 'videomae_layernorm_forward';

  getUserCode(): string {
    return /* wgsl */ `
${ROW_REDUCTION}
fn main(_index : i32) {
  let row = rowIndex();
  let inRange = row < uniforms.rows;
  let base = row * uniforms.cols;
  let stats = rowStats(base, inRange);
  if (inRange) {
    for (var c = i32(localIndex); c < uniforms.cols; c += W) {
      result[base + c] = (X[base + c] - stats.x) * stats.y * Gamma[c] + Beta[c];
    }
  }
}
`;
  }
}

/** Output [rows, 2]: mean and 1 / sqrt(var + eps) of each row. */
class LayerNormStatsProgram extends RowProgram {
  variableNames = ['X'];
  shaderKey = 'videomae_layernorm_stats';

  getUserCode(): string {
    return /* wgsl */ `
${ROW_REDUCTION}
fn main(_index : i32) {
  let row = rowIndex();
  let inRange = row < uniforms.rows;
  let stats = rowStats(row * uniforms.cols, inRange);
  if (inRange && localIndex == 0u) {
    result[2 * row] = stats.x;
    result[2 * row + 1] = stats.y;
  }
}
`;
  }
}

/** dx = rstd * (g - mean(g) - xhat * mean(g * xhat)) with g = dy * gamma. */
class LayerNormInputGradProgram extends RowProgram {
  variableNames = ['X', 'Gamma', 'DY', 'Stats'];
  shaderKey = 'videomae_layernorm_dx';

  getUserCode(): string {
    return /* wgsl */ `
${ROW_REDUCTION}
fn main(_index : i32) {
  let tid = i32(localIndex);
  let row = rowIndex();
  let inRange = row < uniforms.rows;
  let cols = uniforms.cols;
  let base = row * cols;
  var mean = 0.0;
  var rstd = 0.0;
  if (inRange) {
    mean = Stats[2 * row];
    rstd = Stats[2 * row + 1];
  }
  var sumG = 0.0;
  var sumGX = 0.0;
  if (inRange) {
    for (var c = tid; c < cols; c += W) {
      let g = DY[base + c] * Gamma[c];
      sumG += g;
      sumGX += g * (X[base + c] - mean) * rstd;
    }
  }
  let meanG = workgroupSum(sumG) / f32(cols);
  let meanGX = workgroupSum(sumGX) / f32(cols);
  if (inRange) {
    for (var c = tid; c < cols; c += W) {
      let xhat = (X[base + c] - mean) * rstd;
      result[base + c] = rstd * (DY[base + c] * Gamma[c] - meanG - xhat * meanGX);
    }
  }
}
`;
  }
}

/** Output [chunks, 2, cols]: per chunk of rows, sum of dy * xhat (dgamma) and of dy (dbeta). */
class LayerNormParamGradProgram implements WebGPUProgram {
  variableNames = ['X', 'DY', 'Stats'];
  shaderKey = 'videomae_layernorm_dparams';
  outputShape: number[];
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];
  uniforms = UNIFORMS;

  constructor(rows: number, cols: number) {
    const chunks = Math.ceil(rows / PARAM_ROW_CHUNK);
    this.outputShape = [chunks, 2, cols];
    // One invocation per (chunk, column): the layout of the first half of the output.
    ({
      dispatch: this.dispatch,
      dispatchLayout: this.dispatchLayout,
      workgroupSize: this.workgroupSize,
    } = flatLayout([chunks * cols]));
  }

  getUserCode(): string {
    return /* wgsl */ `
const CHUNK : i32 = ${PARAM_ROW_CHUNK};
fn main(index : i32) {
  let cols = uniforms.cols;
  let chunk = index / cols;
  let c = index - chunk * cols;
  if (chunk * CHUNK < uniforms.rows) {
    var dGamma = 0.0;
    var dBeta = 0.0;
    let end = min(uniforms.rows, (chunk + 1) * CHUNK);
    for (var r = chunk * CHUNK; r < end; r++) {
      let dy = DY[r * cols + c];
      dGamma += dy * (X[r * cols + c] - Stats[2 * r]) * Stats[2 * r + 1];
      dBeta += dy;
    }
    result[(2 * chunk) * cols + c] = dGamma;
    result[(2 * chunk + 1) * cols + c] = dBeta;
  }
}
`;
  }
}

function fusedLayerNorm(epsilon: number) {
  return tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, gamma, beta] = args as tf.Tensor[];
    const save = args[3] as tf.GradSaveFunc;
    const cols = x!.shape[x!.rank - 1]!;
    const rows = x!.size / cols;
    const uniforms = uniformsFor(rows, cols, epsilon);
    const x2 = tf.reshape(x!, [rows, cols]);
    save([x2, gamma!]);
    const y = runProgram(new LayerNormForwardProgram([rows, cols], rows), [x2, gamma!, beta!], uniforms);
    return {
      value: tf.reshape(y, x!.shape),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.tidy(() => {
          const [xs, g] = saved as [tf.Tensor, tf.Tensor];
          const dy2 = tf.reshape(dy, [rows, cols]);
          const stats = runProgram(new LayerNormStatsProgram([rows, 2], rows), [xs], uniforms);
          const dx = runProgram(
            new LayerNormInputGradProgram([rows, cols], rows),
            [xs, g, dy2, stats],
            uniforms,
          );
          const partials = runProgram(new LayerNormParamGradProgram(rows, cols), [xs, dy2, stats], uniforms);
          const [dGamma, dBeta] = tf.unstack(tf.sum(partials, 0), 0);
          return [tf.reshape(dx, x!.shape), dGamma!, dBeta!];
        }),
    };
  });
}

/** Whether `layerNorm` runs the fused WGSL programs for these inputs on the active backend. */
export function layerNormIsFused(
  x: tf.Tensor,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  options: { fused?: boolean } = {},
): boolean {
  const cols = x.shape[x.rank - 1];
  return (
    (options.fused ?? true) &&
    activeWebGPUBackend() !== null &&
    x.rank >= 1 &&
    x.size > 0 &&
    [x, gamma, beta].every((t) => t.dtype === 'float32') &&
    gamma.rank === 1 &&
    beta.rank === 1 &&
    gamma.shape[0] === cols &&
    beta.shape[0] === cols
  );
}

/**
 * LayerNorm over the last axis on whatever backend is active: the fused WGSL programs on WebGPU (float32,
 * gamma and beta of the last axis's size), tfjs ops elsewhere or when `fused` is false.
 */
export function layerNorm(
  x: tf.Tensor,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  epsilon: number,
  options: { fused?: boolean } = {},
): tf.Tensor {
  if (!layerNormIsFused(x, gamma, beta, options)) return layerNormComposed(x, gamma, beta, epsilon);
  return fusedLayerNorm(epsilon)(x, gamma, beta);
}
