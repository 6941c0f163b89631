/**
 * The training engine in the compute worker: prepares the weights both runs start from, trains runs A and
 * B (interleaved step by step, or one after the other), evaluates, checkpoints to OPFS, and turns faults
 * into run states the page can show: a NaN loss stops the run naming the step, a lost GPU pauses every
 * run until the user resumes from the last checkpoint, out-of-memory fails with advice. A failed run keeps
 * its metrics and its last checkpoint.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../util/rng.ts';
import { settleWithin } from '../util/settle-within.ts';
import { connectDataApi, type DataApiRemote } from '../data/worker/connect.ts';
import type { DatasetIndex } from '../data/dataset-index.ts';
import type { PreprocessSettings } from '../data/clip-spec.ts';
import { trainClipSpec } from '../data/clip-spec.ts';
import {
  countParameters,
  forwardFlopsPerClip,
  parseConfig,
  presetConfig,
  sequenceLength,
  trainingActivationBytes,
  type VideoMAEConfig,
} from '../model/videomae/config.ts';
import { VideoMAEForVideoClassification } from '../model/videomae/model.ts';
import { initParameter, parameterSpecs } from '../model/videomae/params.ts';
import { configToJson, exportCheckpoint } from '../model/checkpoint/export.ts';
import {
  loadPretrainedFromFiles,
  loadPretrainedFromHub,
  type PretrainedOptions,
} from '../model/checkpoint/pretrained.ts';
import { cacheStorageHubCache } from '../model/checkpoint/hub.ts';
import type { LoadReport } from '../model/checkpoint/apply.ts';
import {
  CheckpointStore,
  MemoryCheckpointStorage,
  OpfsCheckpointStorage,
  type RunCheckpoint,
} from '../train/checkpoint-store.ts';
import { MetricThrottle } from '../train/metric-throttle.ts';
import { runProblems } from '../train/run-problems.ts';
import { mixConfigOf, validateRunConfig, type RunConfig } from '../train/run-config.ts';
import { planMix } from '../train/mix-plan.ts';
import { applyMix } from '../train/cutmix.ts';
import { NonFiniteLossError, RunTrainer, type BatchSource, type RunData } from '../train/trainer.ts';
import {
  DataNotConnectedError,
  EngineBusyError,
  EngineError,
  InvalidRunConfigError,
  NoDatasetError,
  NoModelError,
  UnknownRunError,
} from './errors.ts';
import { deviceLostWithin, onDeviceLost, reviveWebGPU, simulateDeviceLoss } from './webgpu-device.ts';
import type {
  EngineEvent,
  ExportedModelFiles,
  MixPreviewItem,
  ModelChoice,
  ModelLoadProgress,
  ModelSummary,
  RunId,
  RunState,
  RunStatus,
  SavedRunInfo,
  StartRunsRequest,
  TrainingEngineApi,
} from './training-protocol.ts';

/** The weights every run starts from, kept as plain arrays so each run builds its own variables. */
interface BaseModel {
  config: VideoMAEConfig;
  weights: Map<string, Float32Array>;
  report: LoadReport | null;
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

const OOM =
  /out of memory|OOM|Failed to allocate|allocation failed|Array buffer allocation|GPUOutOfMemoryError|exceeds the max/i;

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function datasetKeyOf(index: DatasetIndex): string {
  const parts = [index.classes.join('|')];
  for (const split of ['train', 'val', 'test'] as const) {
    parts.push(
      index.clips
        .filter((c) => c.split === split)
        .map((c) => c.id)
        .sort()
        .join(','),
    );
  }
  let hash = 0;
  for (const ch of parts.join('#')) hash = (Math.imul(hash, 31) + ch.charCodeAt(0)) | 0;
  return `${index.classes.length}c-${index.clips.length}v-${(hash >>> 0).toString(16)}`;
}

function runDataOf(index: DatasetIndex): RunData {
  const clipIds = { train: [] as string[], val: [] as string[], test: [] as string[] };
  const paths = new Map<string, string>();
  for (const clip of index.clips) {
    clipIds[clip.split].push(clip.id);
    paths.set(clip.id, clip.path);
  }
  for (const ids of Object.values(clipIds)) ids.sort();
  return { classes: index.classes, clipIds, paths };
}

/** How long a batch may take before the engine log says the run is waiting for it (and again after as long). */
const SLOW_BATCH_NOTE_MS = 30_000;
/** How long a failed step on webgpu waits to learn whether the device was lost (then it pauses, not fails). */
const DEVICE_LOSS_SETTLE_MS = 1000;
const ACTIVITY_ANSWER_MS = 5_000;

/** What the data worker is busy with, in words (or that it does not answer at all). */
async function describeDataActivity(data: DataApiRemote): Promise<string> {
  try {
    const activity = await settleWithin(data.activity(), ACTIVITY_ANSWER_MS, () => null);
    if (activity === null) return `the data worker has not answered for ${ACTIVITY_ANSWER_MS / 1000} s`;
    if (activity.length === 0) return 'the data worker reads no frames';
    return (
      'the data worker is at ' +
      activity
        .slice(0, 6)
        .map((a) => `${a.clipId}: ${a.stage} for ${Math.round(a.seconds)} s`)
        .join('; ')
    );
  } catch (error) {
    return `the data worker could not say what it does (${messageOf(error)})`;
  }
}
export class TrainingEngine implements TrainingEngineApi {
  private data: (DataApiRemote & { release(): void }) | null = null;
  private base: BaseModel | null = null;
  private runs = new Map<RunId, ActiveRun>();
  private training = false;
  private wake: (() => void) | null = null;
  private deviceLost: string | null = null;
  /** What the current training trains on, for rebuilding runs after a device loss. */
  private session: { dataset: RunData; preprocess: PreprocessSettings; datasetKey: string } | null = null;
  private readonly checkpoints: CheckpointStore;
  private emit: (event: EngineEvent, delivery?: 'keep' | 'latest' | 'now', key?: string) => void = () => {};

  constructor() {
    const opfs =
      typeof navigator !== 'undefined' && 'storage' in navigator && 'getDirectory' in navigator.storage;
    this.checkpoints = new CheckpointStore(
      opfs ? new OpfsCheckpointStorage() : new MemoryCheckpointStorage(),
    );
    onDeviceLost((reason) => this.handleDeviceLost(reason));
  }

  async connectData(port: MessagePort): Promise<void> {
    this.data?.release();
    this.data = connectDataApi(port);
  }

  private requireData(): DataApiRemote {
    if (!this.data) throw new DataNotConnectedError('The data worker is not connected');
    return this.data;
  }

  private async datasetIndex(): Promise<DatasetIndex> {
    const index = await this.requireData().getIndex();
    if (!index || index.clips.length === 0)
      throw new NoDatasetError('Load a dataset first: there are no clips to train on');
    return index;
  }

  async prepareModel(
    choice: ModelChoice,
    labels: string[],
    onProgress?: (progress: ModelLoadProgress) => void,
  ): Promise<ModelSummary> {
    if (this.training) throw new EngineBusyError('Stop the running training before changing the model');
    if (labels.length < 1 && choice.kind === 'preset') {
      throw new NoDatasetError('Load a dataset first: a model built from a preset needs its classes');
    }
    let base: BaseModel;
    let description: string;
    if (choice.kind === 'preset') {
      onProgress?.({ phase: 'init', loadedBytes: 0, totalBytes: null });
      const config = presetConfig(
        choice.preset,
        { num_frames: choice.numFrames, image_size: choice.imageSize },
        labels,
      );
      const weights = new Map<string, Float32Array>();
      for (const spec of parameterSpecs(config))
        weights.set(spec.name, initParameter(spec, config, choice.initSeed));
      base = { config, weights, report: null };
      description = `${choice.preset} preset, ${choice.numFrames} frames at ${choice.imageSize}x${choice.imageSize}, trained from scratch`;
    } else {
      const useMeanPooling =
        choice.useMeanPooling === 'checkpoint' ? undefined : choice.useMeanPooling === 'on';
      const options: PretrainedOptions = {
        overrides: {
          // No dataset yet: keep the checkpoint's own labels (training re-prepares with the dataset's).
          labels: labels.length > 0 ? labels : undefined,
          use_mean_pooling: useMeanPooling,
        },
        seed: choice.initSeed,
        onProgress: (p: {
          stage: 'read' | 'build';
          file: string | null;
          loadedBytes: number;
          totalBytes: number | null;
          fromCache: boolean;
        }) =>
          onProgress?.({
            phase: p.stage === 'read' ? (choice.kind === 'hub' ? 'download' : 'read') : 'init',
            file: p.file ?? undefined,
            loadedBytes: p.loadedBytes,
            totalBytes: p.totalBytes,
            fromCache: p.fromCache,
          }),
      };
      const loaded =
        choice.kind === 'hub'
          ? await loadPretrainedFromHub(
              {
                repo: choice.repo,
                revision: choice.revision,
                hubUrl: choice.hubUrl,
                cache: await cacheStorageHubCache(),
              },
              options,
            )
          : await loadPretrainedFromFiles(choice.files, options);
      try {
        const values = await loaded.model.getWeights();
        const weights = new Map<string, Float32Array>();
        for (const [name, value] of values) weights.set(name, value.data);
        base = {
          config: loaded.config,
          weights,
          report: loaded.report,
        };
      } finally {
        loaded.model.dispose();
      }
      description =
        choice.kind === 'hub'
          ? `${choice.repo}@${choice.revision} (${loaded.format}, ${loaded.weightFiles.join(', ')})`
          : `dropped files (${loaded.weightFiles.join(', ')})`;
    }
    this.base = base;
    return this.summary(base, description);
  }

  private summary(base: BaseModel, description: string): ModelSummary {
    const c = base.config;
    return {
      config: JSON.parse(configToJson(c)) as Record<string, unknown>,
      description,
      parameters: countParameters(c),
      forwardFlopsPerClip: forwardFlopsPerClip(c),
      activationBytesPerClip: {
        stock: trainingActivationBytes(c, 1, false),
        fused: trainingActivationBytes(c, 1, true),
      },
      tokens: sequenceLength(c),
      report: base.report
        ? {
            missingKeys: base.report.missingKeys,
            unexpectedKeys: base.report.unexpectedKeys,
            mismatchedKeys: base.report.mismatchedKeys.map((m) => ({
              key: m.key,
              checkpointShape: m.checkpointShape,
              modelShape: m.modelShape,
            })),
            notes: base.report.messages,
          }
        : null,
    };
  }

  /** The run's own variables, from the weights every run starts from. */
  private buildModel(base: BaseModel): VideoMAEForVideoClassification {
    return VideoMAEForVideoClassification.fromWeights(base.config, base.weights);
  }

  private preprocessOf(config: VideoMAEConfig, requested: PreprocessSettings): PreprocessSettings {
    return { ...requested, imageSize: config.image_size, numFrames: config.num_frames };
  }

  private state(run: ActiveRun): RunState {
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
    this.emit({ type: 'state', state: this.state(run) }, 'now');
  }

  async startRuns(request: StartRunsRequest, onEvents: (events: EngineEvent[]) => void): Promise<void> {
    if (this.training) throw new EngineBusyError('A training is already running');
    const base = this.base;
    if (!base) throw new NoModelError('Choose a model first');
    for (const { id, config } of request.runs) {
      const problems = validateRunConfig(config);
      if (problems.length > 0) throw new InvalidRunConfigError(`Run ${id}: ${problems.join('; ')}`);
    }
    const index = await this.datasetIndex();
    const dataset = runDataOf(index);
    if (dataset.clipIds.train.length === 0) throw new NoDatasetError('The training split is empty');
    const labelsMatch = index.classes.length === base.config.num_labels;
    if (!labelsMatch) {
      throw new NoModelError(
        `The model has ${base.config.num_labels} labels but the dataset has ${index.classes.length} classes: prepare the model again`,
      );
    }
    const throttle = new MetricThrottle<EngineEvent>(onEvents, 8);
    this.emit = (event, delivery = 'keep', key = '') => throttle.push(event, delivery, key);
    this.training = true;
    this.deviceLost = null;
    this.runs = new Map();
    try {
      const preprocess = this.preprocessOf(base.config, request.preprocess);
      const datasetKey = datasetKeyOf(index);
      this.session = { dataset, preprocess, datasetKey };
      for (const { id, config } of request.runs) {
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
          run.trainer = await this.createTrainer(
            run,
            base,
            dataset,
            preprocess,
            datasetKey,
            request.resume?.includes(id) ?? false,
          );
          this.setStatus(run, request.schedule === 'sequential' && this.runs.size > 1 ? 'queued' : 'running');
          for (const point of run.trainer.steps) this.emit({ type: 'step', point });
          for (const point of run.trainer.evals) this.emit({ type: 'eval', point });
        } catch (error) {
          this.fail(run, error);
        }
      }
      await this.loop(request.schedule, dataset, preprocess, datasetKey);
    } finally {
      throttle.flush();
      throttle.dispose();
      this.training = false;
      for (const run of this.runs.values()) {
        run.trainer?.dispose();
        run.trainer = null;
      }
    }
  }

  private async createTrainer(
    run: ActiveRun,
    base: BaseModel,
    dataset: RunData,
    preprocess: PreprocessSettings,
    datasetKey: string,
    resume: boolean,
  ): Promise<RunTrainer> {
    const data = this.watchedBatches(run.id, this.requireData());
    const checkpoint = resume ? await this.checkpoints.load(run.id) : null;
    if (resume && !checkpoint) throw new EngineError(`Run ${run.id} has no saved checkpoint to resume from`);
    if (checkpoint && checkpoint.datasetKey !== datasetKey) {
      throw new EngineError(
        `Run ${run.id}'s checkpoint was made on another dataset; load that dataset to resume it`,
      );
    }
    // A fresh run takes over its slot: an older checkpoint of the same id must never be mistaken for its.
    if (!resume) await this.checkpoints.remove(run.id);
    const config = checkpoint ? checkpoint.config : run.config;
    run.config = config;
    const model = checkpoint
      ? VideoMAEForVideoClassification.fromWeights(
          parseConfig(checkpoint.modelConfig),
          new Map([...checkpoint.weights].map(([name, value]) => [name, value.data])),
        )
      : this.buildModel(base);
    const trainer = new RunTrainer({ runId: run.id, config, model, data, dataset, preprocess });
    if (checkpoint) {
      trainer.restore(checkpoint.optimizer, checkpoint.progress);
      this.emit(
        {
          type: 'log',
          level: 'info',
          message: `Run ${run.id} resumes from step ${checkpoint.progress.step} (checkpoint of ${new Date(checkpoint.savedAt).toLocaleTimeString()})`,
        },
        'now',
      );
      run.lastCheckpoint = {
        step: checkpoint.progress.step,
        epoch: trainer.steps.at(-1)?.epoch ?? 0,
        savedAt: checkpoint.savedAt,
      };
    }
    return trainer;
  }

  /**
   * The data worker's batches, with a note in the engine log when one is slow to come: a run that waits
   * on decoding then says so (and on which clips) instead of looking frozen.
   */
  private watchedBatches(runId: RunId, data: DataApiRemote): BatchSource {
    // Each clip's loss is logged once per run and reason: a clip rejected for good is asked for every epoch.
    const logged = new Set<string>();
    return {
      getBatch: async (request) => {
        const clips = request.clipIds.slice(0, 4).join(', ') + (request.clipIds.length > 4 ? ', …' : '');
        const batch = await this.noteWhileWaiting(
          data.getBatch(request),
          'warning',
          async (seconds) =>
            `Run ${runId}: waiting ${seconds} s for a batch from the data worker (${clips}); ` +
            (await describeDataActivity(data)),
        );
        for (const { path, reason, transient } of batch.skipped) {
          if (logged.has(`${path}\n${reason}`)) continue;
          logged.add(`${path}\n${reason}`);
          const what = transient ? 'could not read' : 'skipped';
          const kept = transient ? '; it stays in the dataset and is read again when next needed' : '';
          this.emit(
            { type: 'log', level: 'warning', message: `Run ${runId}: ${what} ${path} (${reason})${kept}` },
            'now',
          );
        }
        return batch;
      },
      prefetch: (requests) => void data.prefetch(requests),
    };
  }

  private async loop(
    schedule: StartRunsRequest['schedule'],
    dataset: RunData,
    preprocess: PreprocessSettings,
    datasetKey: string,
  ): Promise<void> {
    for (;;) {
      const live = [...this.runs.values()].filter((r) => ['queued', 'running', 'paused'].includes(r.status));
      if (live.length === 0) return;
      const turn = schedule === 'interleaved' ? live : [live[0]!];
      let progressed = false;
      for (const run of turn) {
        if (run.stopRequested) {
          await this.checkpoint(run, preprocess, datasetKey, 'stopped');
          this.setStatus(run, 'stopped', 'Stopped by you; its metrics and last checkpoint are kept');
          continue;
        }
        if (run.pauseRequested) {
          if (run.status !== 'paused') {
            await this.checkpoint(run, preprocess, datasetKey, 'paused');
            this.setStatus(run, 'paused', run.message ?? 'Paused');
          }
          continue;
        }
        if (run.status === 'queued' || run.status === 'paused') this.setStatus(run, 'running', null);
        await this.advance(run, dataset, preprocess, datasetKey);
        progressed = true;
      }
      if (!progressed && live.every((r) => r.pauseRequested && !r.stopRequested)) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = null;
      }
    }
  }

  /** One step of a run, with the evaluation, checkpoint and end of run it may trigger. */
  private async advance(
    run: ActiveRun,
    dataset: RunData,
    preprocess: PreprocessSettings,
    datasetKey: string,
  ): Promise<void> {
    const trainer = run.trainer!;
    try {
      const outcome = await this.watched(run.id, `training step ${trainer.step + 1}`, trainer.trainStep());
      if (outcome.point) this.emit({ type: 'step', point: outcome.point });
      else
        this.emit({
          type: 'log',
          level: 'warning',
          message: `Run ${run.id}: no clip of step ${trainer.step} could be read; the step passed without an update`,
        });
      this.emit({ type: 'state', state: this.state(run) }, 'latest', `state-${run.id}`);
      if (outcome.evaluateNow && dataset.clipIds.val.length > 0) {
        const val = await this.watched(run.id, 'evaluating on val', trainer.evaluate('val'));
        this.emit({ type: 'eval', point: val.point }, 'now');
      }
      if (trainer.done) {
        if (dataset.clipIds.test.length > 0) {
          const test = await this.watched(run.id, 'evaluating on test', trainer.evaluate('test'));
          this.emit({ type: 'eval', point: test.point }, 'now');
          this.emit({ type: 'predictions', runId: run.id, items: test.predictions }, 'now');
        }
        await this.watched(
          run.id,
          'saving the last checkpoint',
          this.checkpoint(run, preprocess, datasetKey, 'finished'),
        );
        const problems = this.state(run).problems;
        if (problems.length > 0) {
          this.emit(
            {
              type: 'log',
              level: 'warning',
              message: `Run ${run.id} finished with problems: ${problems.join('; ')}`,
            },
            'now',
          );
        }
        this.setStatus(run, 'finished', null);
      } else if (outcome.epochEnded) {
        await this.checkpoint(run, preprocess, datasetKey, 'running');
      }
    } catch (error) {
      if (!this.deviceLost && tf.getBackend() === 'webgpu') await deviceLostWithin(DEVICE_LOSS_SETTLE_MS);
      if (this.deviceLost) {
        run.pauseRequested = true;
        this.setStatus(run, 'paused', this.deviceLost);
        return;
      }
      this.fail(run, error);
    }
  }

  /** Awaits `work`, noting in the log every so often that it still runs: a stuck stage names itself. */
  private watched<T>(runId: RunId, what: string, work: Promise<T>): Promise<T> {
    return this.noteWhileWaiting(work, 'info', (seconds) => `Run ${runId}: still ${what} after ${seconds} s`);
  }

  /** Awaits `work`; every SLOW_BATCH_NOTE_MS until it settles, logs what `describe` says at that time. */
  private async noteWhileWaiting<T>(
    work: Promise<T>,
    level: 'info' | 'warning',
    describe: (seconds: number) => string | Promise<string>,
  ): Promise<T> {
    const started = Date.now();
    const note = setInterval(() => {
      const seconds = Math.round((Date.now() - started) / 1000);
      void Promise.resolve(describe(seconds)).then((message) =>
        this.emit({ type: 'log', level, message }, 'now'),
      );
    }, SLOW_BATCH_NOTE_MS);
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
    this.emit({ type: 'log', level: 'error', message: `Run ${run.id}: ${message}` }, 'now');
    this.setStatus(run, 'failed', message);
  }

  private async checkpoint(
    run: ActiveRun,
    preprocess: PreprocessSettings,
    datasetKey: string,
    status: RunStatus,
  ): Promise<void> {
    const trainer = run.trainer;
    if (!trainer || trainer.step === 0 || this.deviceLost) return;
    const weights = await trainer.model.getWeights();
    const checkpoint: RunCheckpoint = {
      runId: run.id,
      config: run.config,
      modelConfig: JSON.parse(configToJson(trainer.model.config)) as Record<string, unknown>,
      preprocess,
      datasetKey,
      status,
      savedAt: Date.now(),
      progress: trainer.progress(),
      weights: new Map([...weights].map(([name, v]) => [name, { shape: v.shape, data: v.data }])),
      optimizer: await trainer.optimizerState(),
    };
    try {
      await this.checkpoints.save(checkpoint);
      const last = trainer.steps[trainer.steps.length - 1];
      run.lastCheckpoint = { step: trainer.step, epoch: last?.epoch ?? 0, savedAt: checkpoint.savedAt };
    } catch (error) {
      this.emit({
        type: 'log',
        level: 'warning',
        message: `Run ${run.id}: could not save a checkpoint (${messageOf(error)})`,
      });
    }
  }

  private handleDeviceLost(reason: string): void {
    this.deviceLost = `The GPU device was lost (${reason}). Training paused; press Resume to continue from the last checkpoint.`;
    for (const run of this.runs.values()) {
      if (run.status === 'running' || run.status === 'queued') {
        run.pauseRequested = true;
        this.setStatus(run, 'paused', this.deviceLost);
      }
    }
  }

  private findRun(runId: RunId): ActiveRun {
    const run = this.runs.get(runId);
    if (!run) throw new UnknownRunError(`Run ${runId} is not training`);
    return run;
  }

  async pauseRun(runId: RunId): Promise<void> {
    this.findRun(runId).pauseRequested = true;
  }

  async resumeRun(runId: RunId): Promise<void> {
    const run = this.findRun(runId);
    if (this.deviceLost) await this.recoverFromDeviceLoss();
    run.pauseRequested = false;
    run.message = null;
    this.wake?.();
  }

  async stopRun(runId: RunId): Promise<void> {
    const run = this.findRun(runId);
    run.stopRequested = true;
    run.pauseRequested = false;
    this.wake?.();
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
    await reviveWebGPU();
    const base = this.base!;
    const { dataset, preprocess, datasetKey } = this.session!;
    this.deviceLost = null;
    for (const run of this.runs.values()) {
      if (!['paused', 'running', 'queued'].includes(run.status)) continue;
      const saved = await this.checkpoints.load(run.id);
      const resume = saved !== null && saved.datasetKey === datasetKey && saved.status !== 'finished';
      run.trainer = await this.createTrainer(run, base, dataset, preprocess, datasetKey, resume);
      if (!resume) {
        this.emit(
          {
            type: 'log',
            level: 'info',
            message: `Run ${run.id} starts again from step 0 (no checkpoint yet)`,
          },
          'now',
        );
      }
    }
  }

  async savedRuns(): Promise<SavedRunInfo[]> {
    return this.checkpoints.list();
  }

  async deleteSavedRuns(): Promise<void> {
    if (this.training) throw new EngineBusyError('Stop the running training before deleting its checkpoints');
    await this.checkpoints.clear();
  }

  async exportRunWeights(runId: RunId): Promise<ExportedModelFiles> {
    const live = this.runs.get(runId)?.trainer;
    let model = live?.model ?? null;
    let owned = false;
    if (!model) {
      const checkpoint = await this.checkpoints.load(runId);
      if (!checkpoint) throw new UnknownRunError(`Run ${runId} has no weights to export yet`);
      model = VideoMAEForVideoClassification.fromWeights(
        parseConfig(checkpoint.modelConfig),
        new Map([...checkpoint.weights].map(([name, value]) => [name, value.data])),
      );
      owned = true;
    }
    try {
      const files = await exportCheckpoint(model);
      return { files: files.map((f) => ({ name: f.name, bytes: f.bytes })) };
    } finally {
      if (owned) model.dispose();
    }
  }

  async previewMix(
    config: RunConfig,
    requested: PreprocessSettings,
    count: number,
  ): Promise<MixPreviewItem[]> {
    const base = this.base;
    if (!base) throw new NoModelError('Choose a model first');
    const index = await this.datasetIndex();
    const dataset = runDataOf(index);
    const preprocess = this.preprocessOf(base.config, requested);
    const ids = new Rng(`${config.seed}/order/0`).shuffle(dataset.clipIds.train).slice(0, Math.max(2, count));
    const batch = await this.requireData().getBatch({
      clipIds: ids,
      spec: trainClipSpec(preprocess),
      seed: config.seed,
      epoch: 0,
    });
    const [b, t, , h, w] = batch.shape;
    const mixConfig = mixConfigOf(
      { ...config, mixProb: 1 },
      { patchSize: base.config.patch_size, tubeletSize: base.config.tubelet_size },
    );
    const plan = planMix(new Rng(`${config.seed}/mix/preview`), mixConfig, b, {
      frames: t,
      height: h,
      width: w,
    });
    const clips = tf.tensor5d(batch.data, batch.shape);
    const mix = applyMix(clips, batch.labels, plan, index.classes.length);
    try {
      const pixels = await mix.inputs.data();
      const mean = preprocess.mean ?? [0.485, 0.456, 0.406];
      const std = preprocess.std ?? [0.229, 0.224, 0.225];
      return mix.samples.slice(0, count).map((sample, i) => ({
        kind: sample.kind,
        lam: sample.lam,
        label: index.classes[sample.label]!,
        pairedLabel: index.classes[sample.pairedLabel]!,
        box: sample.box,
        frames: Array.from({ length: t }, (_, f) => {
          const rgba = new Uint8ClampedArray(h * w * 4);
          const offset = (i * t + f) * 3 * h * w;
          for (let p = 0; p < h * w; p++) {
            for (let c = 0; c < 3; c++) {
              rgba[p * 4 + c] = (pixels[offset + c * h * w + p]! * std[c]! + mean[c]!) * 255;
            }
            rgba[p * 4 + 3] = 255;
          }
          return { width: w, height: h, rgba };
        }),
      }));
    } finally {
      clips.dispose();
      mix.inputs.dispose();
      mix.targets.dispose();
    }
  }

  async simulateDeviceLoss(): Promise<boolean> {
    return simulateDeviceLoss();
  }
}
