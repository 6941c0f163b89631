/**
 * `npm run bench -- attention [--shapes all|small|full] [--reps N]`: fused WGSL attention against the
 * stock tfjs ops on the webgpu backend in headless Chromium, side by side in one page: ms per forward and
 * per forward + backward (interleaved, so both paths see the same machine load), peak memory of one
 * forward + backward, the ratios, and the share of the fused path's time in each of its programs.
 *
 * Shapes: `full` is VideoMAE-Base at 16 frames (B=1, H=12, N=1568, d=64), `small` is a batch of four at
 * 8 frames of 112 x 112 (B=4, H=6, N=392, d=64). On lavapipe `full` takes a few minutes, on SwiftShader (`--adapter swiftshader`) longer.
 */
import type { Page } from '@playwright/test';
import type { BenchArgs } from './run.ts';
import { adapterArg, callHarness, describeBrowser, withHarnessPage } from './browser.ts';
import type { AttentionShape, MemoryResult } from '../e2e/harness/suites/attention.ts';
import type { AttentionPlan } from '../src/kernels/attention-tiling.ts';
import { median, toSignificant as round } from '../src/util/stats.ts';

const SHAPES: Record<'full' | 'small', AttentionShape> = {
  full: { batch: 1, heads: 12, tokens: 1568, headDim: 64 },
  small: { batch: 4, heads: 6, tokens: 392, headDim: 64 },
};
type Path = 'stock' | 'fused';
const PATHS: Path[] = ['stock', 'fused'];

interface PathFigures {
  forwardMs: number[];
  forwardBackwardMs: number[];
  medianForwardMs: number;
  medianForwardBackwardMs: number;
  /** Peak tf.memory().numBytes above the inputs during one forward + backward. */
  peakBytes: number;
  /** Peak GPU buffer bytes in use above the inputs (real allocations). */
  peakGpuBytes: number | null;
}

async function measureShape(page: Page, name: string, shape: AttentionShape, reps: number) {
  const figures = {} as Record<Path, PathFigures>;
  for (const path of PATHS) {
    // Also the warm-up: every pipeline either path needs is compiled here, outside the timed runs.
    console.error(`[attention] ${name} ${path}: peak memory of forward + backward`);
    const memory = await callHarness<MemoryResult>(page, 'attentionPeakMemory', shape, path);
    figures[path] = {
      forwardMs: [],
      forwardBackwardMs: [],
      medianForwardMs: 0,
      medianForwardBackwardMs: 0,
      peakBytes: memory.peakBytesAboveInputs,
      peakGpuBytes: memory.peakGpuBytesAboveInputs,
    };
  }
  for (let rep = 0; rep < reps; rep++) {
    for (const mode of ['forward', 'forwardBackward'] as const) {
      for (const path of PATHS) {
        const ms = await callHarness<number>(page, 'timeAttentionOnce', shape, path, mode);
        console.error(`[attention] ${name} rep ${rep + 1}/${reps} ${path} ${mode}: ${ms.toFixed(0)} ms`);
        figures[path][mode === 'forward' ? 'forwardMs' : 'forwardBackwardMs'].push(round(ms, 4));
      }
    }
  }
  // Where the fused path's time goes: each stage dispatched alone and waited for (no timestamp queries on
  // lavapipe), so the stages sum to a bit more than one forward + backward.
  const stageMs: Record<string, number[]> = {};
  for (let rep = 0; rep < reps; rep++) {
    const ms = await callHarness<Record<string, number>>(page, 'timeFusedPrograms', shape);
    console.error(`[attention] ${name} rep ${rep + 1}/${reps} fused stages: ${JSON.stringify(ms)}`);
    for (const [stage, value] of Object.entries(ms)) (stageMs[stage] ??= []).push(value);
  }
  const stageMedians = Object.fromEntries(Object.entries(stageMs).map(([k, v]) => [k, median(v)]));
  const stageTotal = Object.values(stageMedians).reduce((a, b) => a + b, 0);
  const fusedStages = Object.fromEntries(
    Object.entries(stageMedians).map(([k, v]) => [k, { ms: round(v, 4), share: round(v / stageTotal, 3) }]),
  );
  for (const path of PATHS) {
    figures[path].medianForwardMs = round(median(figures[path].forwardMs), 4);
    figures[path].medianForwardBackwardMs = round(median(figures[path].forwardBackwardMs), 4);
  }
  const { stock, fused } = figures;
  return {
    name,
    shape,
    stock,
    fused,
    fusedStages,
    ratios: {
      /** > 1: fused is faster. */
      forwardSpeedup: round(stock.medianForwardMs / fused.medianForwardMs),
      forwardBackwardSpeedup: round(stock.medianForwardBackwardMs / fused.medianForwardBackwardMs),
      /** < 1: fused needs less. */
      peakBytesFusedOverStock: round(fused.peakBytes / stock.peakBytes),
      peakGpuBytesFusedOverStock:
        fused.peakGpuBytes !== null && stock.peakGpuBytes
          ? round(fused.peakGpuBytes / stock.peakGpuBytes)
          : null,
    },
  };
}

export async function run(args: BenchArgs): Promise<unknown> {
  const which = String(args.shapes ?? 'all');
  if (!['all', 'small', 'full'].includes(which))
    throw new Error(`--shapes must be all, small or full (got ${which})`);
  const reps = Number(args.reps ?? 2);
  if (!Number.isInteger(reps) || reps < 1)
    throw new Error(`--reps must be a positive integer (got ${args.reps})`);
  const names = which === 'all' ? (['small', 'full'] as const) : ([which] as ['small' | 'full']);

  return withHarnessPage(
    'attention',
    async (page) => {
      const backend = await callHarness<string>(page, 'useBackend', 'webgpu');
      const browser = await describeBrowser(page);
      const limits = await callHarness<unknown>(page, 'deviceLimits');
      const plan = await callHarness<AttentionPlan | null>(page, 'planFor', 64);
      const results = [];
      for (const name of names) results.push(await measureShape(page, name, SHAPES[name], reps));
      return {
        benchmark: 'attention',
        backend,
        ...browser,
        limits,
        tilesForHeadDim64: plan && {
          forward: { queries: plan.forward.rows, keys: plan.forward.cols, bytes: plan.forward.storageBytes },
          backward: {
            keys: plan.backward.rows,
            queries: plan.backward.cols,
            bytes: plan.backward.storageBytes,
          },
        },
        reps,
        results,
      };
    },
    { adapter: adapterArg(args.adapter) },
  );
}
