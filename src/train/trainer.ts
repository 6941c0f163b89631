/**
 * One training run: a model, its optimizer and a config, fed batches by the data worker.
 *
 * Every random choice is a pure function of (seed, position): the clip order of epoch e comes from
 * `seed/order/e`, a clip's augmentation from the data worker's `seed/epoch/clipId`, the mix of micro-batch
 * g from `seed/mix/g`, dropout masks from `seed/dropout/g`. So two runs that differ only in CutMix see the
 * same clips in the same order with the same augmentations, and a run resumed from a checkpoint (weights,
 * optimizer state, step) continues exactly as if it had never stopped.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { VideoMAEForVideoClassification } from '../model/videomae/model.ts';
import type { SkippedFile } from '../data/dataset-index.ts';
import type { BatchRequest, BatchTensor } from '../data/worker/protocol.ts';
import { evalClipSpec, trainClipSpec, type PreprocessSettings } from '../data/clip-spec.ts';
import type { SplitName } from '../data/ucf101.ts';
import { Rng } from '../util/rng.ts';
import { applyMix } from './cutmix.ts';
import { clipByGlobalNorm, disposeAll, GradientAccumulator } from './gradients.ts';
import { hardTargetCrossEntropy, softTargetCrossEntropy } from './losses.ts';
import { EvalAccumulator, predictionsOf, stepAccuracy } from './metrics.ts';
import { mixEnabled, planMix } from './mix-plan.ts';
import { AdamOptimizer, type OptimizerStateSnapshot } from './optimizers.ts';
import {
  mixConfigOf,
  optimizerOptionsOf,
  planTraining,
  type RunConfig,
  type TrainingPlan,
} from './run-config.ts';
import type { EvalPoint, Prediction, RunId, StepPoint } from './types.ts';

/** The part of a data-worker batch the trainer uses; `skipped` lists clips of the request that could not be read. */
export type TrainingBatch = Pick<BatchTensor, 'data' | 'shape' | 'labels' | 'clipIds'> & {
  skipped?: readonly SkippedFile[];
};

/** What the trainer needs from the data worker (a subset of its DataApi). */
export interface BatchSource {
  getBatch(request: BatchRequest): Promise<TrainingBatch>;
  prefetch(requests: readonly BatchRequest[]): void;
}

export interface RunData {
  classes: string[];
  /** Clip ids per split, in a stable order (the trainer shuffles the training ids per epoch). */
  clipIds: Record<SplitName, string[]>;
  /** Paths of clips, for predictions shown in the gallery. */
  paths: ReadonlyMap<string, string>;
}

export class NonFiniteLossError extends Error {
  override name = 'NonFiniteLossError';
}

export interface TrainerOptions {
  runId: RunId;
  config: RunConfig;
  model: VideoMAEForVideoClassification;
  data: BatchSource;
  dataset: RunData;
  preprocess: PreprocessSettings;
  fusedAttention?: boolean;
}

export interface TrainerProgress {
  step: number;
  elapsedMs: number;
  steps: StepPoint[];
  evals: EvalPoint[];
  /** Training clips asked for that could not be read, and steps that passed without an update for it. */
  lostClips?: number;
  emptySteps?: number;
}

export interface StepOutcome {
  /** Null when no clip of the step could be read: the step passed without an update. */
  point: StepPoint | null;
  /** The step ended an epoch (or the run): time to evaluate / checkpoint. */
  epochEnded: boolean;
  evaluateNow: boolean;
}

export interface EvalOutcome {
  point: EvalPoint;
  predictions: Prediction[];
}

/** Deterministic 31-bit seed for tfjs's seeded ops from a label. */
function seedOf(label: string): number {
  return new Rng(label).nextUint32() >>> 1;
}

export class RunTrainer {
  readonly runId: RunId;
  readonly config: RunConfig;
  readonly plan: TrainingPlan;
  readonly model: VideoMAEForVideoClassification;
  private readonly data: BatchSource;
  private readonly dataset: RunData;
  private readonly preprocess: PreprocessSettings;
  private readonly optimizer: AdamOptimizer;
  private readonly nameOfVariable = new Map<string, string>();
  private readonly batchesPerEpoch: number;
  private readonly fusedAttention: boolean;
  private stepsDone = 0;
  private elapsed = 0;
  private lost = 0;
  private empty = 0;
  readonly steps: StepPoint[] = [];
  readonly evals: EvalPoint[] = [];

  constructor(options: TrainerOptions) {
    this.runId = options.runId;
    this.config = options.config;
    this.model = options.model;
    this.data = options.data;
    this.dataset = options.dataset;
    this.preprocess = options.preprocess;
    this.fusedAttention = options.fusedAttention ?? true;
    const trainClips = options.dataset.clipIds.train.length;
    this.plan = planTraining(options.config, trainClips);
    this.batchesPerEpoch = Math.ceil(trainClips / options.config.batchSize);
    this.optimizer = new AdamOptimizer(
      this.model.params,
      optimizerOptionsOf(options.config, this.plan, this.model.config.num_hidden_layers),
    );
    for (const [name, variable] of this.model.params) this.nameOfVariable.set(variable.name, name);
  }

  private syncProbe(): tf.Variable {
    let smallest: tf.Variable | null = null;
    for (const v of this.model.params.values()) if (!smallest || v.size < smallest.size) smallest = v;
    return smallest!;
  }

  get step(): number {
    return this.stepsDone;
  }

  get elapsedMs(): number {
    return this.elapsed;
  }

  /** Training clips of the steps so far that could not be read (their steps trained on the rest). */
  get lostClips(): number {
    return this.lost;
  }

  /** Steps in which no clip could be read: they passed without an update. */
  get emptySteps(): number {
    return this.empty;
  }

  get done(): boolean {
    return this.stepsDone >= this.plan.totalSteps;
  }

  /** Fractional epoch after `microBatches` micro-batches. */
  private epochAt(microBatches: number): number {
    return microBatches / this.batchesPerEpoch;
  }

  /** The clip ids of global micro-batch `g` (epoch-wise shuffled, last batch of an epoch may be short). */
  private clipIdsOfBatch(g: number): { epoch: number; ids: string[] } {
    const epoch = Math.floor(g / this.batchesPerEpoch);
    const index = g % this.batchesPerEpoch;
    const order = new Rng(`${this.config.seed}/order/${epoch}`).shuffle(this.dataset.clipIds.train);
    const start = index * this.config.batchSize;
    return { epoch, ids: order.slice(start, start + this.config.batchSize) };
  }

  private requestOf(g: number): BatchRequest {
    const { epoch, ids } = this.clipIdsOfBatch(g);
    return { clipIds: ids, spec: trainClipSpec(this.preprocess), seed: this.config.seed, epoch };
  }

  private microBatchesOf(step: number): number[] {
    const accumulation = this.config.gradAccumulation;
    return Array.from({ length: accumulation }, (_, i) => step * accumulation + i);
  }

  /** Asks the data worker to prepare the next step's batches while this one computes. */
  prefetchNext(): void {
    if (this.stepsDone + 1 >= this.plan.totalSteps) return;
    this.data.prefetch(this.microBatchesOf(this.stepsDone + 1).map((g) => this.requestOf(g)));
  }

  /** One optimizer update (all its micro-batches). Throws NonFiniteLossError without touching the weights. */
  async trainStep(): Promise<StepOutcome> {
    const started = performance.now();
    const step = this.stepsDone;
    const micro = this.microBatchesOf(step);
    const numClasses = this.dataset.classes.length;
    const mixConfig = mixConfigOf(this.config, {
      patchSize: this.model.config.patch_size,
      tubeletSize: this.model.config.tubelet_size,
    });
    const mixing = mixEnabled(mixConfig);
    const accumulator = micro.length > 1 ? new GradientAccumulator() : null;
    let grads: Map<string, tf.Tensor> | null = null;
    let lossSum = 0;
    let correct = 0;
    let clips = 0;
    let lostClips = 0;
    let anyMixed = false;
    const lams: number[] = [];
    try {
      for (const g of micro) {
        const request = this.requestOf(g);
        const batch = await this.data.getBatch(request);
        if (g === micro[0]) this.prefetchNext();
        lostClips += request.clipIds.length - batch.labels.length;
        if (batch.labels.length === 0) continue;
        const outcome = await this.forwardBackward(batch, g, numClasses, mixing, mixConfig);
        lossSum += outcome.loss * batch.labels.length;
        correct += outcome.correct;
        clips += batch.labels.length;
        anyMixed ||= outcome.mixed;
        lams.push(...outcome.lams);
        if (!Number.isFinite(outcome.loss)) {
          disposeAll(outcome.grads);
          throw new NonFiniteLossError(
            `The loss became ${outcome.loss} at step ${step + 1} (epoch ${this.epochAt(g).toFixed(2)}); ` +
              'the update was not applied. Try a lower learning rate or gradient clipping.',
          );
        }
        if (accumulator) {
          accumulator.add(outcome.grads);
          disposeAll(outcome.grads);
        } else {
          grads = outcome.grads;
        }
      }
      this.lost += lostClips;
      if (clips === 0) {
        // Every clip of this step was unreadable: no update, same schedule.
        this.stepsDone += 1;
        this.empty += 1;
        return { point: null, ...this.boundaryAfter(micro) };
      }
      if (accumulator) grads = accumulator.take('mean');
      let gradNorm: number | null = null;
      if (this.config.clipNorm > 0) {
        const clipped = clipByGlobalNorm(grads!, this.config.clipNorm);
        disposeAll(grads!);
        grads = clipped.grads;
        gradNorm = (await clipped.totalNorm.data())[0]!;
        clipped.totalNorm.dispose();
      }
      const { lr } = this.optimizer.step(grads!);
      this.stepsDone += 1;
      // Wait for the update to finish before timing it (tfjs queues GPU work asynchronously); the smallest
      // parameter is the cheapest thing to read back.
      await this.syncProbe().data();
      const ms = performance.now() - started;
      this.elapsed += ms;
      const lastMicro = micro[micro.length - 1]!;
      const point: StepPoint = {
        runId: this.runId,
        step: this.stepsDone,
        epoch: this.epochAt(lastMicro + 1),
        loss: lossSum / clips,
        accuracy: correct / clips,
        accuracyTarget: anyMixed ? 'dominant-label' : 'label',
        lr,
        gradNorm,
        clipsPerSecond: (clips / ms) * 1000,
        elapsedMs: this.elapsed,
        lostClips,
        ...(lams.length > 0
          ? { mixedClips: lams.length, meanLam: lams.reduce((a, b) => a + b, 0) / lams.length }
          : {}),
      };
      this.steps.push(point);
      return { point, ...this.boundaryAfter(micro) };
    } finally {
      accumulator?.dispose();
      if (grads) disposeAll(grads);
    }
  }

  /** Whether the step made of `micro` (already counted) ended an epoch, and whether to evaluate now. */
  private boundaryAfter(micro: readonly number[]): { epochEnded: boolean; evaluateNow: boolean } {
    const lastMicro = micro[micro.length - 1]!;
    const epochEnded =
      Math.floor((lastMicro + 1) / this.batchesPerEpoch) > Math.floor(micro[0]! / this.batchesPerEpoch) ||
      this.done;
    const evaluateNow =
      this.done ||
      (this.config.evalEvery === 'epoch' ? epochEnded : this.stepsDone % this.config.evalSteps === 0);
    return { epochEnded, evaluateNow };
  }

  private async forwardBackward(
    batch: TrainingBatch,
    g: number,
    numClasses: number,
    mixing: boolean,
    mixConfig: ReturnType<typeof mixConfigOf>,
  ): Promise<{
    loss: number;
    correct: number;
    mixed: boolean;
    /** Of each clip that was mixed, the share of its own content (lambda). */
    lams: number[];
    grads: Map<string, tf.Tensor>;
  }> {
    const [b, t, , h, w] = batch.shape;
    const clips = tf.tensor5d(batch.data, batch.shape);
    const plan = mixing
      ? planMix(new Rng(`${this.config.seed}/mix/${g}`), mixConfig, b, { frames: t, height: h, width: w })
      : null;
    const mix = plan ? applyMix(clips, batch.labels, plan, numClasses, this.config.labelSmoothing) : null;
    let logits: tf.Tensor2D | null = null;
    try {
      const inputs = mix ? mix.inputs : clips;
      const { value, grads } = tf.variableGrads(() => {
        const out = this.model.forward(inputs, {
          training: true,
          seed: seedOf(`${this.config.seed}/dropout/${g}`),
          fusedAttention: this.fusedAttention,
        }).logits;
        logits = tf.keep(out);
        return mix
          ? softTargetCrossEntropy(out, mix.targets)
          : hardTargetCrossEntropy(out, batch.labels, this.config.labelSmoothing);
      }, this.model.trainableVariables());
      const named = new Map<string, tf.Tensor>();
      for (const [variableName, grad] of Object.entries(grads)) {
        named.set(this.nameOfVariable.get(variableName)!, grad);
      }
      const loss = (await value.data())[0]!;
      value.dispose();
      const logitValues = await logits!.data();
      const samples =
        mix?.samples ??
        Array.from(batch.labels, (label) => ({ label, dominantLabel: label, kind: 'none' as const }));
      const accuracy = stepAccuracy(logitValues, numClasses, samples);
      const mixedSamples = (mix?.samples ?? []).filter((s) => s.kind !== 'none' && !s.selfPaired);
      const mixed = mix !== null && mix.samples.some((s) => s.kind !== 'none');
      return {
        loss,
        correct: accuracy.correct,
        mixed,
        lams: mixedSamples.map((s) => s.lam),
        grads: named,
      };
    } finally {
      clips.dispose();
      if (mix) {
        mix.inputs.dispose();
        mix.targets.dispose();
      }
      (logits as tf.Tensor2D | null)?.dispose();
    }
  }

  /** Loss, top-1/top-5 and the confusion matrix on a split, centre window, no augmentation, no mixing. */
  async evaluate(split: 'val' | 'test', onBatch?: () => Promise<void>): Promise<EvalOutcome> {
    const started = performance.now();
    const ids = this.dataset.clipIds[split];
    const numClasses = this.dataset.classes.length;
    const accumulator = new EvalAccumulator(numClasses);
    const predictions: Prediction[] = [];
    const spec = evalClipSpec(this.preprocess);
    const batchSize = this.config.batchSize;
    for (let start = 0; start < ids.length; start += batchSize) {
      const request: BatchRequest = { clipIds: ids.slice(start, start + batchSize), spec, seed: 0, epoch: 0 };
      const next = ids.slice(start + batchSize, start + 2 * batchSize);
      if (next.length > 0) this.data.prefetch([{ ...request, clipIds: next }]);
      const batch = await this.data.getBatch(request);
      if (batch.labels.length === 0) continue;
      const logits = tf.tidy(
        () =>
          this.model.forward(tf.tensor5d(batch.data, batch.shape), {
            training: false,
            fusedAttention: this.fusedAttention,
          }).logits,
      );
      const values = await logits.data();
      logits.dispose();
      accumulator.add(values, batch.labels);
      if (split === 'test') {
        const paths = batch.clipIds.map((id) => this.dataset.paths.get(id) ?? id);
        predictions.push(...predictionsOf(values, numClasses, batch.clipIds, paths, batch.labels));
      }
      await onBatch?.();
    }
    const metrics = accumulator.result();
    this.elapsed += performance.now() - started;
    const point: EvalPoint = {
      runId: this.runId,
      split,
      step: this.stepsDone,
      epoch: this.epochAt(this.stepsDone * this.config.gradAccumulation),
      loss: metrics.loss,
      top1: metrics.top1,
      top5: metrics.top5,
      confusion: metrics.confusion,
      clips: metrics.count,
      splitClips: ids.length,
      elapsedMs: this.elapsed,
    };
    this.evals.push(point);
    return { point, predictions };
  }

  async optimizerState(): Promise<OptimizerStateSnapshot> {
    return this.optimizer.exportState();
  }

  /** Continues from a checkpoint: the weights are already in the model; this restores the rest. */
  restore(state: OptimizerStateSnapshot, progress: TrainerProgress): void {
    this.optimizer.loadState(state);
    this.stepsDone = progress.step;
    this.elapsed = progress.elapsedMs;
    this.steps.splice(0, this.steps.length, ...progress.steps);
    this.evals.splice(0, this.evals.length, ...progress.evals);
    this.lost = progress.lostClips ?? 0;
    this.empty = progress.emptySteps ?? 0;
  }

  progress(): TrainerProgress {
    return {
      step: this.stepsDone,
      elapsedMs: this.elapsed,
      steps: [...this.steps],
      evals: [...this.evals],
      lostClips: this.lost,
      emptySteps: this.empty,
    };
  }

  dispose(): void {
    this.optimizer.dispose();
    this.model.dispose();
  }
}
