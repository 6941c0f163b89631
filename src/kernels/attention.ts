/**
 * Scaled dot-product attention, the one function the model calls for it: softmax(q k^T / sqrt(d)) v.
 *
 * Shapes: q is [batch, heads, queryTokens, headDim], k and v are [batch, heads, keyTokens, headDim]; the
 * result has q's shape. The stock path below is the reference and runs on every backend. On WebGPU the
 * fused path (attention-programs.ts) replaces it: it keeps only O(tokens x headDim) per head (the output
 * and one log-sum-exp per row) instead of the tokens x tokens probability matrix, and its backward
 * recomputes the probabilities from q, k and that log-sum-exp.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  AttentionForwardProgram,
  AttentionRowDotProgram,
  AttentionRowsProgram,
  attentionUniforms,
  type AttentionDims,
} from './attention-programs.ts';
import { AttentionBackwardProgram, backwardUniforms } from './attention-backward-programs.ts';
import {
  GPU_TILING,
  SOFTWARE_TILING,
  isSoftwareAdapter,
  preferStockAttention,
  keyGroups,
  planAttention,
  type AttentionPlan,
  type TilingPreferences,
  type WorkgroupLimits,
} from './attention-tiling.ts';
import { activeWebGPUBackend, runProgram } from './webgpu-program.ts';

export interface AttentionOptions {
  /** Use a fused GPU kernel when one is available for the active backend (default true). */
  fused?: boolean;
  /** Dropout on the attention probabilities (training only); forces the stock path. */
  dropoutRate?: number;
  /** Seed for the dropout mask, so that a run is reproducible. */
  dropoutSeed?: number;
}

export type AttentionPath = 'fused' | 'stock';

/** `fusedAttention` was called where it cannot run; the message says why. */
export class FusedAttentionUnavailableError extends Error {
  override name = 'FusedAttentionUnavailableError';
}

/** The reference implementation with stock tfjs ops. */
export function stockAttention(
  q: tf.Tensor4D,
  k: tf.Tensor4D,
  v: tf.Tensor4D,
  options: AttentionOptions = {},
): tf.Tensor4D {
  return tf.tidy(() => {
    const scale = 1 / Math.sqrt(q.shape[3]);
    const scores = tf.matMul(tf.mul(q, scale), k, false, true);
    let probs: tf.Tensor = tf.softmax(scores, -1);
    const rate = options.dropoutRate ?? 0;
    if (rate > 0) probs = tf.dropout(probs, rate, undefined, options.dropoutSeed);
    return tf.matMul(probs, v) as tf.Tensor4D;
  });
}

const plans = new WeakMap<object, Map<string, AttentionPlan | null>>();
let tilingOverride: TilingPreferences | null = null;

/**
 * Plans tiles with these preferences (still within the device's limits); null restores the automatic
 * choice (GPU_TILING, or SOFTWARE_TILING on a software adapter). For tests and benchmarks that exercise
 * the tiling another device would get.
 */
export function setFusedAttentionTiling(preferences: TilingPreferences | null): void {
  tilingOverride = preferences;
}

/** Whether the active WebGPU adapter is a CPU emulation (what tfjs recorded of GPUAdapterInfo). */
export function webgpuIsSoftware(): boolean {
  const backend = activeWebGPUBackend();
  if (!backend) return false;
  const info = (backend as unknown as { adapterInfo?: { vendor?: string; architecture?: string } })
    .adapterInfo;
  return isSoftwareAdapter(info ?? {});
}

/** The device's limits, as tfjs requested them from the adapter (see tfjs-backend-webgpu's base.ts). */
export function webgpuLimits(): (WorkgroupLimits & { maxStorageBufferBindingSize: number }) | null {
  const backend = activeWebGPUBackend();
  if (!backend) return null;
  const limits = backend.device.limits;
  return {
    maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
    maxComputeInvocationsPerWorkgroup: limits.maxComputeInvocationsPerWorkgroup,
    maxComputeWorkgroupSizeX: limits.maxComputeWorkgroupSizeX,
    maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
  };
}

/** The tiling the fused programs use for this head dimension on the active WebGPU device. */
export function fusedAttentionPlan(headDim: number): AttentionPlan | null {
  const backend = activeWebGPUBackend();
  const limits = webgpuLimits();
  if (!backend || !limits) return null;
  const preferences = tilingOverride ?? (webgpuIsSoftware() ? SOFTWARE_TILING : GPU_TILING);
  let cache = plans.get(backend.device);
  if (!cache) {
    cache = new Map();
    plans.set(backend.device, cache);
  }
  const key = `${headDim}/${preferences.storageBudget}/${preferences.maxRegisters}`;
  if (!cache.has(key)) {
    // A budget too small for this head dimension falls back to what the device allows.
    cache.set(key, planAttention(headDim, limits, preferences) ?? planAttention(headDim, limits));
  }
  return cache.get(key)!;
}

function shapesMatch(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Why the fused path cannot run for these inputs on the active backend, or null when it can. */
export function fusedAttentionUnsupportedReason(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor): string | null {
  const limits = webgpuLimits();
  if (!limits) return `the active backend is ${tf.getBackend()}, not webgpu`;
  for (const [name, t] of [
    ['q', q],
    ['k', k],
    ['v', v],
  ] as const) {
    if (t.rank !== 4) return `${name} has rank ${t.rank}, expected [batch, heads, tokens, headDim]`;
    if (t.dtype !== 'float32') return `${name} is ${t.dtype}, expected float32`;
    if (t.size === 0) return `${name} is empty (${JSON.stringify(t.shape)})`;
  }
  if (!shapesMatch(k.shape, v.shape))
    return `k ${JSON.stringify(k.shape)} and v ${JSON.stringify(v.shape)} differ`;
  if (q.shape[0] !== k.shape[0] || q.shape[1] !== k.shape[1] || q.shape[3] !== k.shape[3]) {
    return `q ${JSON.stringify(q.shape)} and k ${JSON.stringify(k.shape)} disagree on batch, heads or headDim`;
  }
  const headDim = q.shape[3]!;
  const plan = fusedAttentionPlan(headDim);
  if (!plan) return `head dimension ${headDim} does not fit the device's workgroup memory`;
  // The largest buffer a program binds: the forward's packed output or the backward's gradients.
  const [batch, heads, queryTokens, keyTokens] = [q.shape[0]!, q.shape[1]!, q.shape[2]!, k.shape[2]!];
  const groups = keyGroups(plan.backward, batch * heads, keyTokens);
  const rows = Math.max(queryTokens + Math.ceil(queryTokens / headDim), 2 * keyTokens + groups * queryTokens);
  const largest = batch * heads * rows * headDim * 4;
  if (largest > limits.maxStorageBufferBindingSize || largest / 4 >= 2 ** 31) {
    return `a buffer of ${largest} bytes exceeds the device's storage binding limit of ${limits.maxStorageBufferBindingSize}`;
  }
  return null;
}

export function dimsOf(q: tf.Tensor4D, k: tf.Tensor4D): AttentionDims {
  return {
    batch: q.shape[0],
    heads: q.shape[1],
    matrices: q.shape[0] * q.shape[1],
    queryTokens: q.shape[2],
    keyTokens: k.shape[2],
    headDim: q.shape[3],
  };
}

function backward(
  dy: tf.Tensor,
  [q, k, v, packed]: tf.Tensor[],
  plan: AttentionPlan,
  dims: AttentionDims,
): tf.Tensor[] {
  const delta = runProgram(new AttentionRowDotProgram(dims), [dy, packed!], attentionUniforms(dims));
  const groups = keyGroups(plan.backward, dims.matrices, dims.keyTokens);
  const grads = runProgram(
    new AttentionBackwardProgram(plan.backward, dims, groups),
    [q!, k!, v!, dy, packed!, delta],
    backwardUniforms(dims, groups),
  );
  return splitGradients(grads, dims, groups);
}

/**
 * dQ, dK, dV from the backward program's output ([batch, heads, 2 Nk + groups Nq, d]): dK and dV are row
 * ranges, dQ the sum of the key groups' partials.
 */
export function splitGradients(grads: tf.Tensor, dims: AttentionDims, groups: number): tf.Tensor[] {
  const { queryTokens, keyTokens } = dims;
  const sourceRows = 2 * keyTokens + groups * queryTokens;
  const rows = (tokens: number, first: number, count: number) =>
    runProgram(
      new AttentionRowsProgram(dims, tokens, count),
      [grads],
      AttentionRowsProgram.uniforms(tokens, sourceRows, first),
    );
  return [rows(queryTokens, 2 * keyTokens, groups), rows(keyTokens, 0, 1), rows(keyTokens, keyTokens, 1)];
}

const fusedWithGrad = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [q, k, v] = args as tf.Tensor4D[];
  const save = args[3] as tf.GradSaveFunc;
  const dims = dimsOf(q!, k!);
  const plan = fusedAttentionPlan(dims.headDim)!;
  const packed = runProgram(
    new AttentionForwardProgram(plan.forward, dims),
    [q!, k!, v!],
    attentionUniforms(dims),
  );
  save([q!, k!, v!, packed]);
  return {
    value: runProgram(
      new AttentionRowsProgram(dims, dims.queryTokens, 1),
      [packed],
      AttentionRowsProgram.uniforms(dims.queryTokens, packed.shape[2]!, 0),
    ),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.tidy(() => backward(dy, saved, plan, dims)),
  };
});

/** The fused WebGPU attention; throws FusedAttentionUnavailableError where it cannot run. */
export function fusedAttention(q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D): tf.Tensor4D {
  const reason = fusedAttentionUnsupportedReason(q, k, v);
  if (reason) throw new FusedAttentionUnavailableError(`fused attention unavailable: ${reason}`);
  return fusedWithGrad(q, k, v) as tf.Tensor4D;
}

/** Which implementation `attention` picks for these inputs and options on the active backend. */
export function attentionPath(
  q: tf.Tensor4D,
  k: tf.Tensor4D,
  v: tf.Tensor4D,
  options: AttentionOptions = {},
): AttentionPath {
  if (options.fused === false || (options.dropoutRate ?? 0) > 0) return 'stock';
  if (fusedAttentionUnsupportedReason(q, k, v) !== null) return 'stock';
  const backend = activeWebGPUBackend();
  const info = (backend as unknown as { adapterInfo?: { vendor?: string; architecture?: string } } | null)
    ?.adapterInfo;
  const [batch, heads, queries] = q.shape;
  const scoreBytes = batch * heads * queries * k.shape[2] * 4;
  const limits = webgpuLimits();
  if (info && limits && preferStockAttention(info, scoreBytes, limits.maxStorageBufferBindingSize))
    return 'stock';
  return 'fused';
}

/** Swaps the last two axes (a rank-4 transpose: the wasm backend is slow at higher ranks). */
function swapLast(x: tf.Tensor4D): tf.Tensor4D {
  return tf.transpose(x, [0, 1, 3, 2]);
}

/**
 * a [..., m, k] x b [..., k, n] as one plain 2-D matMul per leading index. tfjs-backend-wasm 4.22 hands
 * a matMul to XNNPACK only when it is plain (no transpose flags) and its batch is 1; any other matMul runs
 * a scalar triple loop about 7x slower (`slow_batch_matmul` in its batch_mat_mul_impl.cc). With the
 * in-place slices of wasm-slice.ts (installed where the wasm backend is set up: tf-runtime's activate),
 * cutting attention's [batch x heads] matrices apart and stacking the products costs far less than that loop.
 */
function matMulPerMatrix(a: tf.Tensor4D, b: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const [batch, heads, m] = a.shape;
    const n = b.shape[3];
    const left = tf.unstack(tf.reshape(a, [batch * heads, m, a.shape[3]]));
    const right = tf.unstack(tf.reshape(b, [batch * heads, b.shape[2], n]));
    const products = left.map((x, i) => tf.matMul(x as tf.Tensor2D, right[i] as tf.Tensor2D));
    return tf.reshape(tf.stack(products), [batch, heads, m, n]);
  });
}

/**
 * The stock arithmetic with every matMul a plain 2-D one (see matMulPerMatrix), forward and backward;
 * tfjs's own matMul gradient uses transpose flags, so the backward is written out with explicit transposes
 * of the small operands.
 */
const plainMatMulAttention = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [q, k, v] = args as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
  const save = args[3] as tf.GradSaveFunc;
  const scale = 1 / Math.sqrt(q.shape[3]);
  const probs = tf.softmax(tf.mul(matMulPerMatrix(q, swapLast(k)), scale)) as tf.Tensor4D;
  save([q, k, v, probs]);
  return {
    value: matMulPerMatrix(probs, v),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sq, sk, sv, p] = saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
      const dO = dy as tf.Tensor4D;
      const dV = matMulPerMatrix(swapLast(p), dO);
      const dP = matMulPerMatrix(dO, swapLast(sv));
      // Softmax backward: dS = P * (dP - rowsum(dP * P)), then the 1/sqrt(d) scale of the scores.
      const dS = tf.mul(tf.mul(p, tf.sub(dP, tf.sum(tf.mul(dP, p), -1, true))), scale) as tf.Tensor4D;
      return [matMulPerMatrix(dS, sk), matMulPerMatrix(swapLast(dS), sq), dV];
    },
  };
});

export function attention(
  q: tf.Tensor4D,
  k: tf.Tensor4D,
  v: tf.Tensor4D,
  options: AttentionOptions = {},
): tf.Tensor4D {
  if (attentionPath(q, k, v, options) === 'fused') return fusedWithGrad(q, k, v) as tf.Tensor4D;
  if (tf.getBackend() === 'wasm' && (options.dropoutRate ?? 0) === 0) {
    return plainMatMulAttention(q, k, v) as tf.Tensor4D;
  }
  return stockAttention(q, k, v, options);
}
