/**
 * `npm run bench -- train-node [--preset small] [--input 16x224] [--batch 1] [--steps 3] [--warmup 1]
 * [--rounds 1] [--backend-flags backend=opengles] [--compat] [--torch-device cpu|cuda] [--torch-threads N]`:
 * the app's own training step (the browser bench's RunTrainer step, e2e/harness/train-step-run.ts) on
 * tfjs's webgpu backend in Node, on Dawn (the `webgpu` package) instead of a browser, and in the same run
 * the same model and step in PyTorch eager (bench/train_reference.py) when --torch-device is given.
 *
 * `--backend-flags` go to Dawn's create() (comma-separated, e.g. `backend=vulkan`); `--compat` asks for a
 * compatibility-level adapter, which Dawn's OpenGL ES backend (Mesa, no GPU) offers and a core-only request
 * does not find. scripts/gpu/ bundles this file to run on a machine with no npm.
 */
import { create, globals } from 'webgpu';
import type { TrainStepSetup } from '../e2e/harness/train-step-run.ts';
import { PRESETS, type PresetName } from '../src/model/videomae/config.ts';
import { median, toSignificant as round } from '../src/util/stats.ts';
import { runTorch, type TorchDevice, type TorchResult } from './lib/torch-reference.ts';
import type { BenchArgs } from './run.ts';

export interface AdapterDescription {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** Whether the adapter has WebGPU's core features and limits (a compatibility-level one may lack them). */
  coreFeaturesAndLimits: boolean;
  createFlags: string[];
}

/** `FxS`, e.g. `16x224`: frames and square image size. */
function parseInput(text: string): { frames: number; size: number } {
  const match = /^(\d+)x(\d+)$/.exec(text);
  if (!match) throw new Error(`--input ${text}: expected FRAMESxSIZE, e.g. 16x224`);
  return { frames: Number(match[1]), size: Number(match[2]) };
}

/**
 * Gives Node a navigator.gpu on Dawn before tfjs's webgpu backend loads (it registers only when one is
 * there). Node 21+ has a navigator of its own behind a getter, hence defineProperty rather than assignment.
 */
export function installDawn(
  flags: string[],
  compat: boolean,
): { adapter: () => AdapterDescription | null; requested: () => boolean } {
  Object.assign(globalThis, globals);
  const gpu = create(flags);
  let seen: AdapterDescription | null = null;
  let requested = false;
  const requestAdapter = gpu.requestAdapter.bind(gpu);
  // tfjs (and the app's own factory, src/worker/webgpu-device.ts) ask for the adapter themselves; this
  // adds the feature level they do not name and keeps what the adapter says it is.
  gpu.requestAdapter = async (options?: GPURequestAdapterOptions) => {
    requested = true;
    const adapter = await requestAdapter({
      ...options,
      ...(compat ? { featureLevel: 'compatibility' } : {}),
    });
    if (adapter) {
      const { vendor, architecture, device, description } = adapter.info;
      seen = {
        vendor,
        architecture,
        device,
        description,
        coreFeaturesAndLimits: adapter.features.has('core-features-and-limits'),
        createFlags: flags,
      };
    }
    return adapter;
  };
  Object.defineProperty(globalThis, 'navigator', {
    value: { gpu, hardwareConcurrency: 1, userAgent: 'node' },
    configurable: true,
    writable: true,
  });
  return { adapter: () => seen, requested: () => requested };
}

export async function run(args: BenchArgs): Promise<unknown> {
  const preset = String(args.preset ?? 'small') as PresetName;
  if (!(preset in PRESETS))
    throw new Error(`unknown preset ${preset} (have: ${Object.keys(PRESETS).join(', ')})`);
  const { frames, size } = parseInput(String(args.input ?? '16x224'));
  const setup: TrainStepSetup = {
    preset,
    frames,
    size,
    batch: Number(args.batch ?? 1),
    labels: Number(args.labels ?? 10),
    warmup: Number(args.warmup ?? 1),
    steps: Number(args.steps ?? 3),
  };
  const rounds = Number(args.rounds ?? 1);
  const flags = typeof args['backend-flags'] === 'string' ? args['backend-flags'].split(',') : [];
  const torchDevice = args['torch-device'] === undefined ? null : String(args['torch-device']);
  if (torchDevice !== null && torchDevice !== 'cpu' && torchDevice !== 'cuda')
    throw new Error(`--torch-device ${torchDevice}: expected cpu or cuda`);
  const torchThreads = args['torch-threads'] === undefined ? null : Number(args['torch-threads']);

  const dawn = installDawn(flags, args.compat === true);
  // Only now: these modules look for navigator.gpu when they load.
  const tf = await import('@tensorflow/tfjs');
  await import('@tensorflow/tfjs-backend-webgpu');
  const { registerWebGPUBackend } = await import('../src/worker/webgpu-device.ts');
  const { trainStepTimes } = await import('../e2e/harness/train-step-run.ts');
  registerWebGPUBackend();
  if (!(await tf.setBackend('webgpu'))) {
    const found = dawn.adapter();
    const why = !dawn.requested()
      ? 'no adapter was asked for'
      : found === null
        ? 'Dawn offered no adapter (its messages above say why)'
        : `the adapter (${JSON.stringify(found)}) gave no usable device`;
    const level = args.compat === true ? ', compatibility level' : '';
    throw new Error(
      `tfjs could not start its webgpu backend on Dawn (create flags: ${flags.join(',') || 'none'}${level}): ${why}`,
    );
  }
  await tf.ready();

  const ours: number[] = [];
  const losses: number[] = [];
  const torch: number[] = [];
  const errors: Record<string, string> = {};
  let torchInfo: Pick<TorchResult, 'framework' | 'threads' | 'blas' | 'device'> | null = null;
  let growth = 0;
  let memory = { tensorBytesMax: 0, gpuAllocatedBytesMax: null as number | null };
  for (let r = 0; r < rounds; r++) {
    console.error(`[train-node] round ${r + 1}/${rounds}: ours on webgpu (Dawn)`);
    const result = await trainStepTimes(setup);
    ours.push(...result.stepMs);
    losses.push(...result.losses);
    growth = Math.max(growth, result.tensorGrowth);
    memory = {
      tensorBytesMax: Math.max(memory.tensorBytesMax, result.memoryAfterStep.tensorBytesMax),
      gpuAllocatedBytesMax:
        result.memoryAfterStep.gpuAllocatedBytesMax === null
          ? memory.gpuAllocatedBytesMax
          : Math.max(memory.gpuAllocatedBytesMax ?? 0, result.memoryAfterStep.gpuAllocatedBytesMax),
    };
    if (torchDevice === null || errors.pytorch) continue;
    console.error(`[train-node] round ${r + 1}/${rounds}: PyTorch eager on ${torchDevice}`);
    const reference = runTorch(setup, { threads: torchThreads, device: torchDevice as TorchDevice });
    if ('error' in reference) errors.pytorch = reference.error;
    else {
      torch.push(...reference.step_ms_all);
      const { framework, threads, blas, device } = reference;
      torchInfo = { framework, threads, blas, device };
    }
  }
  const clipsPerS = (setup.batch * 1000) / median(ours);
  const torchClipsPerS = torch.length ? (setup.batch * 1000) / median(torch) : null;
  return {
    bench: 'train-node',
    setup,
    what: 'one RunTrainer step (batch, forward, CE loss, backward, Adam update, loss read back) on tfjs webgpu in Node on Dawn vs the same in PyTorch eager',
    adapter: dawn.adapter(),
    node: process.version,
    ours: {
      backend: tf.getBackend(),
      stepMsMedian: round(median(ours)),
      stepMsAll: ours.map((v) => round(v)),
      clipsPerS: round(clipsPerS),
      losses: losses.map((v) => round(v)),
      tensorGrowthOverSteps: growth,
      memoryAfterStepMaxMiB: {
        tensors: round(memory.tensorBytesMax / 2 ** 20),
        gpuPoolAllocated:
          memory.gpuAllocatedBytesMax === null ? null : round(memory.gpuAllocatedBytesMax / 2 ** 20),
      },
    },
    pytorch: torchClipsPerS
      ? {
          ...torchInfo,
          stepMsMedian: round(median(torch)),
          stepMsAll: torch.map((v) => round(v)),
          clipsPerS: round(torchClipsPerS),
        }
      : null,
    ratioToPytorch: torchClipsPerS ? round(clipsPerS / torchClipsPerS) : null,
    errors,
  };
}
