/**
 * Harness suite for the fused attention kernels: parity with the stock ops (values and gradients),
 * training through `tf.variableGrads`, peak memory, and timings for `npm run bench -- attention`.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { activate } from '../../../src/worker/tf-runtime.ts';
import type { BackendName } from '../../../src/worker/backend.ts';
import {
  attention,
  attentionPath,
  dimsOf,
  fusedAttention,
  fusedAttentionPlan,
  setFusedAttentionTiling,
  splitGradients,
  stockAttention,
  webgpuLimits,
  type AttentionPath,
} from '../../../src/kernels/attention.ts';
import { GPU_TILING, keyGroups, type AttentionPlan } from '../../../src/kernels/attention-tiling.ts';
import {
  AttentionForwardProgram,
  AttentionRowDotProgram,
  attentionUniforms,
} from '../../../src/kernels/attention-programs.ts';
import {
  AttentionBackwardProgram,
  backwardUniforms,
} from '../../../src/kernels/attention-backward-programs.ts';
import { runProgram } from '../../../src/kernels/webgpu-program.ts';
import { Rng } from '../../../src/util/rng.ts';

export interface AttentionShape {
  batch: number;
  heads: number;
  tokens: number;
  headDim: number;
  /** Key/value tokens when they differ from the query tokens. */
  keyTokens?: number;
}

export async function useBackend(backend: BackendName): Promise<string> {
  const error = await activate(backend);
  if (error) throw new Error(error);
  return tf.getBackend();
}

export function deviceLimits(): ReturnType<typeof webgpuLimits> {
  return webgpuLimits();
}

export function planFor(headDim: number): AttentionPlan | null {
  return fusedAttentionPlan(headDim);
}

/** Plan tiles as on a GPU (e.g. 32 x 32 with 256 invocations on SwiftShader's 32 KiB) or automatically. */
export function useGpuTiling(enabled: boolean): void {
  setFusedAttentionTiling(enabled ? GPU_TILING : null);
}

/** Plan tiles within this much workgroup memory (bytes), or automatically (null). */
export function useTilingBudget(storageBudget: number | null): void {
  setFusedAttentionTiling(storageBudget === null ? null : { storageBudget });
}

/** What `attention()` picks, per option set, for a small input on the active backend. */
export function pathChoices(): Record<string, AttentionPath> {
  const x = tf.zeros([1, 2, 5, 8]) as tf.Tensor4D;
  const int = tf.zeros([1, 2, 5, 8], 'int32') as tf.Tensor4D;
  const choices = {
    default: attentionPath(x, x, x),
    fusedFalse: attentionPath(x, x, x, { fused: false }),
    dropout: attentionPath(x, x, x, { dropoutRate: 0.1 }),
    dropoutZero: attentionPath(x, x, x, { dropoutRate: 0 }),
    int32: attentionPath(int, int, int),
  };
  tf.dispose([x, int]);
  return choices;
}

function randomTensor<R extends tf.Rank>(rng: Rng, shape: number[], scale = 1): tf.Tensor<R> {
  const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < values.length; i++) values[i] = rng.normal() * scale;
  return tf.tensor(values, shape as tf.ShapeMap[R]) as tf.Tensor<R>;
}

interface Inputs {
  q: tf.Tensor4D;
  k: tf.Tensor4D;
  v: tf.Tensor4D;
  dy: tf.Tensor4D;
}

function makeInputs(shape: AttentionShape, seed: number, logitScale = 1): Inputs {
  const rng = new Rng(seed);
  const { batch, heads, tokens, headDim } = shape;
  const keyTokens = shape.keyTokens ?? tokens;
  // q k^T / sqrt(d) ~ N(0, logitScale^2): logitScale > 1 makes the softmax peaked, as trained models do.
  return {
    q: randomTensor<tf.Rank.R4>(rng, [batch, heads, tokens, headDim], logitScale),
    k: randomTensor<tf.Rank.R4>(rng, [batch, heads, keyTokens, headDim]),
    v: randomTensor<tf.Rank.R4>(rng, [batch, heads, keyTokens, headDim]),
    dy: randomTensor<tf.Rank.R4>(rng, [batch, heads, tokens, headDim]),
  };
}

type AttentionFn = (q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D) => tf.Tensor4D;

/** One forward and one backward: the gradients of sum(output * dy) with respect to q, k, v. */
function forwardBackward(fn: AttentionFn, { q, k, v, dy }: Inputs): tf.Tensor[] {
  return tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
    tf.sum(tf.mul(fn(a as tf.Tensor4D, b as tf.Tensor4D, c as tf.Tensor4D), dy)),
  )([q, k, v]);
}

async function maxAbs(t: tf.Tensor): Promise<number> {
  const m = tf.max(tf.abs(t));
  const value = (await m.data())[0]!;
  m.dispose();
  return value;
}

async function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  const d = tf.sub(a, b);
  const value = await maxAbs(d);
  d.dispose();
  return value;
}

export interface ParityResult {
  shape: AttentionShape;
  /** Which path `attention()` picks for this shape with default options. */
  selectedPath: AttentionPath;
  /** max |fused - stock| for out, dq, dk, dv. */
  maxDiff: { out: number; dq: number; dk: number; dv: number };
  /** max |stock| for the same tensors, to read the differences against. */
  maxReference: { out: number; dq: number; dk: number; dv: number };
  finite: boolean;
}

/** Fused (called directly, so a silent fallback cannot pass) against the stock ops on the active backend. */
export async function attentionParity(
  shape: AttentionShape,
  seed = 1,
  logitScale = 1,
): Promise<ParityResult> {
  const inputs = makeInputs(shape, seed, logitScale);
  const selectedPath = attentionPath(inputs.q, inputs.k, inputs.v);
  const { q, k, v } = inputs;
  const fused = [fusedAttention(q, k, v), ...forwardBackward(fusedAttention, inputs)];
  const stock = [stockAttention(q, k, v), ...forwardBackward((a, b, c) => stockAttention(a, b, c), inputs)];
  const names = ['out', 'dq', 'dk', 'dv'] as const;
  const maxDiff = { out: 0, dq: 0, dk: 0, dv: 0 };
  const maxReference = { out: 0, dq: 0, dk: 0, dv: 0 };
  let finite = true;
  for (let i = 0; i < names.length; i++) {
    const fusedValues = await fused[i]!.data();
    finite &&= fusedValues.every(Number.isFinite);
    maxDiff[names[i]!] = await maxAbsDiff(fused[i]!, stock[i]!);
    maxReference[names[i]!] = await maxAbs(stock[i]!);
  }
  tf.dispose([...fused, ...stock, ...Object.values(inputs)]);
  return { shape, selectedPath, maxDiff, maxReference, finite };
}

/**
 * A tiny attention layer (q, k, v projections of one input) trained through `tf.variableGrads`, once
 * with the fused path and once with the stock one: the loss and every variable's gradient must agree.
 */
export async function variableGradsParity(
  shape: AttentionShape,
  seed = 7,
): Promise<{
  lossDiff: number;
  maxGradDiff: number;
  maxGrad: number;
  fusedPathUsed: boolean;
}> {
  const rng = new Rng(seed);
  const { batch, heads, tokens, headDim } = shape;
  const hidden = heads * headDim;
  const x = randomTensor<tf.Rank.R2>(rng, [batch * tokens, hidden]);
  const weights = ['wq', 'wk', 'wv'].map((name) =>
    tf.variable(
      randomTensor(rng, [hidden, hidden], 1 / Math.sqrt(hidden)),
      true,
      `${name}_${seed}_${Date.now()}`,
    ),
  );
  const target = randomTensor(rng, [batch, heads, tokens, headDim]);
  const split = (t: tf.Tensor) =>
    tf.transpose(tf.reshape(t, [batch, tokens, heads, headDim]), [0, 2, 1, 3]) as tf.Tensor4D;
  let fusedPathUsed = false;
  const run = (fused: boolean) =>
    tf.variableGrads(() => {
      const [q, k, v] = weights.map((w) => split(tf.matMul(x, w)));
      if (fused) fusedPathUsed = attentionPath(q!, k!, v!) === 'fused';
      const out = attention(q!, k!, v!, { fused });
      return tf.mean(tf.square(tf.sub(out, target))) as tf.Scalar;
    });
  const a = run(true);
  const b = run(false);
  const lossDiff = Math.abs((await a.value.data())[0]! - (await b.value.data())[0]!);
  let maxGradDiff = 0;
  let maxGrad = 0;
  for (const name of Object.keys(a.grads)) {
    maxGradDiff = Math.max(maxGradDiff, await maxAbsDiff(a.grads[name]!, b.grads[name]!));
    maxGrad = Math.max(maxGrad, await maxAbs(b.grads[name]!));
  }
  tf.dispose([x, target, a.value, b.value, ...Object.values(a.grads), ...Object.values(b.grads), ...weights]);
  return { lossDiff, maxGradDiff, maxGrad, fusedPathUsed };
}

export interface MemoryResult {
  shape: AttentionShape;
  path: AttentionPath;
  inputBytes: number;
  /**
   * Peak of tf.memory().numBytes during forward + backward, minus what was allocated before. tfjs counts
   * every tensor object, so views (reshape, the clones customGrad and the stock gradients save) count too.
   */
  peakBytesAboveInputs: number;
  /**
   * Peak of GPU buffer bytes in use (the webgpu backend's buffer manager, sampled after every program)
   * above the level before: real allocations, whatever tfjs's tensor bookkeeping says. Null off webgpu.
   */
  peakGpuBytesAboveInputs: number | null;
  /** Bytes still allocated afterwards that were not before (the results were disposed: expect 0). */
  leakedBytes: number;
}

interface GpuBytesSampler {
  /** Restores the backend and returns the peak above the level at the start (null off webgpu). */
  stop(): number | null;
}

/** Samples the webgpu backend's bytes in use after every program it runs, until stopped. */
function sampleGpuBytes(): GpuBytesSampler {
  if (tf.getBackend() !== 'webgpu') return { stop: () => null };
  const backend = tf.backend() as unknown as {
    runWebGPUProgram: (...args: unknown[]) => unknown;
    bufferManager: { numBytesUsed: number };
  };
  const original = backend.runWebGPUProgram;
  const start = backend.bufferManager.numBytesUsed;
  let peak = start;
  backend.runWebGPUProgram = function (this: unknown, ...args: unknown[]) {
    const result = original.apply(this, args);
    peak = Math.max(peak, backend.bufferManager.numBytesUsed);
    return result;
  };
  return {
    stop: () => {
      backend.runWebGPUProgram = original;
      return peak - start;
    },
  };
}

/** Peak memory of one forward + backward (gradients of sum(out * dy)) measured with tf.profile. */
export async function attentionPeakMemory(shape: AttentionShape, path: AttentionPath): Promise<MemoryResult> {
  const inputs = makeInputs(shape, 3);
  const fn: AttentionFn = path === 'fused' ? fusedAttention : (q, k, v) => stockAttention(q, k, v);
  const inputBytes = Object.values(inputs).reduce((sum, t) => sum + t.size * 4, 0);
  const gpu = sampleGpuBytes();
  const before = tf.memory().numBytes;
  const info = await tf.profile(() => {
    const results = forwardBackward(fn, inputs);
    tf.dispose(results);
    return tf.scalar(0);
  });
  const after = tf.memory().numBytes;
  const peakGpuBytesAboveInputs = gpu.stop();
  tf.dispose(info.result as tf.Tensor);
  tf.dispose(Object.values(inputs));
  return {
    shape,
    path,
    inputBytes,
    peakBytesAboveInputs: info.peakBytes - before,
    peakGpuBytesAboveInputs,
    leakedBytes: after - before - 4,
  };
}

async function settle(tensors: tf.Tensor[]): Promise<void> {
  // One scalar read waits for everything queued before it (one queue, in order).
  const last = tf.sum(tensors[tensors.length - 1]!);
  await last.data();
  tf.dispose([last, ...tensors]);
}

/**
 * Milliseconds of one forward (`forward`) or one forward + backward (`forwardBackward`) of `path`, from
 * the call to the moment its last result is readable. Inputs are made (and uploaded) before the clock
 * starts. The caller warms the pipelines up first and interleaves paths, so that both see the same load.
 */
export async function timeAttentionOnce(
  shape: AttentionShape,
  path: AttentionPath,
  mode: 'forward' | 'forwardBackward',
): Promise<number> {
  const inputs = makeInputs(shape, 5);
  await settle([tf.add(inputs.q, tf.add(inputs.k, tf.add(inputs.v, inputs.dy)))]);
  const fn: AttentionFn = path === 'fused' ? fusedAttention : (q, k, v) => stockAttention(q, k, v);
  const start = performance.now();
  if (mode === 'forward') await settle([fn(inputs.q, inputs.k, inputs.v)]);
  else await settle(forwardBackward(fn, inputs));
  const ms = performance.now() - start;
  tf.dispose(Object.values(inputs));
  return ms;
}

/** Waits for everything queued so far by reading back one element of `t` (one queue, in order). */
async function readOne(t: tf.Tensor): Promise<void> {
  const one = tf.slice(t, new Array<number>(t.rank).fill(0), new Array<number>(t.rank).fill(1));
  await one.data();
  one.dispose();
}

/**
 * Milliseconds of each stage of one fused forward + backward, each dispatched on its own and waited for
 * (the adapter may lack timestamp queries): the forward program, delta = rowsum(dO * O), the backward
 * program, and splitting its output into dQ (summing the key groups' partials), dK, dV.
 */
export async function timeFusedPrograms(shape: AttentionShape): Promise<Record<string, number>> {
  const inputs = makeInputs(shape, 5);
  const { q, k, v, dy } = inputs;
  await readOne(tf.add(q, tf.add(k, tf.add(v, dy))));
  const dims = dimsOf(q, k);
  const plan = fusedAttentionPlan(dims.headDim);
  if (!plan) throw new Error(`no fused attention plan for head dim ${dims.headDim} on this device`);
  const groups = keyGroups(plan.backward, dims.matrices, dims.keyTokens);
  const ms: Record<string, number> = {};
  const timed = async <T extends tf.Tensor | tf.Tensor[]>(name: string, run: () => T): Promise<T> => {
    const start = performance.now();
    const out = run();
    await readOne(Array.isArray(out) ? out[out.length - 1]! : out);
    ms[name] = performance.now() - start;
    return out;
  };
  const packed = await timed('forward', () =>
    runProgram(new AttentionForwardProgram(plan.forward, dims), [q, k, v], attentionUniforms(dims)),
  );
  const delta = await timed('rowDot', () =>
    runProgram(new AttentionRowDotProgram(dims), [dy, packed], attentionUniforms(dims)),
  );
  const grads = await timed('backward', () =>
    runProgram(
      new AttentionBackwardProgram(plan.backward, dims, groups),
      [q, k, v, dy, packed, delta],
      backwardUniforms(dims, groups),
    ),
  );
  const split = await timed('splitGradients', () => splitGradients(grads, dims, groups));
  tf.dispose([packed, delta, grads, ...split, ...Object.values(inputs)]);
  return ms;
}
