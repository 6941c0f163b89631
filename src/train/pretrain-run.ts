/**
 * A pretraining from start to end: builds its trainer (fresh, or from the slot's checkpoint), steps it,
 * checkpoints at each epoch's end, on pause, on stop and at the end, honours pause / resume / stop, shows
 * a reconstruction now and then (each epoch's end, and at most every `viewEveryMs` between), and turns
 * faults into states: a NaN loss stops it naming the step, out-of-memory fails with advice, lost clips
 * become problems. It knows nothing of workers: batches, the model and the checkpoint storage come in, so
 * it runs in Node with the in-memory batch source, which is how it is tested.
 */
import type { PreprocessSettings } from '../data/clip-spec.ts';
import { parseConfig } from '../model/videomae/config.ts';
import { VideoMAEForPreTraining } from '../model/videomae/pretraining.ts';
import type { PretrainCheckpointStore } from './pretrain-checkpoint.ts';
import type { PretrainConfig, PretrainSlot } from './pretrain-config.ts';
import { PretrainTrainer } from './pretrain-trainer.ts';
import type { PretrainEvent, PretrainState, ReconstructionView } from './pretrain-types.ts';
import type { Delivery } from './run-scheduler.ts';
import { runProblems } from './run-problems.ts';
import { NonFiniteLossError, type BatchSource } from './trainer.ts';
import type { RunStatus } from './types.ts';

export class PretrainRunError extends Error {
  override name = 'PretrainRunError';
}

const OOM =
  /out of memory|OOM|Failed to allocate|allocation failed|Array buffer allocation|GPUOutOfMemoryError|exceeds the max/i;

export interface PretrainRunOptions {
  slot: PretrainSlot;
  config: PretrainConfig;
  /** The clips pretrained on, in a stable order, and their paths (for the reconstruction view). */
  clipIds: readonly string[];
  paths: ReadonlyMap<string, string>;
  preprocess: PreprocessSettings;
  datasetKey: string;
  checkpoints: PretrainCheckpointStore;
  data: BatchSource;
  /** The model a fresh pretraining starts from (ignored when resuming). */
  startingModel(): VideoMAEForPreTraining;
  emit(event: PretrainEvent, delivery?: Delivery, key?: string): void;
  /** Continue from the slot's checkpoint. */
  resume?: boolean;
  viewClipId?: string;
  /** Least time between two reconstruction views inside an epoch (default 10 s; epoch ends always show one). */
  viewEveryMs?: number;
  fusedAttention?: boolean;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class PretrainRun {
  private trainer: PretrainTrainer | null = null;
  private status: RunStatus = 'queued';
  private message: string | null = null;
  private lastCheckpoint: PretrainState['lastCheckpoint'] = null;
  private pauseRequested = false;
  private stopRequested = false;
  private wake: (() => void) | null = null;
  private viewClipId: string | undefined;
  private lastViewAt = 0;
  private config: PretrainConfig;

  constructor(private readonly options: PretrainRunOptions) {
    this.config = options.config;
    this.viewClipId = options.viewClipId ?? options.clipIds[0];
  }

  get slot(): PretrainSlot {
    return this.options.slot;
  }

  /** The live model (for exports and views mid-pretraining), or null before it is built and after it ends. */
  get model(): VideoMAEForPreTraining | null {
    return this.trainer?.model ?? null;
  }

  pause(): void {
    this.pauseRequested = true;
  }

  resume(): void {
    this.pauseRequested = false;
    this.message = null;
    this.wake?.();
  }

  stop(): void {
    this.stopRequested = true;
    this.pauseRequested = false;
    this.wake?.();
  }

  /** Pretrains until it ends (finished, stopped or failed); never throws for a fault of the pretraining itself. */
  async run(): Promise<void> {
    try {
      try {
        this.trainer = await this.createTrainer();
        for (const point of this.trainer.points) this.options.emit({ type: 'pretrain-step', point });
      } catch (error) {
        this.fail(error);
        return;
      }
      await this.loop();
    } finally {
      this.trainer?.dispose();
      this.trainer = null;
    }
  }

  /** A reconstruction view from the current weights; it also becomes the clip the live view follows. */
  async reconstruct(clipId: string): Promise<ReconstructionView> {
    const trainer = this.trainer;
    if (!trainer) throw new PretrainRunError(`Pretraining ${this.slot.slice(-1)} is not running`);
    if (!this.options.paths.has(clipId) && !this.options.clipIds.includes(clipId))
      throw new PretrainRunError(`There is no clip ${clipId} in this dataset`);
    this.viewClipId = clipId;
    return trainer.reconstruct(clipId, this.options.paths.get(clipId) ?? clipId);
  }

  state(): PretrainState {
    const t = this.trainer;
    const last = t?.points.at(-1);
    return {
      slot: this.slot,
      status: this.status,
      config: this.config,
      step: t?.step ?? 0,
      totalSteps: t?.totalSteps ?? 0,
      epoch: t ? t.step / t.batchesPerEpoch : 0,
      elapsedMs: t?.elapsedMs ?? 0,
      clipsPerSecond: last?.clipsPerSecond ?? 0,
      clips: this.options.clipIds.length,
      message: this.message,
      lastCheckpoint: this.lastCheckpoint,
      problems: t ? runProblems({ evals: [], lostClips: t.lostClips, emptySteps: t.emptySteps }) : [],
    };
  }

  private setStatus(status: RunStatus, message: string | null = this.message): void {
    this.status = status;
    this.message = message;
    this.options.emit({ type: 'pretrain-state', state: this.state() }, 'now');
  }

  private log(level: 'info' | 'warning' | 'error', message: string): void {
    this.options.emit({ type: 'log', level, message }, 'now');
  }

  private get name(): string {
    return `Pretraining ${this.slot.slice(-1)}`;
  }

  private async createTrainer(): Promise<PretrainTrainer> {
    const { checkpoints, datasetKey, slot } = this.options;
    const checkpoint = this.options.resume ? await checkpoints.load(slot) : null;
    if (this.options.resume && !checkpoint)
      throw new PretrainRunError(`${this.name} has no saved checkpoint to resume from`);
    if (checkpoint && checkpoint.datasetKey !== datasetKey)
      throw new PretrainRunError(
        `${this.name}'s checkpoint was made on another dataset; load that dataset to resume it`,
      );
    if (checkpoint) this.config = checkpoint.config;
    const model = checkpoint
      ? VideoMAEForPreTraining.fromWeights(
          parseConfig(checkpoint.modelConfig),
          new Map([...checkpoint.weights].map(([name, value]) => [name, value.data])),
        )
      : this.options.startingModel();
    let trainer: PretrainTrainer;
    try {
      trainer = new PretrainTrainer({
        slot,
        config: this.config,
        model,
        data: this.options.data,
        clipIds: this.options.clipIds,
        preprocess: this.options.preprocess,
        ...(this.options.fusedAttention === undefined ? {} : { fusedAttention: this.options.fusedAttention }),
      });
    } catch (error) {
      model.dispose();
      throw error;
    }
    if (checkpoint) {
      trainer.restore(checkpoint.optimizer, checkpoint.progress);
      this.lastCheckpoint = {
        step: checkpoint.progress.step,
        epoch: trainer.step / trainer.batchesPerEpoch,
        savedAt: checkpoint.savedAt,
      };
      this.log('info', `${this.name} resumes from step ${checkpoint.progress.step}`);
    }
    return trainer;
  }

  private async loop(): Promise<void> {
    const trainer = this.trainer!;
    this.setStatus('running', null);
    await this.showView(trainer);
    for (;;) {
      if (this.stopRequested) {
        await this.checkpoint('stopped');
        this.setStatus('stopped', 'Stopped by you; its curve and last checkpoint are kept');
        return;
      }
      if (this.pauseRequested) {
        if (this.status !== 'paused') {
          await this.checkpoint('paused');
          this.setStatus('paused', this.message ?? 'Paused');
        }
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = null;
        continue;
      }
      if (this.status === 'paused') this.setStatus('running', null);
      if (trainer.done) {
        await this.checkpoint('finished');
        const problems = this.state().problems;
        if (problems.length > 0)
          this.log('warning', `${this.name} finished with problems: ${problems.join('; ')}`);
        this.setStatus('finished', null);
        return;
      }
      try {
        const outcome = await trainer.trainStep();
        if (outcome.point) this.options.emit({ type: 'pretrain-step', point: outcome.point });
        else
          this.log(
            'warning',
            `${this.name}: no clip of step ${trainer.step} could be read; the step passed without an update`,
          );
        this.options.emit(
          { type: 'pretrain-state', state: this.state() },
          'latest',
          `pretrain-state-${this.slot}`,
        );
        if (outcome.epochEnded && !trainer.done) await this.checkpoint('running');
        const viewDue = Date.now() - this.lastViewAt >= (this.options.viewEveryMs ?? 10_000);
        if (outcome.epochEnded || viewDue) await this.showView(trainer);
      } catch (error) {
        this.fail(error);
        return;
      }
    }
  }

  private async showView(trainer: PretrainTrainer): Promise<void> {
    const clipId = this.viewClipId;
    this.lastViewAt = Date.now();
    if (clipId === undefined) return;
    try {
      const view = await trainer.reconstruct(clipId, this.options.paths.get(clipId) ?? clipId);
      this.options.emit({ type: 'pretrain-reconstruction', view }, 'latest', `pretrain-view-${this.slot}`);
    } catch (error) {
      this.log('warning', `${this.name}: no reconstruction view (${messageOf(error)})`);
    }
  }

  private fail(error: unknown): void {
    let message = messageOf(error);
    if (!(error instanceof NonFiniteLossError) && OOM.test(message))
      message = `Out of memory (${message}). Try a smaller batch size, fewer frames or a lower resolution.`;
    this.log('error', `${this.name}: ${message}`);
    this.setStatus('failed', message);
  }

  private async checkpoint(status: RunStatus): Promise<void> {
    const trainer = this.trainer;
    if (!trainer || trainer.step === 0) return;
    const weights = await trainer.model.getWeights();
    try {
      const savedAt = Date.now();
      await this.options.checkpoints.save({
        slot: this.slot,
        config: this.config,
        modelConfig: trainer.modelConfigJson(),
        preprocess: this.options.preprocess,
        datasetKey: this.options.datasetKey,
        status,
        savedAt,
        progress: trainer.progress(),
        weights: new Map([...weights].map(([name, v]) => [name, { shape: v.shape, data: v.data }])),
        optimizer: await trainer.optimizerState(),
      });
      this.lastCheckpoint = { step: trainer.step, epoch: trainer.step / trainer.batchesPerEpoch, savedAt };
    } catch (error) {
      this.log('warning', `${this.name}: could not save a checkpoint (${messageOf(error)})`);
    }
  }
}
