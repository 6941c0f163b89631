/**
 * The app's own training step (RunTrainer: batch, forward, loss, backward, optimizer update, loss read
 * back) on whichever backend is active, over random clips held in memory so that decoding is not part of
 * what is timed. Shared by the browser harness suite `train-step` and the Node harness
 * (`npm run bench -- train-node`), so it imports nothing that needs a browser or Vite.
 */
import * as tf from '@tensorflow/tfjs';
import { presetConfig, type PresetName } from '../../src/model/videomae/config.ts';
import { VideoMAEForVideoClassification } from '../../src/model/videomae/model.ts';
import { DEFAULT_PREPROCESS } from '../../src/data/clip-spec.ts';
import { defaultsOf } from '../../src/util/schema.ts';
import { RUN_CONFIG_SCHEMA } from '../../src/train/run-config.ts';
import { MemoryBatchSource, type MemoryClip } from '../../src/train/memory-batch-source.ts';
import { RunTrainer } from '../../src/train/trainer.ts';
import { Rng } from '../../src/util/rng.ts';

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
  /**
   * The most bytes tf.memory() held after any timed step (live tensors only: a step's transient peak is
   * higher), and on the webgpu backend the most its buffer pool had allocated, freed buffers kept included.
   */
  memoryAfterStep: { tensorBytesMax: number; gpuAllocatedBytesMax: number | null };
}

/** The app's RunTrainer over random clips in memory: warmup + steps batches of one epoch. */
function benchTrainer(setup: TrainStepSetup): RunTrainer {
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
  return new RunTrainer({
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
}

/** Where a training step's time goes: kernel time per tfjs kernel, summed over one profiled step. */
export interface KernelTime {
  kernel: string;
  ms: number;
  calls: number;
  /** The input shapes of its slowest call, to tell apart e.g. attention's batched matMuls from the MLP's. */
  slowestInputs: number[][];
}

export interface TrainStepProfile {
  backend: string;
  stepMs: number;
  kernelMs: number;
  kernels: KernelTime[];
  /** The step's matrix products alone (BatchMatMul / _FusedMatMul kernels): their time and arithmetic. */
  matMul: { ms: number; gflop: number };
}

/** One warm-up step, then one step under tf.profile, its kernels grouped by name and input rank. */
export async function trainStepProfile(setup: TrainStepSetup): Promise<TrainStepProfile> {
  const trainer = benchTrainer({ ...setup, steps: 1 });
  await trainer.trainStep();
  const started = performance.now();
  const info = await tf.profile(async () => {
    await trainer.trainStep();
  });
  const stepMs = performance.now() - started;
  trainer.dispose();
  const groups = new Map<string, KernelTime & { slowest: number }>();
  let kernelMs = 0;
  const matMul = { ms: 0, gflop: 0 };
  for (const k of info.kernels) {
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    kernelMs += ms;
    if (k.name === 'BatchMatMul' || k.name === '_FusedMatMul') {
      // 2 m k n per product: the output gives [..., m, n]; k is a's other axis, whichever way it is stored
      // (the GPU backends run the model's products with transposeB).
      const a = k.inputShapes[0]!;
      const out = k.outputShapes[0]!;
      const shared = a.at(-2) === out.at(-2) ? a.at(-1)! : a.at(-2)!;
      matMul.ms += ms;
      matMul.gflop += (2 * out.reduce((x, y) => x * y, 1) * shared) / 1e9;
    }
    const key = `${k.name} (${k.inputShapes.map((s) => s?.length ?? 0).join(',')}-d)`;
    const group = groups.get(key) ?? { kernel: key, ms: 0, calls: 0, slowestInputs: [], slowest: -1 };
    group.ms += ms;
    group.calls += 1;
    if (ms > group.slowest) {
      group.slowest = ms;
      group.slowestInputs = k.inputShapes.map((s) => [...(s ?? [])]);
    }
    groups.set(key, group);
  }
  const kernels = [...groups.values()]
    .sort((a, b) => b.ms - a.ms)
    .map(({ kernel, ms, calls, slowestInputs }) => ({ kernel, ms, calls, slowestInputs }));
  return { backend: tf.getBackend(), stepMs, kernelMs, kernels, matMul };
}

/** The largest tensor and GPU-pool bytes seen after the timed steps (read after each, not inside one). */
export function stepMemoryTracker(): {
  sample(): void;
  result(): TrainStepResult['memoryAfterStep'];
} {
  let tensorBytesMax = 0;
  let gpuAllocatedBytesMax: number | null = null;
  return {
    sample() {
      const memory = tf.memory() as tf.MemoryInfo & { numBytesAllocatedInGPU?: number };
      tensorBytesMax = Math.max(tensorBytesMax, memory.numBytes);
      if (memory.numBytesAllocatedInGPU !== undefined)
        gpuAllocatedBytesMax = Math.max(gpuAllocatedBytesMax ?? 0, memory.numBytesAllocatedInGPU);
    },
    result: () => ({ tensorBytesMax, gpuAllocatedBytesMax }),
  };
}

export async function trainStepTimes(setup: TrainStepSetup): Promise<TrainStepResult> {
  const trainer = benchTrainer(setup);
  const stepMs: number[] = [];
  const losses: number[] = [];
  let before = 0;
  const memory = stepMemoryTracker();
  for (let i = 0; i < setup.warmup + setup.steps; i++) {
    if (i === setup.warmup) before = tf.memory().numTensors;
    const started = performance.now();
    const outcome = await trainer.trainStep();
    const elapsed = performance.now() - started;
    if (i >= setup.warmup) {
      memory.sample();
      stepMs.push(elapsed);
      if (!outcome.point) throw new Error(`step ${i + 1} read no clip of the benchmark's batch`);
      losses.push(outcome.point.loss);
    }
  }
  const tensorGrowth = tf.memory().numTensors - before;
  trainer.dispose();
  return {
    backend: tf.getBackend(),
    stepMs,
    losses,
    tensorGrowth,
    memoryAfterStep: memory.result(),
  };
}
