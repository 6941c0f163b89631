/**
 * Runs A and B from start to end: builds each run's trainer (fresh, or from its checkpoint), steps them in
 * turn (interleaved A, B, A, B ... or one after the other), evaluates, checkpoints at each epoch's end and on
 * pause, honours pause / resume / stop, and turns faults into run states: a NaN loss stops the run naming the
 * step, out-of-memory fails with advice, a lost GPU device pauses every run until Resume rebuilds them from
 * their last checkpoints. A failed run keeps its metrics and its last checkpoint.
 *
 * It knows nothing of workers or WebGPU: what it needs from them (batches, the weights to start from, a way
 * to tell and mend a lost device) comes in as functions, so it runs in Node with the in-memory batch source
 * and checkpoint storage, which is how it is tested.
 */
import type { PreprocessSettings } from '../data/clip-spec.ts';
import { parseConfig } from '../model/videomae/config.ts';
import { configToJson } from '../model/checkpoint/export.ts';
import { VideoMAEForVideoClassification } from '../model/videomae/model.ts';
import type { CheckpointStore, RunCheckpoint } from './checkpoint-store.ts';
import type { RunConfig } from './run-config.ts';
import { runProblems } from './run-problems.ts';
import { NonFiniteLossError, RunTrainer, type BatchSource, type RunData } from './trainer.ts';
import type { EngineEvent, RunId, RunState, RunStatus } from './types.ts';

/** How an event reaches the page: kept in order, only the latest per key, or at once (see MetricThrottle). */
export type Delivery = 'keep' | 'latest' | 'now';

export class RunSchedulerError extends Error {
  override name = 'RunSchedulerError';
}

export class UnknownRunError extends RunSchedulerError {
  override name = 'UnknownRunError';
}

const OOM =
  /out of memory|OOM|Failed to allocate|allocation failed|Array buffer allocation|GPUOutOfMemoryError|exceeds the max/i;
/** How long a stage may take before the log says the run still waits on it (and again after as long). */
const SLOW_NOTE_MS = 30_000;

export interface DeviceWatch {
  /** Why the device was lost, or null while it is fine. */
  lost(): string | null;
  /** After a failed step: waits a moment to learn whether the failure was the device going away. */
  settle(): Promise<void>;
  /** A new device, once the runs' tensors on the lost one are gone. */
  revive(): Promise<void>;
}

export interface RunSchedulerOptions {
  dataset: RunData;
  preprocess: PreprocessSettings;
  /** Which dataset the runs train on: a checkpoint made on another one is not resumed. */
  datasetKey: string;
  checkpoints: CheckpointStore;
  /** The batches a run reads (the engine wraps the data worker's with notes for slow batches). */
  batchesFor(runId: RunId): BatchSource;
  /**
   * A fresh model with the weights this run starts from (its config's startFrom: the prepared model, a
   * random init, or a pretraining); it may throw, and the run then fails with that message.
   */
  startingModel(run: {
    id: RunId;
    config: RunConfig;
  }): VideoMAEForVideoClassification | Promise<VideoMAEForVideoClassification>;
  emit(event: EngineEvent, delivery?: Delivery, key?: string): void;
  /** How the runs notice and survive a lost GPU device; absent where there is none (wasm, Node). */
  device?: DeviceWatch;
  fusedAttention?: boolean;
}

interface ActiveRun {
  id: RunId;
  config: RunConfig;
  status: RunStatus;
  trainer: RunTrainer | null;
  message: string | null;
  lastCheckpoint: RunState['lastCheckpoint'];
  pauseRequested: boolean;
  stopRequested: boolean;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class RunScheduler {
  private readonly runs = new Map<RunId, ActiveRun>();
  private wake: (() => void) | null = null;
  /** Resume was asked for after a device loss: the loop rebuilds the runs before its next step. */
  private recoverPending = false;

  constructor(private readonly options: RunSchedulerOptions) {}

  /** Trains `runs` until every one has ended (finished, stopped or failed); `resume` ones from their checkpoint. */
  async run(
    runs: readonly { id: RunId; config: RunConfig }[],
    schedule: 'interleaved' | 'sequential',
    resume: readonly RunId[] = [],
  ): Promise<void> {
    try {
      for (const { id, config } of runs) {
        const run: ActiveRun = {
          id,
          config,
          status: 'queued',
          trainer: null,
          message: null,
          lastCheckpoint: null,
          pauseRequested: false,
          stopRequested: false,
        };
        this.runs.set(id, run);
        try {
          run.trainer = await this.createTrainer(run, resume.includes(id));
          this.setStatus(run, schedule === 'sequential' && this.runs.size > 1 ? 'queued' : 'running');
          for (const point of run.trainer.steps) this.options.emit({ type: 'step', point });
          for (const point of run.trainer.evals) this.options.emit({ type: 'eval', point });
        } catch (error) {
          this.fail(run, error);
        }
      }
      await this.loop(schedule);
    } finally {
      for (const run of this.runs.values()) {
        run.trainer?.dispose();
        run.trainer = null;
      }
    }
  }

  /** The live trainer of a run (its model, for exporting weights mid-run), or null. */
  trainerOf(runId: RunId): RunTrainer | null {
    return this.runs.get(runId)?.trainer ?? null;
  }

  pause(runId: RunId): void {
    this.findRun(runId).pauseRequested = true;
  }

  /**
   * Un-pauses a run. After a device loss the runs are rebuilt on a new device first, by the loop, between
   * steps: never under a step that is still running.
   */
  resume(runId: RunId): void {
    const run = this.findRun(runId);
    if (this.options.device?.lost()) this.recoverPending = true;
    run.pauseRequested = false;
    run.message = null;
    this.wake?.();
  }

  stop(runId: RunId): void {
    const run = this.findRun(runId);
    run.stopRequested = true;
    run.pauseRequested = false;
    this.wake?.();
  }

  /** The device went away: every running run pauses with the reason until Resume. */
  deviceLost(message: string): void {
    for (const run of this.runs.values()) {
      if (run.status === 'running' || run.status === 'queued') {
        run.pauseRequested = true;
        this.setStatus(run, 'paused', message);
      }
    }
  }

  private findRun(runId: RunId): ActiveRun {
    const run = this.runs.get(runId);
    if (!run) throw new UnknownRunError(`Run ${runId} is not training`);
    return run;
  }

  private stateOf(run: ActiveRun): RunState {
    const t = run.trainer;
    const last = t?.steps[t.steps.length - 1];
    return {
      runId: run.id,
      status: run.status,
      step: t?.step ?? 0,
      totalSteps: t?.plan.totalSteps ?? 0,
      epoch: last?.epoch ?? 0,
      elapsedMs: t?.elapsedMs ?? 0,
      clipsPerSecond: last?.clipsPerSecond ?? 0,
      message: run.message,
      lastCheckpoint: run.lastCheckpoint,
      problems: t ? runProblems({ evals: t.evals, lostClips: t.lostClips, emptySteps: t.emptySteps }) : [],
    };
  }

  private setStatus(run: ActiveRun, status: RunStatus, message: string | null = run.message): void {
    run.status = status;
    run.message = message;
    this.options.emit({ type: 'state', state: this.stateOf(run) }, 'now');
  }

  private log(level: 'info' | 'warning' | 'error', message: string): void {
    this.options.emit({ type: 'log', level, message }, 'now');
  }

  private async createTrainer(run: ActiveRun, resume: boolean): Promise<RunTrainer> {
    const { checkpoints, datasetKey } = this.options;
    const checkpoint = resume ? await checkpoints.load(run.id) : null;
    if (resume && !checkpoint)
      throw new RunSchedulerError(`Run ${run.id} has no saved checkpoint to resume from`);
    if (checkpoint && checkpoint.datasetKey !== datasetKey) {
      throw new RunSchedulerError(
        `Run ${run.id}'s checkpoint was made on another dataset; load that dataset to resume it`,
      );
    }
    // A fresh run takes over its slot: an older checkpoint of the same id must never be mistaken for its.
    if (!resume) await checkpoints.remove(run.id);
    const config = checkpoint ? checkpoint.config : run.config;
    run.config = config;
    const model = checkpoint
      ? VideoMAEForVideoClassification.fromWeights(
          parseConfig(checkpoint.modelConfig),
          new Map([...checkpoint.weights].map(([name, value]) => [name, value.data])),
        )
      : await this.options.startingModel({ id: run.id, config });
    const trainer = new RunTrainer({
      runId: run.id,
      config,
      model,
      data: this.options.batchesFor(run.id),
      dataset: this.options.dataset,
      preprocess: this.options.preprocess,
      ...(this.options.fusedAttention === undefined ? {} : { fusedAttention: this.options.fusedAttention }),
    });
    if (checkpoint) {
      trainer.restore(checkpoint.optimizer, checkpoint.progress);
      this.log(
        'info',
        `Run ${run.id} resumes from step ${checkpoint.progress.step} (checkpoint of ${new Date(checkpoint.savedAt).toLocaleTimeString()})`,
      );
      run.lastCheckpoint = {
        step: checkpoint.progress.step,
        epoch: trainer.steps.at(-1)?.epoch ?? 0,
        savedAt: checkpoint.savedAt,
      };
    }
    return trainer;
  }

  private async loop(schedule: 'interleaved' | 'sequential'): Promise<void> {
    for (;;) {
      if (this.recoverPending) {
        this.recoverPending = false;
        try {
          await this.recoverFromDeviceLoss();
        } catch (error) {
          for (const run of this.runs.values())
            if (!run.trainer && run.status === 'paused') this.fail(run, error);
        }
      }
      const live = [...this.runs.values()].filter((r) => ['queued', 'running', 'paused'].includes(r.status));
      if (live.length === 0) return;
      const turn = schedule === 'interleaved' ? live : [live[0]!];
      let progressed = false;
      for (const run of turn) {
        // A rebuild after a device loss goes before any further step (the top of the loop does it).
        if (this.recoverPending) break;
        if (run.stopRequested) {
          await this.checkpoint(run, 'stopped');
          this.setStatus(run, 'stopped', 'Stopped by you; its metrics and last checkpoint are kept');
          continue;
        }
        if (run.pauseRequested) {
          if (run.status !== 'paused') {
            await this.checkpoint(run, 'paused');
            this.setStatus(run, 'paused', run.message ?? 'Paused');
          }
          continue;
        }
        if (run.status === 'queued' || run.status === 'paused') this.setStatus(run, 'running', null);
        await this.advance(run);
        progressed = true;
      }
      if (!progressed && !this.recoverPending && live.every((r) => r.pauseRequested && !r.stopRequested)) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = null;
      }
    }
  }

  /** One step of a run, with the evaluation, checkpoint and end of run it may trigger. */
  private async advance(run: ActiveRun): Promise<void> {
    const trainer = run.trainer!;
    const { dataset } = this.options;
    try {
      const outcome = await this.watched(run.id, `training step ${trainer.step + 1}`, trainer.trainStep());
      if (outcome.point) this.options.emit({ type: 'step', point: outcome.point });
      else
        this.log(
          'warning',
          `Run ${run.id}: no clip of step ${trainer.step} could be read; the step passed without an update`,
        );
      this.options.emit({ type: 'state', state: this.stateOf(run) }, 'latest', `state-${run.id}`);
      if (outcome.evaluateNow && dataset.clipIds.val.length > 0) {
        const val = await this.watched(run.id, 'evaluating on val', trainer.evaluate('val'));
        this.options.emit({ type: 'eval', point: val.point }, 'now');
      }
      if (trainer.done) {
        if (dataset.clipIds.test.length > 0) {
          const test = await this.watched(run.id, 'evaluating on test', trainer.evaluate('test'));
          this.options.emit({ type: 'eval', point: test.point }, 'now');
          this.options.emit({ type: 'predictions', runId: run.id, items: test.predictions }, 'now');
        }
        await this.watched(run.id, 'saving the last checkpoint', this.checkpoint(run, 'finished'));
        const problems = this.stateOf(run).problems;
        if (problems.length > 0)
          this.log('warning', `Run ${run.id} finished with problems: ${problems.join('; ')}`);
        this.setStatus(run, 'finished', null);
      } else if (outcome.epochEnded) {
        await this.checkpoint(run, 'running');
      }
    } catch (error) {
      const device = this.options.device;
      if (device && !device.lost()) await device.settle();
      const lost = device?.lost();
      if (lost) {
        run.pauseRequested = true;
        this.setStatus(run, 'paused', lost);
        return;
      }
      this.fail(run, error);
    }
  }

  /** Awaits `work`, noting in the log every so often that it still runs: a stuck stage names itself. */
  private async watched<T>(runId: RunId, what: string, work: Promise<T>): Promise<T> {
    const started = Date.now();
    const note = setInterval(
      () =>
        this.log('info', `Run ${runId}: still ${what} after ${Math.round((Date.now() - started) / 1000)} s`),
      SLOW_NOTE_MS,
    );
    try {
      return await work;
    } finally {
      clearInterval(note);
    }
  }

  private fail(run: ActiveRun, error: unknown): void {
    let message = messageOf(error);
    if (error instanceof NonFiniteLossError) message = error.message;
    else if (OOM.test(message)) {
      message = `Out of memory (${message}). Try a smaller batch size, fewer frames or a lower resolution.`;
    }
    this.log('error', `Run ${run.id}: ${message}`);
    this.setStatus(run, 'failed', message);
  }

  private async checkpoint(run: ActiveRun, status: RunStatus): Promise<void> {
    const trainer = run.trainer;
    if (!trainer || trainer.step === 0 || this.options.device?.lost()) return;
    const weights = await trainer.model.getWeights();
    const checkpoint: RunCheckpoint = {
      runId: run.id,
      config: run.config,
      modelConfig: JSON.parse(configToJson(trainer.model.config)) as Record<string, unknown>,
      preprocess: this.options.preprocess,
      datasetKey: this.options.datasetKey,
      status,
      savedAt: Date.now(),
      progress: trainer.progress(),
      weights: new Map([...weights].map(([name, v]) => [name, { shape: v.shape, data: v.data }])),
      optimizer: await trainer.optimizerState(),
    };
    try {
      await this.options.checkpoints.save(checkpoint);
      const last = trainer.steps[trainer.steps.length - 1];
      run.lastCheckpoint = { step: trainer.step, epoch: last?.epoch ?? 0, savedAt: checkpoint.savedAt };
    } catch (error) {
      this.options.emit({
        type: 'log',
        level: 'warning',
        message: `Run ${run.id}: could not save a checkpoint (${messageOf(error)})`,
      });
    }
  }

  /** A new GPU device, and every run rebuilt from its last checkpoint (or its start). */
  private async recoverFromDeviceLoss(): Promise<void> {
    // Free the dead tensors while their backend still exists; then swap in a new device.
    for (const run of this.runs.values()) {
      try {
        run.trainer?.dispose();
      } catch {
        // A lost device can refuse to release buffers; they are gone with it anyway.
      }
      run.trainer = null;
    }
    await this.options.device!.revive();
    for (const run of this.runs.values()) {
      if (!['paused', 'running', 'queued'].includes(run.status)) continue;
      const saved = await this.options.checkpoints.load(run.id);
      const resume =
        saved !== null && saved.datasetKey === this.options.datasetKey && saved.status !== 'finished';
      run.trainer = await this.createTrainer(run, resume);
      if (!resume) this.log('info', `Run ${run.id} starts again from step 0 (no checkpoint yet)`);
    }
  }
}
