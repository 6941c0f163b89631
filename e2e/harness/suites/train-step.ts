/**
 * Harness suite for `npm run bench -- train`: the app's own training step (RunTrainer: batch, forward,
 * loss, backward, optimizer update, loss read back) on whichever backend is active, over random clips held
 * in memory so that decoding is not part of what is timed.
 */
import * as tf from '@tensorflow/tfjs';
import { presetConfig, type PresetName } from '../../../src/model/videomae/config.ts';
import { VideoMAEForVideoClassification } from '../../../src/model/videomae/model.ts';
import { DEFAULT_PREPROCESS } from '../../../src/data/clip-spec.ts';
import { defaultsOf } from '../../../src/store/schema.ts';
import { RUN_CONFIG_SCHEMA } from '../../../src/train/run-config.ts';
import { MemoryBatchSource, type MemoryClip } from '../../../src/train/memory-batch-source.ts';
import { RunTrainer } from '../../../src/train/trainer.ts';
import { Rng } from '../../../src/util/rng.ts';

export { useBackend } from './backends.ts';
export { chooseWasmThreads, defaultWasmThreads } from '../../../src/worker/tf-runtime.ts';

export interface TrainStepSetup {
  preset: PresetName;
  frames: number;
  size: number;
  batch: number;
  labels: number;
  warmup: number;
  steps: number;
}

export interface TrainStepResult {
  backend: string;
  stepMs: number[];
  losses: number[];
  /** Tensors alive after the last step minus before the first (a leak shows here). */
  tensorGrowth: number;
}

export async function trainStepTimes(setup: TrainStepSetup): Promise<TrainStepResult> {
  const classes = Array.from({ length: setup.labels }, (_, i) => `class${i}`);
  const config = presetConfig(setup.preset, { num_frames: setup.frames, image_size: setup.size }, classes);
  const model = VideoMAEForVideoClassification.create(config, { seed: 'bench' });
  const clipShape = [setup.frames, 3, setup.size, setup.size] as const;
  const clipSize = clipShape.reduce((a, b) => a * b, 1);
  const rng = new Rng('bench-clips');
  const clips = new Map<string, MemoryClip>();
  const count = setup.batch * (setup.warmup + setup.steps);
  for (let i = 0; i < count; i++) {
    const data = new Float32Array(clipSize);
    for (let j = 0; j < clipSize; j++) data[j] = rng.normal();
    clips.set(`clip${String(i).padStart(4, '0')}`, { data, label: i % setup.labels });
  }
  const ids = [...clips.keys()];
  const trainer = new RunTrainer({
    runId: 'A',
    // The write-up's optimizer at a constant rate, one epoch over exactly warmup + steps batches.
    config: {
      ...defaultsOf(RUN_CONFIG_SCHEMA),
      optimizer: 'adam',
      lr: 4e-4,
      schedule: 'constant',
      batchSize: setup.batch,
      maxSteps: setup.warmup + setup.steps,
    },
    model,
    data: new MemoryBatchSource(clips, clipShape),
    dataset: { classes, clipIds: { train: ids, val: [], test: [] }, paths: new Map() },
    preprocess: { ...DEFAULT_PREPROCESS, imageSize: setup.size, numFrames: setup.frames },
  });
  const stepMs: number[] = [];
  const losses: number[] = [];
  let before = 0;
  for (let i = 0; i < setup.warmup + setup.steps; i++) {
    if (i === setup.warmup) before = tf.memory().numTensors;
    const started = performance.now();
    const outcome = await trainer.trainStep();
    const elapsed = performance.now() - started;
    if (i >= setup.warmup) {
      stepMs.push(elapsed);
      if (!outcome.point) throw new Error(`step ${i + 1} read no clip of the benchmark's batch`);
      losses.push(outcome.point.loss);
    }
  }
  const tensorGrowth = tf.memory().numTensors - before;
  trainer.dispose();
  return { backend: tf.getBackend(), stepMs, losses, tensorGrowth };
}
