import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PREPROCESS } from '../data/clip-spec.ts';
import { Rng } from '../util/rng.ts';
import { defaultsOf } from '../util/schema.ts';
import { MemoryCheckpointStorage } from './checkpoint-store.ts';
import { MemoryBatchSource, type MemoryClip } from './memory-batch-source.ts';
import { PretrainCheckpointStore } from './pretrain-checkpoint.ts';
import { PRETRAIN_CONFIG_SCHEMA, type PretrainConfig } from './pretrain-config.ts';
import { classifierFromPretrainingWeights, decoderFor, pretrainingModelFor } from './pretrain-model.ts';
import { PretrainRun } from './pretrain-run.ts';
import { PretrainTrainer } from './pretrain-trainer.ts';
import type { PretrainEvent, PretrainPoint, PretrainState } from './pretrain-types.ts';
import { FRAMES, makeDataset, SIZE, tinyConfig } from './testdata/tiny-task.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const preprocess = { ...DEFAULT_PREPROCESS, imageSize: SIZE, numFrames: FRAMES };

function pretrainConfig(overrides: Partial<PretrainConfig> = {}): PretrainConfig {
  // A high base lr: at the paper's 1.5e-4 x 4 / 256 nothing moves within a test's few steps.
  return {
    ...defaultsOf(PRETRAIN_CONFIG_SCHEMA),
    batchSize: 4,
    epochs: 2,
    baseLr: 0.2,
    seed: 3,
    ...overrides,
  };
}

function startModel() {
  // No weights given: encoder and decoder drawn fresh from the seed.
  return pretrainingModelFor(
    { config: tinyConfig(), weights: new Map() },
    { normPixLoss: true, seed: 'start' },
  );
}

interface Harness {
  run: PretrainRun;
  events: PretrainEvent[];
  checkpoints: PretrainCheckpointStore;
  points(): PretrainPoint[];
  states(): PretrainState[];
}

function harness(
  config: PretrainConfig,
  options: {
    checkpoints?: PretrainCheckpointStore;
    resume?: boolean;
    source?: MemoryBatchSource;
    clipIds?: string[];
    onEvent?: (event: PretrainEvent, run: PretrainRun) => void;
  } = {},
): Harness {
  const { source, dataset } = makeDataset({ train: 4, val: 1, test: 1 });
  const checkpoints = options.checkpoints ?? new PretrainCheckpointStore(new MemoryCheckpointStorage());
  const events: PretrainEvent[] = [];
  const run: PretrainRun = new PretrainRun({
    slot: 'pretraining-1',
    config,
    clipIds: options.clipIds ?? dataset.clipIds.train,
    paths: dataset.paths,
    preprocess,
    datasetKey: 'tiny-task',
    checkpoints,
    data: options.source ?? source,
    startingModel: startModel,
    emit: (event) => {
      events.push(event);
      options.onEvent?.(event, run);
    },
    resume: options.resume ?? false,
    viewEveryMs: 60_000,
  });
  return {
    run,
    events,
    checkpoints,
    points: () => events.flatMap((e) => (e.type === 'pretrain-step' ? [e.point] : [])),
    states: () => events.flatMap((e) => (e.type === 'pretrain-state' ? [e.state] : [])),
  };
}

/**
 * Clips with something to learn: horizontal stripes with the patch's period, moving in time, at a random
 * contrast and brightness per clip (which the per-cube normalisation removes, so every masked cube has the
 * same target). The tiny task's clips are per-pixel noise around a level: noise normalised per cube cannot
 * be predicted, and its loss stays at 1.
 */
function stripes(count: number): { source: MemoryBatchSource; ids: string[] } {
  const rng = new Rng('stripes');
  const clips = new Map<string, MemoryClip>();
  for (let n = 0; n < count; n++) {
    const data = new Float32Array(FRAMES * 3 * SIZE * SIZE);
    const level = rng.uniform(-1, 1);
    const contrast = rng.uniform(0.5, 2);
    for (let t = 0; t < FRAMES; t++)
      for (let c = 0; c < 3; c++)
        for (let y = 0; y < SIZE; y++)
          for (let x = 0; x < SIZE; x++) {
            data[((t * 3 + c) * SIZE + y) * SIZE + x] =
              level + contrast * Math.sin((y * 2 * Math.PI) / 8 + t);
          }
    clips.set(`stripes/${n}`, { data, label: 0 });
  }
  return { source: new MemoryBatchSource(clips, [FRAMES, 3, SIZE, SIZE]), ids: [...clips.keys()] };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('PretrainRun', () => {
  it('reconstruction loss falls on a tiny fixed dataset; views, checkpoint and no leaked tensors', async () => {
    const before = tf.memory().numTensors;
    const { source, ids } = stripes(12);
    const h = harness(pretrainConfig({ epochs: 8 }), { source, clipIds: ids });
    await h.run.run();
    expect(tf.memory().numTensors).toBe(before);
    const points = h.points();
    // 12 clips in batches of 4 for 8 epochs.
    expect(points).toHaveLength(24);
    expect(points.every((p) => Number.isFinite(p.loss))).toBe(true);
    // Warmup starts at 0 (the first update uses factor 0, as LambdaLR does); the peak is baseLr x 4 / 256.
    expect(points[0]!.lr).toBe(0);
    expect(Math.max(...points.map((p) => p.lr))).toBeCloseTo((0.2 * 4) / 256, 8);
    const first = mean(points.slice(0, 3).map((p) => p.loss));
    const last = mean(points.slice(-3).map((p) => p.loss));
    expect(last).toBeLessThan(first * 0.7);
    expect(h.states().at(-1)).toMatchObject({ status: 'finished', problems: [], step: 24, totalSteps: 24 });
    const views = h.events.flatMap((e) => (e.type === 'pretrain-reconstruction' ? [e.view] : []));
    // One before the first step, one per epoch end.
    expect(views).toHaveLength(9);
    const view = views.at(-1)!;
    expect(view.original).toHaveLength(FRAMES);
    expect(view.masked[0]!.rgba).toHaveLength(SIZE * SIZE * 4);
    expect(view.maskRatio).toBeCloseTo(0.75);
    expect(view.reconstruction[0]!.rgba).not.toEqual(view.original[0]!.rgba);
    const [info] = await h.checkpoints.list();
    expect(info).toMatchObject({ slot: 'pretraining-1', status: 'finished', step: 24, epoch: 8 });
    expect(info!.loss).toBeCloseTo(mean(points.slice(-3).map((p) => p.loss)), 6);
  });

  it('a pretraining stopped and resumed from its checkpoint continues exactly as one never interrupted', async () => {
    const config = pretrainConfig({ epochs: 2, mix: 'cutmix' });
    const whole = harness(config);
    await whole.run.run();
    const checkpoints = new PretrainCheckpointStore(new MemoryCheckpointStorage());
    const first = harness(config, {
      checkpoints,
      onEvent: (event, run) => {
        if (event.type === 'pretrain-step' && event.point.step === 2) run.stop();
      },
    });
    await first.run.run();
    expect(first.states().at(-1)?.status).toBe('stopped');
    const second = harness(config, { checkpoints, resume: true });
    await second.run.run();
    const resumed = second.points();
    expect(resumed.map((p) => p.step)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(resumed.map((p) => p.loss)).toEqual(whole.points().map((p) => p.loss));
    const a = (await checkpoints.load('pretraining-1'))!;
    expect(a.status).toBe('finished');
    const b = (await whole.checkpoints.load('pretraining-1'))!;
    for (const [name, value] of b.weights) expect(a.weights.get(name)!.data, name).toEqual(value.data);
  });

  it('pauses with a checkpoint and resumes in place', async () => {
    const h = harness(pretrainConfig({ epochs: 1 }), {
      onEvent: (event, run) => {
        if (event.type === 'pretrain-step' && event.point.step === 1) run.pause();
        if (event.type === 'pretrain-state' && event.state.status === 'paused')
          setTimeout(() => run.resume(), 5);
      },
    });
    await h.run.run();
    expect(h.states().map((s) => s.status)).toContain('paused');
    expect(h.states().at(-1)?.status).toBe('finished');
    expect(h.points().map((p) => p.step)).toEqual([1, 2, 3]);
  });

  it('counts clips it could not read as problems, and stops on a non-finite loss naming the step', async () => {
    const { clips, dataset } = makeDataset({ train: 4, val: 0, test: 0 });
    const broken = dataset.clipIds.train[0]!;
    const unreadable = new MemoryBatchSource(clips, [FRAMES, 3, SIZE, SIZE], new Map([[broken, 'bad file']]));
    const lossy = harness(pretrainConfig({ epochs: 1 }), { source: unreadable });
    await lossy.run.run();
    expect(lossy.states().at(-1)).toMatchObject({
      status: 'finished',
      problems: ['1 training clip could not be read when asked for'],
    });
    expect(lossy.points().reduce((sum, p) => sum + (p.lostClips ?? 0), 0)).toBe(1);

    const poisoned = new Map<string, MemoryClip>(clips);
    poisoned.set(broken, { data: new Float32Array(FRAMES * 3 * SIZE * SIZE).fill(NaN), label: 0 });
    const nan = harness(pretrainConfig({ epochs: 1 }), {
      source: new MemoryBatchSource(poisoned, [FRAMES, 3, SIZE, SIZE]),
    });
    await nan.run.run();
    const last = nan.states().at(-1)!;
    expect(last.status).toBe('failed');
    expect(last.message).toMatch(/reconstruction loss became NaN at step \d/);
  });

  it('with mix = cutmix the inputs are CutMix-mixed clips of the batch', async () => {
    const { source, dataset } = makeDataset({ train: 2, val: 0, test: 0 });
    const ids = dataset.clipIds.train.slice(0, 4);
    const batch = await source.getBatch({ clipIds: ids, spec: { ...evalSpec() }, seed: 0, epoch: 0 });
    const trainerOf = (mix: 'none' | 'cutmix') =>
      new PretrainTrainer({
        slot: 'pretraining-1',
        config: pretrainConfig({ mix }),
        model: startModel(),
        data: source,
        clipIds: ids,
        preprocess,
      });
    const clean = trainerOf('none');
    const mixed = trainerOf('cutmix');
    const a = clean.inputsOf(batch, 0);
    const b = mixed.inputsOf(batch, 0);
    const x = await a.data();
    const y = await b.data();
    expect(Array.from(x)).toEqual(Array.from(batch.data));
    let changed = 0;
    let fromOther = 0;
    const clip = FRAMES * 3 * SIZE * SIZE;
    for (let i = 0; i < clip; i++) {
      if (y[i] !== x[i]) {
        changed++;
        // Batch-mode CutMix pastes from the clip at the other end of the batch (timm's flip).
        if (y[i] === x[3 * clip + i]) fromOther++;
      }
    }
    expect(changed).toBeGreaterThan(0);
    expect(fromOther).toBe(changed);
    tf.dispose([a, b]);
    clean.dispose();
    mixed.dispose();
  });

  it('sizes decoders as the paper does and gives a classifier the pretrained encoder', async () => {
    expect(decoderFor({ hidden_size: 768, num_attention_heads: 12, num_hidden_layers: 12 })).toEqual({
      decoder_hidden_size: 384,
      decoder_num_attention_heads: 6,
      decoder_num_hidden_layers: 4,
      decoder_intermediate_size: 1536,
    });
    expect(decoderFor({ hidden_size: 384, num_attention_heads: 6, num_hidden_layers: 12 })).toMatchObject({
      decoder_hidden_size: 192,
      decoder_num_attention_heads: 3,
    });
    const model = startModel();
    const weights = await model.getWeights();
    const { model: classifier, report } = classifierFromPretrainingWeights(
      JSON.parse(JSON.stringify({ ...model.config })) as Record<string, unknown>,
      weights,
      tinyConfig(),
      'head',
      'pretraining 1',
    );
    expect(report.unexpectedKeys.some((k) => k.startsWith('decoder.'))).toBe(true);
    expect(report.missingKeys.sort()).toEqual([
      'classifier.bias',
      'classifier.weight',
      'fc_norm.bias',
      'fc_norm.weight',
    ]);
    const name = 'videomae.encoder.layer.0.attention.attention.query.weight';
    expect(await classifier.params.get(name)!.data()).toEqual(weights.get(name)!.data);
    classifier.dispose();
    expect(() =>
      classifierFromPretrainingWeights(
        JSON.parse(JSON.stringify({ ...model.config })) as Record<string, unknown>,
        weights,
        { ...tinyConfig(), image_size: 64 },
        'head',
        'pretraining 1',
      ),
    ).toThrow(/pretraining 1 was made for image_size 32 but the prepared model has image_size 64/);
    model.dispose();
  });
});

function evalSpec() {
  return {
    temporal: { numFrames: FRAMES, sampleRate: 1, mode: 'center' as const },
    spatial: { imageSize: SIZE, mode: 'eval-resize' as const },
    normalize: { mean: [0, 0, 0] as const, std: [1, 1, 1] as const },
  };
}
