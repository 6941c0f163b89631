/**
 * One VideoMAE pretraining: a VideoMAEForPreTraining, its AdamW (the paper's recipe, pretrain-step.ts) and
 * the clips it reconstructs, fed by the data worker at the model's clip spec with training augmentation.
 *
 * Every random choice is a function of (seed, position), as in the fine-tuning trainer: the clip order of
 * epoch e from `seed/pretrain-order/e`, a clip's crop and flip from the data worker's (seed, epoch, clip),
 * step s's mask from `seed/mask/s`, its CutMix from `seed/pretrain-mix/s`. So a pretraining resumed from
 * its checkpoint (weights, AdamW moments, step) continues exactly as if it had never stopped.
 *
 * With mix = 'cutmix' the clips of a batch are CutMix-mixed (the fine-tuning runs' default CutMix: alpha 1,
 * spatial boxes, one box per batch) before masking, and the target is the mixed clip: what the write-up's
 * question needs, an encoder that has seen mixed inputs.
 */
import * as tf from '@tensorflow/tfjs-core';
import { evalClipSpec, trainClipSpec, type PreprocessSettings } from '../data/clip-spec.ts';
import type { BatchRequest } from '../data/worker/protocol.ts';
import { configToJson } from '../model/checkpoint/export.ts';
import { PRETRAINING_ARCHITECTURE } from '../model/checkpoint/pretraining.ts';
import { reconstructionView } from '../model/videomae/cubes.ts';
import { makeMasks, maskGrid } from '../model/videomae/masking.ts';
import type { VideoMAEForPreTraining } from '../model/videomae/pretraining.ts';
import { defaultsOf } from '../util/schema.ts';
import { Rng } from '../util/rng.ts';
import { applyMix } from './cutmix.ts';
import { clipByGlobalNorm, disposeAll } from './gradients.ts';
import { planMix } from './mix-plan.ts';
import { AdamOptimizer, type OptimizerStateSnapshot } from './optimizers.ts';
import type { PretrainProgress } from './pretrain-checkpoint.ts';
import type { PretrainConfig, PretrainSlot } from './pretrain-config.ts';
import { pretrainOptimizerOptions } from './pretrain-step.ts';
import type { PretrainPoint, ReconstructionView } from './pretrain-types.ts';
import { mixConfigOf, RUN_CONFIG_SCHEMA } from './run-config.ts';
import { warmupStepsFromRatio } from './schedules.ts';
import { NonFiniteLossError, type BatchSource, type TrainingBatch } from './trainer.ts';
import type { PreviewFrame } from './types.ts';

export interface PretrainTrainerOptions {
  slot: PretrainSlot;
  config: PretrainConfig;
  model: VideoMAEForPreTraining;
  data: BatchSource;
  /** The clips pretrained on, in a stable order (train, plus val and test when includeEvalSplits). */
  clipIds: readonly string[];
  preprocess: PreprocessSettings;
  fusedAttention?: boolean;
}

export interface PretrainStepOutcome {
  /** Null when no clip of the step could be read: the step passed without an update. */
  point: PretrainPoint | null;
  epochEnded: boolean;
}

/** Deterministic 31-bit seed for tfjs's seeded ops from a label. */
function seedOf(label: string): number {
  return new Rng(label).nextUint32() >>> 1;
}

/** The optimizer steps of a pretraining: epochs x batches per epoch (the last batch may be short). */
export function pretrainTotalSteps(config: PretrainConfig, clips: number): number {
  return config.epochs * Math.ceil(clips / config.batchSize);
}

/**
 * The pretraining's AdamW settings: the paper's recipe with this config's values; the cosine decays to
 * minLr, never above the peak lr (at the paper's 1.5e-4 x 8 / 256 = 4.7e-6 the default minLr 1e-5 would be
 * above it: the schedule then stays flat after warmup).
 */
export function pretrainOptimizerOf(config: PretrainConfig, totalSteps: number) {
  const options = pretrainOptimizerOptions({
    batchSize: config.batchSize,
    totalSteps,
    warmupSteps: warmupStepsFromRatio(config.warmupRatio, totalSteps),
    baseLr: config.baseLr,
    beta1: config.beta1,
    beta2: config.beta2,
    weightDecay: config.weightDecay,
  });
  const minFactor = options.lr > 0 ? Math.min(1, config.minLr / options.lr) : 0;
  return { ...options, schedule: { ...options.schedule, minFactor } };
}

/** The fine-tuning runs' default CutMix (B's settings), forced on for every batch. */
function cutmixConfigFor(model: VideoMAEForPreTraining) {
  return mixConfigOf(
    { ...defaultsOf(RUN_CONFIG_SCHEMA), cutmix: true, mixupAlpha: 0, mixProb: 1 },
    { patchSize: model.config.patch_size, tubeletSize: model.config.tubelet_size },
  );
}

/** [T, 3, H, W] values in [0, 1] (un-normalised) as RGBA frames. */
function framesOf(values: Float32Array, frames: number, height: number, width: number): PreviewFrame[] {
  const plane = height * width;
  return Array.from({ length: frames }, (_, f) => {
    const rgba = new Uint8ClampedArray(plane * 4);
    const offset = f * 3 * plane;
    for (let p = 0; p < plane; p++) {
      for (let c = 0; c < 3; c++) rgba[p * 4 + c] = values[offset + c * plane + p]! * 255;
      rgba[p * 4 + 3] = 255;
    }
    return { width, height, rgba };
  });
}

export class PretrainTrainer {
  readonly slot: PretrainSlot;
  readonly config: PretrainConfig;
  readonly model: VideoMAEForPreTraining;
  readonly totalSteps: number;
  readonly batchesPerEpoch: number;
  private readonly data: BatchSource;
  private readonly clipIds: readonly string[];
  private readonly preprocess: PreprocessSettings;
  private readonly optimizer: AdamOptimizer;
  private readonly nameOfVariable = new Map<string, string>();
  private readonly fusedAttention: boolean;
  private stepsDone = 0;
  private elapsed = 0;
  private lost = 0;
  private empty = 0;
  readonly points: PretrainPoint[] = [];

  constructor(options: PretrainTrainerOptions) {
    if (options.clipIds.length === 0) throw new RangeError('There are no clips to pretrain on');
    this.slot = options.slot;
    this.config = options.config;
    this.model = options.model;
    this.data = options.data;
    this.clipIds = options.clipIds;
    this.preprocess = options.preprocess;
    this.fusedAttention = options.fusedAttention ?? true;
    this.batchesPerEpoch = Math.ceil(options.clipIds.length / options.config.batchSize);
    this.totalSteps = pretrainTotalSteps(options.config, options.clipIds.length);
    // Fails early (a clear message) when the ratio leaves nothing masked or nothing visible.
    makeMasks(1, maskGrid(this.model.config), this.maskOptions('check'));
    this.optimizer = new AdamOptimizer(
      this.model.params,
      pretrainOptimizerOf(options.config, this.totalSteps),
    );
    for (const [name, variable] of this.model.params) this.nameOfVariable.set(variable.name, name);
  }

  get step(): number {
    return this.stepsDone;
  }

  get elapsedMs(): number {
    return this.elapsed;
  }

  get lostClips(): number {
    return this.lost;
  }

  get emptySteps(): number {
    return this.empty;
  }

  get done(): boolean {
    return this.stepsDone >= this.totalSteps;
  }

  get clips(): number {
    return this.clipIds.length;
  }

  private maskOptions(label: string) {
    return { kind: this.config.masking, ratio: this.config.maskRatio, seed: `${this.config.seed}/${label}` };
  }

  private requestOf(step: number): BatchRequest {
    const epoch = Math.floor(step / this.batchesPerEpoch);
    const index = step % this.batchesPerEpoch;
    const order = new Rng(`${this.config.seed}/pretrain-order/${epoch}`).shuffle([...this.clipIds]);
    const start = index * this.config.batchSize;
    return {
      clipIds: order.slice(start, start + this.config.batchSize),
      spec: trainClipSpec(this.preprocess),
      seed: this.config.seed,
      epoch,
    };
  }

  private prefetchNext(): void {
    if (this.stepsDone + 1 < this.totalSteps) this.data.prefetch([this.requestOf(this.stepsDone + 1)]);
  }

  /** The inputs of step `step`: the batch's clips, CutMix-mixed when the config says so. Caller disposes. */
  inputsOf(batch: TrainingBatch, step: number): tf.Tensor5D {
    const clips = tf.tensor5d(batch.data, batch.shape);
    if (this.config.mix !== 'cutmix' || batch.shape[0] < 2) return clips;
    const [b, t, , h, w] = batch.shape;
    const plan = planMix(
      new Rng(`${this.config.seed}/pretrain-mix/${step}`),
      cutmixConfigFor(this.model),
      b,
      {
        frames: t,
        height: h,
        width: w,
      },
    );
    // Labels are unused by pretraining; the soft targets applyMix builds are dropped.
    const mix = applyMix(clips, new Int32Array(b), plan, 2);
    clips.dispose();
    mix.targets.dispose();
    return mix.inputs as tf.Tensor5D;
  }

  /** One AdamW update on one batch. Throws NonFiniteLossError without touching the weights. */
  async trainStep(): Promise<PretrainStepOutcome> {
    const started = performance.now();
    const step = this.stepsDone;
    const request = this.requestOf(step);
    const batch = await this.data.getBatch(request);
    this.prefetchNext();
    const lostClips = request.clipIds.length - batch.shape[0];
    this.lost += lostClips;
    const epochEnded = (step + 1) % this.batchesPerEpoch === 0 || step + 1 >= this.totalSteps;
    if (batch.shape[0] === 0) {
      this.stepsDone += 1;
      this.empty += 1;
      return { point: null, epochEnded };
    }
    const inputs = this.inputsOf(batch, step);
    const mask = makeMasks(batch.shape[0], maskGrid(this.model.config), this.maskOptions(`mask/${step}`));
    let grads: Map<string, tf.Tensor> = new Map();
    let gradNorm: number | null = null;
    try {
      const { value, grads: raw } = tf.variableGrads(
        () =>
          this.model.forward(inputs, mask, {
            training: true,
            seed: seedOf(`${this.config.seed}/pretrain-dropout/${step}`),
            fusedAttention: this.fusedAttention,
          }).loss,
        this.model.trainableVariables(),
      );
      for (const [variableName, grad] of Object.entries(raw))
        grads.set(this.nameOfVariable.get(variableName)!, grad);
      const loss = (await value.data())[0]!;
      value.dispose();
      if (!Number.isFinite(loss)) {
        throw new NonFiniteLossError(
          `The reconstruction loss became ${loss} at step ${step + 1} (epoch ${(step / this.batchesPerEpoch).toFixed(2)}); ` +
            'the update was not applied. Try a lower learning rate or gradient clipping.',
        );
      }
      if (this.config.clipNorm > 0) {
        const clipped = clipByGlobalNorm(grads, this.config.clipNorm);
        disposeAll(grads);
        grads = clipped.grads;
        gradNorm = (await clipped.totalNorm.data())[0]!;
        clipped.totalNorm.dispose();
      }
      const { lr } = this.optimizer.step(grads);
      this.stepsDone += 1;
      // Wait for the update before timing it (tfjs queues GPU work); mask_token is the cheapest read.
      await this.model.params.get('mask_token')!.data();
      const ms = performance.now() - started;
      this.elapsed += ms;
      const point: PretrainPoint = {
        slot: this.slot,
        step: this.stepsDone,
        epoch: this.stepsDone / this.batchesPerEpoch,
        loss,
        lr,
        gradNorm,
        clipsPerSecond: (batch.shape[0] / ms) * 1000,
        elapsedMs: this.elapsed,
        ...(lostClips > 0 ? { lostClips } : {}),
      };
      this.points.push(point);
      return { point, epochEnded };
    } finally {
      inputs.dispose();
      disposeAll(grads);
    }
  }

  /**
   * The reconstruction view of one clip from the current weights: its centre window (no augmentation, no
   * mixing), a mask drawn for this step and clip with the pretraining's settings, the decoder's prediction.
   */
  async reconstruct(clipId: string, path: string): Promise<ReconstructionView> {
    const spec = evalClipSpec(this.preprocess);
    const batch = await this.data.getBatch({ clipIds: [clipId], spec, seed: this.config.seed, epoch: 0 });
    if (batch.shape[0] === 0) {
      const reason = batch.skipped?.[0]?.reason ?? 'it could not be read';
      throw new RangeError(`Cannot show the reconstruction of ${path}: ${reason}`);
    }
    const mask = makeMasks(
      1,
      maskGrid(this.model.config),
      this.maskOptions(`view/${this.stepsDone}/${clipId}`),
    );
    const clip = tf.tensor5d(batch.data, batch.shape);
    let out;
    try {
      out = this.model.forward(clip, mask, { training: false, fusedAttention: this.fusedAttention });
    } finally {
      clip.dispose();
    }
    let loss: number;
    let prediction: Float32Array;
    try {
      loss = (await out.loss.data())[0]!;
      prediction = (await out.logits.data()) as Float32Array;
    } finally {
      out.loss.dispose();
      out.logits.dispose();
    }
    const [, t, , h, w] = batch.shape;
    const view = reconstructionView(batch.data, batch.shape, mask, prediction, this.model.config);
    return {
      slot: this.slot,
      clipId,
      path,
      step: this.stepsDone,
      loss,
      maskRatio: mask.reduce((sum, m) => sum + m, 0) / mask.length,
      original: framesOf(view.original, t, h, w),
      masked: framesOf(view.maskedInput, t, h, w),
      reconstruction: framesOf(view.reconstruction, t, h, w),
    };
  }

  modelConfigJson(): Record<string, unknown> {
    return JSON.parse(configToJson(this.model.config, PRETRAINING_ARCHITECTURE)) as Record<string, unknown>;
  }

  async optimizerState(): Promise<OptimizerStateSnapshot> {
    return this.optimizer.exportState();
  }

  restore(state: OptimizerStateSnapshot, progress: PretrainProgress): void {
    this.optimizer.loadState(state);
    this.stepsDone = progress.step;
    this.elapsed = progress.elapsedMs;
    this.points.splice(0, this.points.length, ...progress.points);
    this.lost = progress.lostClips;
    this.empty = progress.emptySteps;
  }

  progress(): PretrainProgress {
    return {
      step: this.stepsDone,
      elapsedMs: this.elapsed,
      points: [...this.points],
      lostClips: this.lost,
      emptySteps: this.empty,
    };
  }

  dispose(): void {
    this.optimizer.dispose();
    this.model.dispose();
  }
}
