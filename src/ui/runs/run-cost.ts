/**
 * What "Train both" will cost on this machine, said before it starts: the memory the runs need against what
 * the chosen backend can hold (wasm's 4 GB heap, a GPU adapter's largest storage binding), and the time a
 * step, an epoch and the whole comparison will take, from a short measurement of this machine's matMul
 * throughput. When the runs cannot fit, it says why and what would (a smaller batch or input, another
 * backend, one run alone). Pure, so it is tested in Node.
 */
import {
  type BackendName,
  type AdapterReport,
  type ThroughputReport,
  type RunId,
  planTraining,
  type RunConfig,
} from '../../store/domain.ts';
import type { ModelFigures } from '../model/model-figures.ts';

/** tfjs-backend-wasm's heap limit (emscripten's getHeapMax in its builds: 4 GiB less one page). */
export const WASM_HEAP_BYTES = 4294901760;
/**
 * Share of the wasm heap the estimate may use: the estimate counts weights, gradients, Adam state and one
 * step's activations, not the allocator's fragmentation, the batches copied in, or tfjs's temporaries.
 */
const WASM_USABLE = 0.85;
/**
 * Share of a training step spent in matrix products (measured by `bench train --profile`: two thirds on wasm
 * for `small`): the rest of the step is estimated from that share.
 */
const MATMUL_SHARE = 0.67;

export interface RunTime {
  stepSeconds: number;
  epochSeconds: number;
  totalSeconds: number;
  stepsPerEpoch: number;
  totalSteps: number;
}

export interface MemoryCheck {
  /** What is checked, in words. */
  what: string;
  need: number;
  limit: number | null;
  ok: boolean;
}

export type Remedy =
  | { kind: 'batch'; batchSize: number; label: string }
  | { kind: 'input'; input: string; label: string }
  | { kind: 'backend'; backend: BackendName; label: string }
  | { kind: 'alone'; runId: RunId; label: string };

export interface RunCost {
  /** Bytes both runs hold at once (each one's state, one step's activations at a time). */
  bothBytes: number;
  checks: MemoryCheck[];
  fits: boolean;
  /** Why the runs cannot train here, when they cannot. */
  reason: string | null;
  remedies: Remedy[];
  /** Null until the throughput has been measured. */
  time: Record<RunId, RunTime> | null;
  totalSeconds: number | null;
  throughput: ThroughputReport | null;
}

export interface CostInput {
  figures: ModelFigures;
  configs: Record<RunId, RunConfig>;
  trainClips: number;
  backend: BackendName | null;
  adapter: AdapterReport | null;
  throughput: ThroughputReport | null;
  /** Figures of the same model at another input (frames x resolution), for a preset model; else null. */
  figuresAtInput: ((input: string) => ModelFigures) | null;
  /** Inputs to offer, largest first (INPUT_KEYS), and the current one. */
  inputs: readonly string[];
  input: string;
  fusedAttention: boolean;
}

const GB = 1e9;
const formatGb = (bytes: number) =>
  bytes >= GB ? `${(bytes / GB).toFixed(1)} GB` : `${Math.round(bytes / 1e6)} MB`;

/** Bytes both runs need with the batch sizes of `configs`. */
function bothBytesOf(figures: ModelFigures, batches: Record<RunId, number>, fused: boolean): number {
  const perClip = fused ? figures.activationBytesPerClip.fused : figures.activationBytesPerClip.stock;
  return 2 * figures.stateBytes + perClip * Math.max(batches.A, batches.B);
}

function checksOf(
  figures: ModelFigures,
  batches: Record<RunId, number>,
  backend: BackendName | null,
  adapter: AdapterReport | null,
  fused: boolean,
): MemoryCheck[] {
  const both = bothBytesOf(figures, batches, fused);
  if (backend === 'wasm') {
    const limit = WASM_HEAP_BYTES * WASM_USABLE;
    return [
      {
        what: 'wasm heap (weights, gradients, Adam state of both runs, one step’s activations)',
        need: both,
        limit,
        ok: both <= limit,
      },
    ];
  }
  if (backend === 'webgpu' && adapter) {
    const binding = Math.min(adapter.limits.maxStorageBufferBindingSize, adapter.limits.maxBufferSize);
    const perClip = fused ? figures.largestTensorBytesPerClip.fused : figures.largestTensorBytesPerClip.stock;
    const name = fused ? figures.largestTensorNamePerClip.fused : figures.largestTensorNamePerClip.stock;
    const largest = perClip * Math.max(batches.A, batches.B);
    return [
      {
        what: `largest tensor of a step (the ${name}) against the adapter’s storage binding (maxStorageBufferBindingSize)`,
        need: largest,
        limit: binding,
        ok: largest <= binding,
      },
      // WebGPU does not say how much memory the GPU has.
      { what: 'GPU memory (not reported by the browser)', need: both, limit: null, ok: true },
    ];
  }
  return [{ what: `${backend ?? 'backend'} memory (no limit known)`, need: both, limit: null, ok: true }];
}

function timeOf(config: RunConfig, figures: ModelFigures, trainClips: number, gflops: number): RunTime {
  const plan = planTraining(config, Math.max(1, trainClips));
  // Forward, and a backward of about twice its products, for every clip of every micro-batch.
  const flops = 3 * figures.forwardFlopsPerClip * config.batchSize * config.gradAccumulation;
  const stepSeconds = flops / (gflops * 1e9) / MATMUL_SHARE;
  return {
    stepSeconds,
    epochSeconds: stepSeconds * plan.stepsPerEpoch,
    totalSeconds: stepSeconds * plan.totalSteps,
    stepsPerEpoch: plan.stepsPerEpoch,
    totalSteps: plan.totalSteps,
  };
}

export function runCost(input: CostInput): RunCost {
  const { figures, configs, backend, adapter, fusedAttention: fused } = input;
  const batches = { A: configs.A.batchSize, B: configs.B.batchSize };
  const checks = checksOf(figures, batches, backend, adapter, fused);
  const failed = checks.filter((c) => !c.ok);
  const fits = failed.length === 0;
  const remedies: Remedy[] = [];
  if (!fits) {
    const fitsWith = (f: ModelFigures, b: Record<RunId, number>) =>
      checksOf(f, b, backend, adapter, fused).every((c) => c.ok);
    for (let batch = Math.max(batches.A, batches.B) - 1; batch >= 1; batch--) {
      if (fitsWith(figures, { A: batch, B: batch })) {
        remedies.push({ kind: 'batch', batchSize: batch, label: `Batch ${batch} for both runs` });
        break;
      }
    }
    if (input.figuresAtInput) {
      const smaller = input.inputs.slice(input.inputs.indexOf(input.input) + 1);
      const found = smaller.find((key) => fitsWith(input.figuresAtInput!(key), batches));
      if (found)
        remedies.push({ kind: 'input', input: found, label: `${found.replace('x', ' frames × ')} px` });
    }
    if (backend === 'wasm' && adapter && !adapter.isFallbackAdapter) {
      remedies.push({ kind: 'backend', backend: 'webgpu', label: 'Train on the GPU (WebGPU)' });
    }
    const alone = figures.stateBytes + figures.activationBytesPerClip.stock * batches.A;
    const aloneLimit = failed[0]!.limit ?? Infinity;
    if (backend === 'wasm' && alone <= aloneLimit) {
      remedies.push({ kind: 'alone', runId: 'A', label: 'Train A alone (one model in memory)' });
    }
  }
  const first = failed[0];
  const reason = first
    ? `Needs ${formatGb(first.need)} for the ${first.what}; ${backend} can hold ${formatGb(first.limit ?? 0)}.`
    : null;
  const gflops = input.throughput?.gflops ?? null;
  const time =
    gflops && gflops > 0
      ? {
          A: timeOf(configs.A, figures, input.trainClips, gflops),
          B: timeOf(configs.B, figures, input.trainClips, gflops),
        }
      : null;
  return {
    bothBytes: bothBytesOf(figures, batches, fused),
    checks,
    fits,
    reason,
    remedies,
    time,
    totalSeconds: time ? time.A.totalSeconds + time.B.totalSeconds : null,
    throughput: input.throughput,
  };
}
