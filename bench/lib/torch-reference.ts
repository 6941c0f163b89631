/**
 * PyTorch eager baseline for the training-step benchmarks: runs bench/train_reference.py (the same model,
 * batch shape and Adam step) and reads the JSON line it prints.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { PRESETS } from '../../src/model/videomae/config.ts';
import type { TrainStepSetup } from '../../e2e/harness/train-step-run.ts';

export interface TorchResult {
  framework: string;
  threads: number;
  blas: string;
  device: string;
  step_ms_median: number;
  step_ms_all: number[];
  clips_per_s: number;
}

export type TorchDevice = 'cpu' | 'cuda';

export interface TorchOptions {
  threads: number | null;
  device: TorchDevice;
}

/**
 * Where train_reference.py lies: beside this folder in the repo; a bundled copy of the bench (scripts/gpu)
 * lives elsewhere and names the repo's file in TRAIN_REFERENCE.
 */
function referenceScript(): string {
  return process.env.TRAIN_REFERENCE ?? fileURLToPath(new URL('../train_reference.py', import.meta.url));
}

export function runTorch(setup: TrainStepSetup, options: TorchOptions): TorchResult | { error: string } {
  const shape = PRESETS[setup.preset];
  const script = referenceScript();
  const args = [
    script,
    '--hidden',
    String(shape.hidden_size),
    '--layers',
    String(shape.num_hidden_layers),
    '--heads',
    String(shape.num_attention_heads),
    '--intermediate',
    String(shape.intermediate_size),
    '--patch',
    String(shape.patch_size),
    '--tubelet',
    String(shape.tubelet_size),
    '--frames',
    String(setup.frames),
    '--image',
    String(setup.size),
    '--batch',
    String(setup.batch),
    '--labels',
    String(setup.labels),
    '--steps',
    String(setup.steps),
    '--warmup',
    String(setup.warmup),
    '--device',
    options.device,
  ];
  if (options.threads !== null) args.push('--threads', String(options.threads));
  const python = process.env.PYTHON ?? '/usr/bin/python3';
  const result = spawnSync(python, args, { encoding: 'utf8' });
  if (result.status !== 0)
    return {
      error: `${python} ${script} failed: ${(result.stderr || String(result.error)).trim()}`,
    };
  return JSON.parse(result.stdout.trim().split('\n').at(-1)!) as TorchResult;
}
