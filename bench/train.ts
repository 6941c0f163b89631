/**
 * `npm run bench -- train [--preset small] [--frames 8] [--size 112] [--batch 4] [--steps 3] [--warmup 1]
 * [--backends wasm,webgpu,webgl] [--wasm-threads N] [--torch-threads N] [--profile]`: clips/s of one training step of the app's own trainer
 * (forward, cross-entropy, backward, Adam update) on each backend headless Chromium offers, and in the same
 * run the same model and step in PyTorch eager on the CPU (bench/train_reference.py, Debian python3-torch),
 * with the ratio ours / PyTorch per backend. The goal on a CPU-only machine: our best backend >= 0.5x.
 *
 * Backends and PyTorch alternate round by round, so machine load drifts over all of them alike. The
 * webgpu adapter on a GPU-less machine is SwiftShader (a CPU emulation): its figure says so in the JSON.
 *
 * `--profile`: instead, one step per backend under tf.profile, its kernel time grouped by kernel (the top 25
 * and the share of the step they make up), to see where a step's time goes, and the matrix products'
 * total time and GFLOP/s: a step can be no faster than its products at the backend's GEMM speed.
 */
import type { Page } from '@playwright/test';
import { PRESETS, type PresetName } from '../src/model/videomae/config.ts';
import { runTorch, type TorchResult } from './lib/torch-reference.ts';
import type { TrainStepProfile, TrainStepResult, TrainStepSetup } from '../e2e/harness/train-step-run.ts';
import { adapterArg, callHarness, describeBrowser, withHarnessPage } from './browser.ts';
import type { BenchArgs } from './run.ts';
import { median, toSignificant as round } from '../src/util/stats.ts';

async function oursOn(
  page: Page,
  backend: string,
  setup: TrainStepSetup,
): Promise<TrainStepResult | { error: string }> {
  try {
    await callHarness(page, 'useBackend', backend);
    return await callHarness<TrainStepResult>(page, 'trainStepTimes', setup);
  } catch (error) {
    return { error: String(error instanceof Error ? error.message : error) };
  }
}

async function profiles(
  page: Page,
  backends: string[],
  setup: TrainStepSetup,
): Promise<{ profiles: Record<string, unknown>; errors: Record<string, string> }> {
  const out: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const backend of backends) {
    console.error(`[train] profiling one step on ${backend}`);
    try {
      await callHarness(page, 'useBackend', backend);
      const profile = await callHarness<TrainStepProfile>(page, 'trainStepProfile', setup);
      out[backend] = {
        stepMs: round(profile.stepMs),
        kernelMs: round(profile.kernelMs),
        matMul: {
          ms: round(profile.matMul.ms),
          shareOfStep: round(profile.matMul.ms / profile.stepMs),
          gflop: round(profile.matMul.gflop),
          gflopPerS: round(profile.matMul.gflop / (profile.matMul.ms / 1000)),
        },
        kernels: profile.kernels.slice(0, 25).map((k) => ({
          ...k,
          ms: round(k.ms),
          share: round(k.ms / profile.stepMs),
        })),
      };
    } catch (error) {
      errors[backend] = String(error instanceof Error ? error.message : error);
    }
  }
  return { profiles: out, errors };
}

export async function run(args: BenchArgs): Promise<unknown> {
  const preset = String(args.preset ?? 'small') as PresetName;
  if (!(preset in PRESETS))
    throw new Error(`unknown preset ${preset} (have: ${Object.keys(PRESETS).join(', ')})`);
  const setup: TrainStepSetup = {
    preset,
    frames: Number(args.frames ?? 8),
    size: Number(args.size ?? 112),
    batch: Number(args.batch ?? 4),
    labels: Number(args.labels ?? 10),
    warmup: Number(args.warmup ?? 1),
    steps: Number(args.steps ?? 3),
  };
  const backends = String(args.backends ?? 'wasm,webgpu,webgl').split(',');
  const rounds = Number(args.rounds ?? 2);
  const torchThreads = args['torch-threads'] === undefined ? null : Number(args['torch-threads']);

  return withHarnessPage(
    'train-step',
    async (page) => {
      const browser = await describeBrowser(page);
      // Before wasm starts: the thread count is fixed for the page's life. Default: what the app picks.
      const wasmThreads =
        args['wasm-threads'] === undefined
          ? await callHarness<number>(page, 'defaultWasmThreads')
          : Number(args['wasm-threads']);
      await callHarness(page, 'chooseWasmThreads', wasmThreads);
      if (args.profile)
        return {
          bench: 'train --profile',
          setup,
          wasmThreads,
          browser,
          ...(await profiles(page, backends, setup)),
        };
      const ours: Record<string, number[]> = Object.fromEntries(backends.map((b) => [b, []]));
      const errors: Record<string, string> = {};
      const leaks: Record<string, number> = {};
      const torch: number[] = [];
      let torchInfo: Omit<TorchResult, 'step_ms_median' | 'step_ms_all' | 'clips_per_s'> | null = null;
      for (let round = 0; round < rounds; round++) {
        for (const backend of backends) {
          if (errors[backend]) continue;
          console.error(`[train] round ${round + 1}/${rounds}: ours on ${backend}`);
          const result = await oursOn(page, backend, setup);
          if ('error' in result) errors[backend] = result.error;
          else {
            ours[backend]!.push(...result.stepMs);
            leaks[backend] = Math.max(leaks[backend] ?? 0, result.tensorGrowth);
          }
        }
        console.error(`[train] round ${round + 1}/${rounds}: PyTorch`);
        const reference = runTorch(setup, { threads: torchThreads, device: 'cpu' });
        if ('error' in reference) {
          errors.pytorch = reference.error;
          break;
        }
        torch.push(...reference.step_ms_all);
        const { framework, threads, blas, device } = reference;
        torchInfo = { framework, threads, blas, device };
      }
      const torchClipsPerS = torch.length ? (setup.batch * 1000) / median(torch) : null;
      const perBackend = Object.fromEntries(
        backends
          .filter((b) => ours[b]!.length > 0)
          .map((b) => {
            const clipsPerS = (setup.batch * 1000) / median(ours[b]!);
            return [
              b,
              {
                stepMsMedian: round(median(ours[b]!)),
                stepMsAll: ours[b]!.map((v) => round(v)),
                clipsPerS: round(clipsPerS),
                ratioToPytorch: torchClipsPerS ? round(clipsPerS / torchClipsPerS) : null,
                tensorGrowthOverSteps: leaks[b],
              },
            ];
          }),
      );
      const best = Object.entries(perBackend).sort((a, b) => b[1].clipsPerS - a[1].clipsPerS)[0];
      return {
        bench: 'train',
        setup,
        wasmThreads,
        what: 'one RunTrainer step (batch, forward, CE loss, backward, Adam update, loss read back) vs the same in PyTorch eager',
        browser,
        ours: perBackend,
        pytorch: torchClipsPerS
          ? {
              ...torchInfo,
              stepMsMedian: round(median(torch)),
              stepMsAll: torch.map((v) => round(v)),
              clipsPerS: round(torchClipsPerS),
            }
          : null,
        best: best ? { backend: best[0], ratioToPytorch: best[1].ratioToPytorch, goal: 0.5 } : null,
        errors,
      };
    },
    { adapter: adapterArg(args.adapter) },
  );
}
