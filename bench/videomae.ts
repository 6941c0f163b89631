/**
 * `npm run bench -- videomae [--preset tiny|small|base] [--frames 8] [--size 64] [--batch 4] [--steps 5]
 * [--backend wasm|cpu] [--threads 1]`: our VideoMAE (tfjs in Node) against a PyTorch CPU implementation of
 * the same math with the same weights and input, side by side: median forward and training-step (forward +
 * backward) times and their ratio, plus the largest logit difference between the two as a sanity check.
 * The PyTorch side needs Debian's python3-torch; without it the JSON says so and reports ours alone.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exportCheckpoint } from '../src/model/checkpoint/export.ts';
import { presetConfig, type PresetName } from '../src/model/videomae/config.ts';
import { VideoMAEForVideoClassification } from '../src/model/videomae/model.ts';
import { summarizeModel } from '../src/model/videomae/summary.ts';
import { installWasmSliceKernels } from '../src/kernels/wasm-slice.ts';
import type { BenchArgs } from './run.ts';
import { median } from '../src/util/stats.ts';

tf.env().set('PROD', true);

async function timed(fn: () => Promise<void>, steps: number): Promise<number> {
  await fn();
  const times: number[] = [];
  for (let i = 0; i < steps; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  return median(times);
}

export async function run(args: BenchArgs): Promise<unknown> {
  const preset = String(args.preset ?? 'tiny') as PresetName;
  const frames = Number(args.frames ?? 8);
  const size = Number(args.size ?? 64);
  const batch = Number(args.batch ?? 4);
  const steps = Number(args.steps ?? 5);
  const backend = String(args.backend ?? 'wasm');
  const threads = Number(args.threads ?? 1);
  // As the app's tf-runtime does: tfjs-wasm's stock Slice copies its whole input for every slice.
  if (backend === 'wasm') installWasmSliceKernels();
  if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} did not start`);
  const labels = Array.from({ length: 10 }, (_, i) => `class${i}`);
  const config = presetConfig(preset, { num_frames: frames, image_size: size }, labels);
  const model = VideoMAEForVideoClassification.create(config, { seed: 1 });
  const shape: [number, number, number, number, number] = [batch, frames, 3, size, size];
  const x = tf.randomNormal(shape, 0, 1, 'float32', 1) as tf.Tensor5D;
  const oneHot = tf.oneHot(
    tf.tensor1d(
      Array.from({ length: batch }, (_, i) => i % labels.length),
      'int32',
    ),
    labels.length,
  );

  console.error(`ours: ${preset} ${frames}x${size}, batch ${batch}, tfjs ${backend} in Node`);
  const forwardMs = await timed(async () => {
    const { logits } = model.forward(x);
    await logits.data();
    logits.dispose();
  }, steps);
  const trainStepMs = await timed(async () => {
    const { value, grads } = tf.variableGrads(
      () => tf.losses.softmaxCrossEntropy(oneHot, model.forward(x, { training: true }).logits) as tf.Scalar,
      model.trainableVariables(),
    );
    await value.data();
    tf.dispose([value, ...Object.values(grads)]);
  }, steps);
  const logits = (await model.forward(x).logits.array()) as number[][];

  const work = mkdtempSync(join(tmpdir(), 'videomae-bench-'));
  let pytorch: Record<string, unknown> | null = null;
  let pytorchError: string | null = null;
  try {
    for (const file of await exportCheckpoint(model)) writeFileSync(join(work, file.name), file.bytes);
    writeFileSync(join(work, 'input.bin'), new Uint8Array((await x.data()).buffer));
    console.error('baseline: PyTorch CPU, same weights and input');
    const script = join(dirname(fileURLToPath(import.meta.url)), 'videomae_torch.py');
    const result = spawnSync(
      process.env.PYTHON ?? '/usr/bin/python3',
      [
        script,
        join(work, 'config.json'),
        join(work, 'model.safetensors'),
        join(work, 'input.bin'),
        shape.join(','),
        String(steps),
        String(threads),
      ],
      { encoding: 'utf8', maxBuffer: 64 << 20 },
    );
    if (result.status === 0) pytorch = JSON.parse(result.stdout) as Record<string, unknown>;
    else pytorchError = (result.stderr || String(result.error)).trim().split('\n').slice(-1)[0] ?? 'failed';
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  tf.dispose([x, oneHot]);
  model.dispose();

  let maxLogitDiff: number | null = null;
  if (pytorch) {
    const theirs = pytorch.logits as number[][];
    maxLogitDiff = Math.max(...logits.flatMap((row, i) => row.map((v, j) => Math.abs(v - theirs[i]![j]!))));
    delete pytorch.logits;
  }
  const summary = summarizeModel(config, batch);
  return {
    config: { preset, frames, size, batch, tokens: summary.tokens, parameters: summary.parameterCount },
    ours: { runtime: `tfjs ${tf.version.tfjs} ${backend} (Node ${process.version})`, forwardMs, trainStepMs },
    pytorch: pytorch ?? { unavailable: pytorchError },
    ratio: pytorch
      ? {
          forwardOursOverPytorch: forwardMs / (pytorch.forwardMs as number),
          trainStepOursOverPytorch: trainStepMs / (pytorch.trainStepMs as number),
        }
      : null,
    maxLogitDiff,
    gflopsPerSecondOurs: (summary.trainingFlopsPerClip * batch) / 1e9 / (trainStepMs / 1000),
  };
}
