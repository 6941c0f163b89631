import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PREPROCESS } from '../data/clip-spec.ts';
import { VideoMAEForVideoClassification } from '../model/videomae/model.ts';
import {
  CheckpointStore,
  decodeCheckpoint,
  encodeCheckpoint,
  MemoryCheckpointStorage,
  type RunCheckpoint,
} from './checkpoint-store.ts';
import { MemoryBatchSource } from './memory-batch-source.ts';
import type { RunConfig } from './run-config.ts';
import { FRAMES, makeDataset, runConfig, SIZE, tinyConfig } from './testdata/tiny-task.ts';
import { NonFiniteLossError, RunTrainer, type RunData } from './trainer.ts';

function trainer(config: RunConfig, source: MemoryBatchSource, dataset: RunData): RunTrainer {
  const model = VideoMAEForVideoClassification.create(tinyConfig(), { seed: `init-${config.seed}` });
  return new RunTrainer({
    runId: 'A',
    config,
    model,
    data: source,
    dataset,
    preprocess: { ...DEFAULT_PREPROCESS, imageSize: SIZE, numFrames: FRAMES },
  });
}

async function runToEnd(t: RunTrainer, stopAfter = Infinity): Promise<void> {
  while (!t.done && t.step < stopAfter) {
    const outcome = await t.trainStep();
    if (outcome.evaluateNow) await t.evaluate('val');
  }
  if (t.done) await t.evaluate('test');
}

async function checkpointOf(t: RunTrainer): Promise<RunCheckpoint> {
  const weights = await t.model.getWeights();
  return {
    runId: t.runId,
    config: t.config,
    modelConfig: {},
    preprocess: DEFAULT_PREPROCESS,
    datasetKey: 'test',
    status: 'paused',
    savedAt: 0,
    progress: t.progress(),
    weights: new Map([...weights].map(([name, v]) => [name, { shape: v.shape, data: v.data }])),
    optimizer: await t.optimizerState(),
  };
}

describe('RunTrainer', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('learns a temporal task: loss falls and validation accuracy beats chance', async () => {
    const { source, dataset } = makeDataset({ train: 8, val: 4, test: 4 });
    const t = trainer(runConfig({ epochs: 6, lr: 2e-3 }), source, dataset);
    await runToEnd(t);
    const first = t.steps.slice(0, 3).reduce((s, p) => s + p.loss, 0) / 3;
    const last = t.steps.slice(-3).reduce((s, p) => s + p.loss, 0) / 3;
    expect(last).toBeLessThan(first * 0.8);
    const val = t.evals.filter((e) => e.split === 'val').at(-1)!;
    expect(val.top1).toBeGreaterThan(0.6);
    expect(t.evals.at(-1)!.split).toBe('test');
    t.dispose();
  });

  it('gives identical curves for the same config and seed', async () => {
    const { source, dataset } = makeDataset({ train: 4, val: 2, test: 2 });
    const a = trainer(runConfig(), source, dataset);
    await runToEnd(a);
    const b = trainer(runConfig(), source, dataset);
    await runToEnd(b);
    const strip = (t: RunTrainer) => ({
      steps: t.steps.map(({ elapsedMs: _e, clipsPerSecond: _c, ...rest }) => rest),
      evals: t.evals.map(({ elapsedMs: _e, ...rest }) => rest),
    });
    expect(strip(b)).toEqual(strip(a));
    a.dispose();
    b.dispose();
  });

  it('feeds runs that differ only in CutMix the same clips in the same order', async () => {
    const { source: sourceA, dataset } = makeDataset({ train: 4, val: 2, test: 2 });
    const { source: sourceB } = makeDataset({ train: 4, val: 2, test: 2 });
    const a = trainer(runConfig(), sourceA, dataset);
    const b = trainer(runConfig({ cutmix: true }), sourceB, dataset);
    await runToEnd(a);
    await runToEnd(b);
    expect(sourceB.served).toEqual(sourceA.served);
    expect(b.steps.some((p) => p.accuracyTarget === 'dominant-label')).toBe(true);
    expect(b.steps.map((p) => p.loss)).not.toEqual(a.steps.map((p) => p.loss));
    a.dispose();
    b.dispose();
  });

  it('resumes from a checkpoint and ends exactly where an uninterrupted run ends', async () => {
    const { source, dataset } = makeDataset({ train: 4, val: 2, test: 2 });
    const config = runConfig({ epochs: 3, dropout: 0.1, dropPath: 0.1, labelSmoothing: 0.1 });
    const whole = trainer(config, source, dataset);
    await runToEnd(whole);

    const first = trainer(config, source, dataset);
    await runToEnd(first, 4);
    const store = new CheckpointStore(new MemoryCheckpointStorage());
    await store.save(await checkpointOf(first));
    first.dispose();

    const saved = (await store.load('A'))!;
    const model = VideoMAEForVideoClassification.fromWeights(
      tinyConfig(),
      new Map([...saved.weights].map(([name, v]) => [name, v.data])),
    );
    const resumed = new RunTrainer({
      runId: 'A',
      config,
      model,
      data: source,
      dataset,
      preprocess: { ...DEFAULT_PREPROCESS, imageSize: SIZE, numFrames: FRAMES },
    });
    resumed.restore(saved.optimizer, saved.progress);
    await runToEnd(resumed);
    const metrics = (t: RunTrainer) => ({
      losses: t.steps.map((p) => p.loss),
      lrs: t.steps.map((p) => p.lr),
      evals: t.evals.map((e) => [e.split, e.step, e.loss, e.top1]),
    });
    expect(metrics(resumed)).toEqual(metrics(whole));
    whole.dispose();
    resumed.dispose();
  });

  it('checkpoints round-trip bit for bit through the safetensors encoding', async () => {
    const { source, dataset } = makeDataset({ train: 4, val: 2, test: 2 });
    const t = trainer(runConfig(), source, dataset);
    await t.trainStep();
    const checkpoint = await checkpointOf(t);
    const decoded = decodeCheckpoint(encodeCheckpoint(checkpoint), 'run-A.safetensors');
    expect(decoded.progress).toEqual(checkpoint.progress);
    expect(decoded.config).toEqual(checkpoint.config);
    for (const [name, value] of checkpoint.weights)
      expect(decoded.weights.get(name)!.data).toEqual(value.data);
    for (const [name, slot] of Object.entries(checkpoint.optimizer.slots)) {
      expect(decoded.optimizer.slots[name]!.m).toEqual(slot.m);
      expect(decoded.optimizer.slots[name]!.v).toEqual(slot.v);
      expect(decoded.optimizer.slots[name]!.step).toBe(slot.step);
    }
    t.dispose();
  });

  it('stops on a non-finite loss, naming the step, without touching the weights', async () => {
    const { source, dataset, clips } = makeDataset({ train: 4, val: 2, test: 2 });
    const t = trainer(runConfig(), source, dataset);
    await t.trainStep();
    const before = await t.model.getWeights();
    // A corrupt clip (NaN pixels) reaches the batch of the next step.
    for (const id of dataset.clipIds.train) clips.get(id)!.data[0] = NaN;
    await expect(t.trainStep()).rejects.toThrow(NonFiniteLossError);
    await expect(t.trainStep()).rejects.toThrow(/at step 2/);
    const after = await t.model.getWeights();
    for (const [name, value] of before) expect(after.get(name)!.data).toEqual(value.data);
    expect(t.step).toBe(1);
    t.dispose();
  });

  it('trains past unreadable clips: a step with none left passes without an update, eval counts the rest', async () => {
    const { clips, dataset } = makeDataset({ train: 2, val: 2, test: 1 });
    const brokenTrain = dataset.clipIds.train[0]!;
    const brokenVal = dataset.clipIds.val[1]!;
    const source = new MemoryBatchSource(
      clips,
      [FRAMES, 3, SIZE, SIZE],
      new Map([
        [brokenTrain, 'corrupt video data'],
        [brokenVal, 'corrupt video data'],
      ]),
    );
    const t = trainer(runConfig({ batchSize: 1, epochs: 1 }), source, dataset);
    const outcomes = [];
    while (!t.done) outcomes.push(await t.trainStep());
    expect(outcomes).toHaveLength(dataset.clipIds.train.length);
    expect(outcomes.filter((o) => o.point === null)).toHaveLength(1);
    expect(t.steps).toHaveLength(dataset.clipIds.train.length - 1);
    expect(t.steps.map((p) => p.step)).not.toContain(outcomes.findIndex((o) => o.point === null) + 1);
    // The lost clip is counted, and so is the step it emptied.
    expect(t.lostClips).toBe(1);
    expect(t.emptySteps).toBe(1);
    expect(t.steps.every((p) => p.lostClips === 0)).toBe(true);
    const val = await t.evaluate('val');
    expect(val.point.clips).toBe(dataset.clipIds.val.length - 1);
    expect(val.point.splitClips).toBe(dataset.clipIds.val.length);
    // A checkpoint keeps the counts, so a resumed run still says what it lost.
    expect(t.progress()).toMatchObject({ lostClips: 1, emptySteps: 1 });
    t.dispose();
  });

  it('holds no extra tensors across 100 steps', async () => {
    const { source, dataset } = makeDataset({ train: 4, val: 1, test: 1 });
    const t = trainer(
      runConfig({ maxSteps: 100, cutmix: true, clipNorm: 1, gradAccumulation: 2, batchSize: 2 }),
      source,
      dataset,
    );
    await t.trainStep();
    const tensors = tf.memory().numTensors;
    for (let i = 0; i < 99; i++) await t.trainStep();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(t.done).toBe(true);
    t.dispose();
    // 100 real steps: about 25 s on two idle cores, more when the machine is shared.
  }, 180_000);
});
