/**
 * `npm run bench -- pretrain [--preset small] [--frames 8] [--size 112] [--batch 4] [--mask-ratio 0.75]
 * [--steps 3] [--warmup 1] [--rounds 2] [--backends wasm,webgpu] [--torch-threads N]`: one VideoMAE
 * pretraining step of the app's own PretrainTrainer (tube mask, visible-only encoder, decoder sized by
 * decoderFor, norm-pix MSE, backward, AdamW) on each backend headless Chromium offers, against the same
 * step in PyTorch eager on the CPU (bench/pretrain_reference.py), ratio ours / PyTorch in the JSON. In the
 * same run, on both sides, the fine-tuning step of the same encoder and batch: the pretraining step's cost
 * as a share of it (the encoder sees 1 - maskRatio of the tokens; the decoder runs on all of them).
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from '@playwright/test';
import { presetConfig, PRESETS, type PresetName } from '../src/model/videomae/config.ts';
import { decoderFor } from '../src/train/pretrain-model.ts';
import type { PretrainStepSetup } from '../e2e/harness/suites/pretrain-step.ts';
import type { TrainStepResult } from '../e2e/harness/suites/train-step.ts';
import { adapterArg, callHarness, describeBrowser, withHarnessPage } from './browser.ts';
import type { BenchArgs } from './run.ts';
import { median, toSignificant as round } from '../src/util/stats.ts';

const here = dirname(fileURLToPath(import.meta.url));

interface TorchResult {
  framework: string;
  threads: number;
  blas: string[];
  pretrain_step_ms_all: number[];
  finetune_step_ms_all: number[];
}

function runTorch(setup: PretrainStepSetup, threads: number | null): TorchResult | { error: string } {
  const shape = PRESETS[setup.preset];
  const decoder = decoderFor(shape);
  const flags: Record<string, number> = {
    hidden: shape.hidden_size,
    layers: shape.num_hidden_layers,
    heads: shape.num_attention_heads,
    intermediate: shape.intermediate_size,
    'decoder-hidden': decoder.decoder_hidden_size,
    'decoder-layers': decoder.decoder_num_hidden_layers,
    'decoder-heads': decoder.decoder_num_attention_heads,
    'decoder-intermediate': decoder.decoder_intermediate_size,
    patch: shape.patch_size,
    tubelet: shape.tubelet_size,
    frames: setup.frames,
    image: setup.size,
    batch: setup.batch,
    steps: setup.steps,
    warmup: setup.warmup,
    'mask-ratio': setup.maskRatio,
  };
  if (threads !== null) flags.threads = threads;
  const args = [join(here, 'pretrain_reference.py')];
  for (const [flag, value] of Object.entries(flags)) args.push(`--${flag}`, String(value));
  const python = process.env.PYTHON ?? '/usr/bin/python3';
  const result = spawnSync(python, args, { encoding: 'utf8', cwd: here });
  if (result.status !== 0)
    return {
      error: `${python} bench/pretrain_reference.py failed: ${(result.stderr || String(result.error)).trim()}`,
    };
  return JSON.parse(result.stdout.trim().split('\n').at(-1)!) as TorchResult;
}

async function timesOn(
  page: Page,
  backend: string,
  fn: 'pretrainStepTimes' | 'trainStepTimes',
  setup: PretrainStepSetup,
): Promise<TrainStepResult | { error: string }> {
  try {
    await callHarness(page, 'useBackend', backend);
    return await callHarness<TrainStepResult>(page, fn, setup);
  } catch (error) {
    return { error: String(error instanceof Error ? error.message : error) };
  }
}

export async function run(args: BenchArgs): Promise<unknown> {
  const preset = String(args.preset ?? 'small') as PresetName;
  if (!(preset in PRESETS))
    throw new Error(`unknown preset ${preset} (have: ${Object.keys(PRESETS).join(', ')})`);
  const setup: PretrainStepSetup = {
    preset,
    frames: Number(args.frames ?? 8),
    size: Number(args.size ?? 112),
    batch: Number(args.batch ?? 4),
    labels: 10,
    warmup: Number(args.warmup ?? 1),
    steps: Number(args.steps ?? 3),
    maskRatio: Number(args['mask-ratio'] ?? 0.75),
  };
  const backends = String(args.backends ?? 'wasm,webgpu').split(',');
  const rounds = Number(args.rounds ?? 2);
  const torchThreads = args['torch-threads'] === undefined ? null : Number(args['torch-threads']);
  const config = presetConfig(preset, { num_frames: setup.frames, image_size: setup.size }, ['a']);

  return withHarnessPage(
    'pretrain-step',
    async (page) => {
      const browser = await describeBrowser(page);
      const wasmThreads =
        args['wasm-threads'] === undefined
          ? await callHarness<number>(page, 'defaultWasmThreads')
          : Number(args['wasm-threads']);
      await callHarness(page, 'chooseWasmThreads', wasmThreads);
      const ours: Record<string, { pretrain: number[]; finetune: number[]; growth: number }> = {};
      const errors: Record<string, string> = {};
      const torch = { pretrain: [] as number[], finetune: [] as number[] };
      let torchInfo: Pick<TorchResult, 'framework' | 'threads' | 'blas'> | null = null;
      for (let r = 0; r < rounds; r++) {
        for (const backend of backends) {
          if (errors[backend]) continue;
          const entry = (ours[backend] ??= { pretrain: [], finetune: [], growth: 0 });
          for (const fn of ['pretrainStepTimes', 'trainStepTimes'] as const) {
            console.error(`[pretrain] round ${r + 1}/${rounds}: ${fn} on ${backend}`);
            const result = await timesOn(page, backend, fn, setup);
            if ('error' in result) {
              errors[backend] = `${fn}: ${result.error}`;
              break;
            }
            entry[fn === 'pretrainStepTimes' ? 'pretrain' : 'finetune'].push(...result.stepMs);
            entry.growth = Math.max(entry.growth, result.tensorGrowth);
          }
        }
        console.error(`[pretrain] round ${r + 1}/${rounds}: PyTorch`);
        const reference = runTorch(setup, torchThreads);
        if ('error' in reference) {
          errors.pytorch = reference.error;
          break;
        }
        torch.pretrain.push(...reference.pretrain_step_ms_all);
        torch.finetune.push(...reference.finetune_step_ms_all);
        torchInfo = { framework: reference.framework, threads: reference.threads, blas: reference.blas };
      }
      const torchPretrain = torch.pretrain.length ? median(torch.pretrain) : null;
      const perBackend = Object.fromEntries(
        Object.entries(ours)
          .filter(([, o]) => o.pretrain.length > 0)
          .map(([backend, o]) => {
            const pre = median(o.pretrain);
            const fine = o.finetune.length ? median(o.finetune) : null;
            return [
              backend,
              {
                pretrainStepMsMedian: round(pre),
                pretrainStepMsAll: o.pretrain.map((v) => round(v)),
                pretrainClipsPerS: round((setup.batch * 1000) / pre),
                ratioToPytorch: torchPretrain ? round(torchPretrain / pre) : null,
                finetuneStepMsMedian: fine === null ? null : round(fine),
                pretrainShareOfFinetuneStep: fine === null ? null : round(pre / fine),
                tensorGrowthOverSteps: o.growth,
              },
            ];
          }),
      );
      const best = Object.entries(perBackend).sort(
        (a, b) => a[1].pretrainStepMsMedian - b[1].pretrainStepMsMedian,
      )[0];
      return {
        bench: 'pretrain',
        setup,
        model: { ...PRESETS[preset], ...decoderFor(config), description: undefined },
        encoderTokenShare:
          1 -
          Math.floor(setup.maskRatio * (setup.size / config.patch_size) ** 2) /
            (setup.size / config.patch_size) ** 2,
        wasmThreads,
        what: 'one PretrainTrainer step (batch, tube mask, encoder on visible tokens, decoder, norm-pix MSE, backward, AdamW, loss read back) vs the same in PyTorch eager; and each as a share of the fine-tuning step of the same encoder and batch',
        browser,
        ours: perBackend,
        pytorch: torchPretrain
          ? {
              ...torchInfo,
              pretrainStepMsMedian: round(torchPretrain),
              finetuneStepMsMedian: round(median(torch.finetune)),
              pretrainShareOfFinetuneStep: round(torchPretrain / median(torch.finetune)),
            }
          : null,
        best: best ? { backend: best[0], ratioToPytorch: best[1].ratioToPytorch } : null,
        errors,
      };
    },
    { adapter: adapterArg(args.adapter) },
  );
}
