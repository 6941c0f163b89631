/**
 * `npm run bench -- vitb-step [--preset base] [--frames 16] [--size 224] [--batch 1] [--labels 10]
 * [--adapter lavapipe|swiftshader]`: does VideoMAE-Base fit? ONE training step of the app's trainer (forward,
 * CE loss, backward, Adam update; fused attention on, as the app trains) on the webgpu backend, with every
 * request to the device recorded. It reports peak GPU bytes allocated against the Model panel's memory
 * estimate (summary.ts), and each device limit the step touched: the largest storage binding against
 * maxStorageBufferBindingSize, the most storage buffers bound for one program against
 * maxStorageBuffersPerShaderStage, the largest buffer and dispatch, and any validation error.
 *
 * Not a CI test: on lavapipe (a CPU) the step takes minutes. The first step also compiles every shader.
 */
import { presetConfig, PRESETS, type PresetName } from '../src/model/videomae/config.ts';
import { largestTensorBytes, summarizeModel } from '../src/model/videomae/summary.ts';
import type { TrainStepResult, TrainStepSetup } from '../e2e/harness/suites/train-step.ts';
import type { gpuUsageReport } from '../e2e/harness/suites/vitb-step.ts';
import { adapterArg, callHarness, describeBrowser, withHarnessPage } from './browser.ts';
import type { BenchArgs } from './run.ts';
import { toSignificant as round } from '../src/util/stats.ts';

const MIB = 2 ** 20;

function mib(bytes: number): number {
  return round(bytes / MIB);
}

export async function run(args: BenchArgs): Promise<unknown> {
  const preset = String(args.preset ?? 'base') as PresetName;
  if (!(preset in PRESETS))
    throw new Error(`unknown preset ${preset} (have: ${Object.keys(PRESETS).join(', ')})`);
  const setup: TrainStepSetup = {
    preset,
    frames: Number(args.frames ?? 16),
    size: Number(args.size ?? 224),
    batch: Number(args.batch ?? 1),
    labels: Number(args.labels ?? 10),
    warmup: 0,
    steps: 1,
  };
  const classes = Array.from({ length: setup.labels }, (_, i) => `class${i}`);
  const config = presetConfig(preset, { num_frames: setup.frames, image_size: setup.size }, classes);
  const summary = summarizeModel(config, setup.batch);
  const estimateFused = 4 * summary.parameterBytes + summary.activationBytesFusedAttention;

  return withHarnessPage(
    'vitb-step',
    async (page) => {
      const consoleProblems: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error' || /WGSL|Invalid/.test(message.text()))
          consoleProblems.push(`[${message.type()}] ${message.text()}`);
      });
      const browser = await describeBrowser(page);
      await callHarness(page, 'useBackend', 'webgpu');
      const limits = await callHarness<Record<string, number>>(page, 'deviceLimits');
      console.error(`[vitb-step] one ${preset} step at ${setup.frames}x${setup.size}, batch ${setup.batch}`);
      let step: TrainStepResult | { error: string };
      try {
        step = await callHarness<TrainStepResult>(page, 'trainStepTimes', setup);
      } catch (error) {
        step = { error: String(error instanceof Error ? error.message : error) };
      }
      const binding = limits.maxStorageBufferBindingSize!;
      const usage = await callHarness<ReturnType<typeof gpuUsageReport>>(page, 'gpuUsageReport', binding);
      const within = (used: number, limit: number | undefined) => ({
        used,
        limit: limit ?? null,
        share: limit ? round(used / limit) : null,
        within: limit === undefined ? null : used <= limit,
      });
      return {
        bench: 'vitb-step',
        what: 'one RunTrainer step on webgpu (fused attention), every device request recorded',
        setup,
        browser,
        step:
          'error' in step
            ? step
            : { ms: round(step.stepMs[0]!), loss: round(step.losses[0]!), tensorGrowth: step.tensorGrowth },
        memory: {
          peakGpuMiB: mib(usage.peakBytes),
          liveAfterStepMiB: mib(usage.liveBytes),
          buffersCreated: usage.buffersCreated,
          modelPanelEstimateMiB: {
            stockAttention: mib(summary.trainingBytes),
            fusedAttention: mib(estimateFused),
          },
          peakOverFusedEstimate: round(usage.peakBytes / estimateFused),
        },
        limits: {
          storageBinding: {
            ...within(usage.largestStorageBinding.bytes, binding),
            program: usage.largestStorageBinding.program,
            modelPanelLargestTensor: {
              fused: largestTensorBytes(config, setup.batch, true),
              stock: largestTensorBytes(config, setup.batch, false),
            },
            programsOverLimit: usage.bindingsOverLimit,
          },
          storageBuffersPerProgram: {
            ...within(usage.mostStorageBuffers.count, limits.maxStorageBuffersPerShaderStage),
            program: usage.mostStorageBuffers.program,
          },
          bufferSize: within(usage.largestBuffer, limits.maxBufferSize),
          dispatchWorkgroupsPerDimension: {
            ...within(usage.largestDispatchDimension.workgroups, limits.maxComputeWorkgroupsPerDimension),
            program: usage.largestDispatchDimension.program,
          },
        },
        validationErrors: usage.validationErrors,
        consoleProblems,
      };
    },
    { adapter: adapterArg(args.adapter) },
  );
}
