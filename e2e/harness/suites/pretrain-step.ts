/**
 * Harness suite for `npm run bench -- pretrain`: the app's own pretraining step (PretrainTrainer: batch,
 * tube mask, visible-only encoder, decoder, norm-pix MSE, backward, AdamW update, loss read back) on the
 * active backend over random clips in memory, and the fine-tuning step of the same model and batch
 * (train-step.ts) to compare it with.
 */
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_PREPROCESS } from '../../../src/data/clip-spec.ts';
import { presetConfig } from '../../../src/model/videomae/config.ts';
import { MemoryBatchSource, type MemoryClip } from '../../../src/train/memory-batch-source.ts';
import { PRETRAIN_CONFIG_SCHEMA } from '../../../src/train/pretrain-config.ts';
import { pretrainingModelFor } from '../../../src/train/pretrain-model.ts';
import { PretrainTrainer } from '../../../src/train/pretrain-trainer.ts';
import { Rng } from '../../../src/util/rng.ts';
import { defaultsOf } from '../../../src/util/schema.ts';
import { stepMemoryTracker, type TrainStepResult, type TrainStepSetup } from './train-step.ts';

export { useBackend } from './backends.ts';
export { chooseWasmThreads, defaultWasmThreads } from '../../../src/worker/tf-runtime.ts';
export { trainStepTimes } from './train-step.ts';

export interface PretrainStepSetup extends TrainStepSetup {
  maskRatio: number;
}

export async function pretrainStepTimes(setup: PretrainStepSetup): Promise<TrainStepResult> {
  const classes = Array.from({ length: setup.labels }, (_, i) => `class${i}`);
  const config = presetConfig(setup.preset, { num_frames: setup.frames, image_size: setup.size }, classes);
  const model = pretrainingModelFor({ config, weights: new Map() }, { normPixLoss: true, seed: 'bench' });
  const clipShape = [setup.frames, 3, setup.size, setup.size] as const;
  const clipSize = clipShape.reduce((a, b) => a * b, 1);
  const rng = new Rng('bench-clips');
  const clips = new Map<string, MemoryClip>();
  for (let i = 0; i < setup.batch * (setup.warmup + setup.steps); i++) {
    const data = new Float32Array(clipSize);
    for (let j = 0; j < clipSize; j++) data[j] = rng.normal();
    clips.set(`clip${String(i).padStart(4, '0')}`, { data, label: 0 });
  }
  const trainer = new PretrainTrainer({
    slot: 'pretraining-1',
    // The paper's recipe, one epoch over exactly warmup + steps batches.
    config: {
      ...defaultsOf(PRETRAIN_CONFIG_SCHEMA),
      epochs: 1,
      batchSize: setup.batch,
      maskRatio: setup.maskRatio,
    },
    model,
    data: new MemoryBatchSource(clips, clipShape),
    clipIds: [...clips.keys()],
    preprocess: { ...DEFAULT_PREPROCESS, imageSize: setup.size, numFrames: setup.frames },
  });
  const stepMs: number[] = [];
  const losses: number[] = [];
  let before = 0;
  const memory = stepMemoryTracker();
  try {
    for (let i = 0; i < setup.warmup + setup.steps; i++) {
      if (i === setup.warmup) before = tf.memory().numTensors;
      const started = performance.now();
      const outcome = await trainer.trainStep();
      const elapsed = performance.now() - started;
      if (i >= setup.warmup) {
        memory.sample();
        if (!outcome.point) throw new Error(`step ${i + 1} read no clip of the benchmark's batch`);
        stepMs.push(elapsed);
        losses.push(outcome.point.loss);
      }
    }
    return {
      backend: tf.getBackend(),
      stepMs,
      losses,
      tensorGrowth: tf.memory().numTensors - before,
      memoryAfterStep: memory.result(),
    };
  } finally {
    trainer.dispose();
  }
}
