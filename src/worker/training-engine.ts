/**
 * The training engine in the compute worker, a facade over the parts that do the work: the starting weights
 * (model/starting-weights.ts), the run scheduler (train/run-scheduler.ts), the mix preview
 * (train/mix-preview.ts) and the checkpoints. What is the worker's own: the data worker's connection (with a
 * note in the log when a batch is slow to come, naming what the data worker is busy with), the WebGPU
 * device and its loss, and the event stream to the page.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../util/rng.ts';
import { settleWithin } from '../util/settle-within.ts';
import { release } from '../util/worker-boundary.ts';
import { connectDataApi, type DataApiRemote } from '../data/worker/connect.ts';
import type { DatasetIndex } from '../data/dataset-index.ts';
import { trainClipSpec, type PreprocessSettings } from '../data/clip-spec.ts';
import { exportCheckpoint } from '../model/checkpoint/export.ts';
import { parseConfig } from '../model/videomae/config.ts';
import { VideoMAEForVideoClassification } from '../model/videomae/model.ts';
import {
  buildRandomModel,
  buildStartingModel,
  loadStartingWeights,
  StartingWeightsError,
  summarizeStartingWeights,
  type StartingWeights,
} from '../model/starting-weights.ts';
import {
  CheckpointStore,
  MemoryCheckpointStorage,
  OpfsCheckpointStorage,
} from '../train/checkpoint-store.ts';
import { MetricThrottle } from '../train/metric-throttle.ts';
import { mixPreview } from '../train/mix-preview.ts';
import { validateRunConfig, type RunConfig } from '../train/run-config.ts';
import { datasetKeyOf, runDataOf } from '../train/run-data.ts';
import { RunScheduler, UnknownRunError as NotTrainingError } from '../train/run-scheduler.ts';
import type { BatchSource } from '../train/trainer.ts';
import {
  DataNotConnectedError,
  EngineBusyError,
  InvalidRunConfigError,
  NoDatasetError,
  NoModelError,
  UnknownRunError,
} from './errors.ts';
import { bindingRefusal } from './binding-check.ts';
import { PretrainingEngine } from './pretraining-engine.ts';
import { deviceLostWithin, onDeviceLost, reviveWebGPU, simulateDeviceLoss } from './webgpu-device.ts';
import type {
  EngineEvent,
  ExportedModelFiles,
  MixPreviewItem,
  ModelChoice,
  ModelLoadProgress,
  ModelSummary,
  RunId,
  SavedRunInfo,
  StartRunsRequest,
  TrainingEngineApi,
} from './training-protocol.ts';
import type { StepTensors } from './protocol.ts';

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
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
  private data: DataApiRemote | null = null;
  private start: StartingWeights | null = null;
  private scheduler: RunScheduler | null = null;
  private deviceLost: string | null = null;
  private readonly checkpoints: CheckpointStore;
  /** The pretraining half of the engine; one thing trains at a time, runs or a pretraining. */
  readonly pretraining = new PretrainingEngine({
    startingWeights: () => this.start,
    data: () => this.requireData(),
    datasetIndex: () => this.datasetIndex(),
    busyWith: () => (this.scheduler ? 'Runs are training; stop them before pretraining' : null),
  });
  private emit: (event: EngineEvent, delivery?: 'keep' | 'latest' | 'now', key?: string) => void = () => {};
  private afterStep: StepTensors | null = null;

  constructor() {
    const opfs =
      typeof navigator !== 'undefined' && 'storage' in navigator && 'getDirectory' in navigator.storage;
    this.checkpoints = new CheckpointStore(
      opfs ? new OpfsCheckpointStorage() : new MemoryCheckpointStorage(),
    );
    onDeviceLost((reason) => {
      this.deviceLost = `The GPU device was lost (${reason}). Training paused; press Resume to continue from the last checkpoint.`;
      this.scheduler?.deviceLost(this.deviceLost);
    });
  }

  async connectData(port: MessagePort): Promise<void> {
    if (this.data) release(this.data);
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

  /** The tensor count when the latest training step had ended (see MemoryReport.afterStep). */
  tensorsAfterStep(): StepTensors | null {
    return this.afterStep;
  }

  async prepareModel(
    choice: ModelChoice,
    labels: string[],
    onProgress?: (progress: ModelLoadProgress) => void,
  ): Promise<ModelSummary> {
    if (this.scheduler) throw new EngineBusyError('Stop the running training before changing the model');
    const pretraining = this.pretraining.busyWith();
    if (pretraining) throw new EngineBusyError(`Cannot change the model: ${pretraining}`);
    try {
      this.start = await loadStartingWeights(choice, labels, onProgress);
    } catch (error) {
      if (error instanceof StartingWeightsError) throw new NoDatasetError(error.message);
      throw error;
    }
    return summarizeStartingWeights(this.start);
  }

  private preprocessOf(requested: PreprocessSettings): PreprocessSettings {
    const config = this.start!.config;
    return { ...requested, imageSize: config.image_size, numFrames: config.num_frames };
  }

  async startRuns(request: StartRunsRequest, onEvents: (events: EngineEvent[]) => void): Promise<void> {
    if (this.scheduler) throw new EngineBusyError('A training is already running');
    const pretraining = this.pretraining.busyWith();
    if (pretraining) throw new EngineBusyError(pretraining);
    const start = this.start;
    if (!start) throw new NoModelError('Choose a model first');
    for (const { id, config } of request.runs) {
      const problems = validateRunConfig(config);
      if (problems.length > 0) throw new InvalidRunConfigError(`Run ${id}: ${problems.join('; ')}`);
      if (config.startFrom === 'pretraining-1' || config.startFrom === 'pretraining-2')
        await this.pretraining.requireWeights(config.startFrom);
    }
    const index = await this.datasetIndex();
    const dataset = runDataOf(index);
    if (dataset.clipIds.train.length === 0) throw new NoDatasetError('The training split is empty');
    if (index.classes.length !== start.config.num_labels) {
      throw new NoModelError(
        `The model has ${start.config.num_labels} labels but the dataset has ${index.classes.length} classes: prepare the model again`,
      );
    }
    const refusal = bindingRefusal(start.config, request.runs);
    if (refusal) throw new InvalidRunConfigError(refusal);
    const throttle = new MetricThrottle<EngineEvent>(onEvents, 8);
    this.emit = (event, delivery = 'keep', key = '') => throttle.push(event, delivery, key);
    this.deviceLost = null;
    const scheduler = new RunScheduler({
      dataset,
      preprocess: this.preprocessOf(request.preprocess),
      datasetKey: datasetKeyOf(index),
      checkpoints: this.checkpoints,
      batchesFor: (runId) => this.watchedBatches(runId, this.requireData()),
      startingModel: ({ id, config }) => {
        if (config.startFrom === 'model') return buildStartingModel(start);
        const what =
          config.startFrom === 'random'
            ? `a fresh random init (seed ${start.initSeed})`
            : `pretraining ${config.startFrom.slice(-1)}'s encoder with a new head`;
        this.emit({ type: 'log', level: 'info', message: `Run ${id} starts from ${what}` }, 'now');
        return config.startFrom === 'random'
          ? buildRandomModel(start)
          : this.pretraining.classifierFrom(config.startFrom, start);
      },
      emit: (event, delivery, key) => {
        // A step's event goes out once its intermediates are disposed: what is left is what the runs keep.
        if (event.type === 'step') {
          const { runId, step } = event.point;
          this.afterStep = { runId, step, numTensors: tf.memory().numTensors };
        }
        this.emit(event, delivery, key);
      },
      device: {
        lost: () => this.deviceLost,
        settle: async () => {
          if (tf.getBackend() === 'webgpu') await deviceLostWithin(DEVICE_LOSS_SETTLE_MS);
        },
        revive: async () => {
          await reviveWebGPU();
          this.deviceLost = null;
        },
      },
    });
    this.scheduler = scheduler;
    try {
      await scheduler.run(request.runs, request.schedule, request.resume ?? []);
    } finally {
      throttle.flush();
      throttle.dispose();
      this.scheduler = null;
    }
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
        const started = Date.now();
        const note = setInterval(() => {
          const seconds = Math.round((Date.now() - started) / 1000);
          void describeDataActivity(data).then((activity) =>
            this.emit(
              {
                type: 'log',
                level: 'warning',
                message: `Run ${runId}: waiting ${seconds} s for a batch from the data worker (${clips}); ${activity}`,
              },
              'now',
            ),
          );
        }, SLOW_BATCH_NOTE_MS);
        let batch;
        try {
          batch = await data.getBatch(request);
        } finally {
          clearInterval(note);
        }
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

  private controlled<T>(control: (scheduler: RunScheduler) => T): T {
    if (!this.scheduler) throw new UnknownRunError('No run is training');
    try {
      return control(this.scheduler);
    } catch (error) {
      if (error instanceof NotTrainingError) throw new UnknownRunError(error.message);
      throw error;
    }
  }

  async pauseRun(runId: RunId): Promise<void> {
    this.controlled((s) => s.pause(runId));
  }

  async resumeRun(runId: RunId): Promise<void> {
    this.controlled((s) => s.resume(runId));
  }

  async stopRun(runId: RunId): Promise<void> {
    this.controlled((s) => s.stop(runId));
  }

  async savedRuns(): Promise<SavedRunInfo[]> {
    return this.checkpoints.list();
  }

  async deleteSavedRuns(): Promise<void> {
    if (this.scheduler)
      throw new EngineBusyError('Stop the running training before deleting its checkpoints');
    await this.checkpoints.clear();
  }

  async exportRunWeights(runId: RunId): Promise<ExportedModelFiles> {
    let model = this.scheduler?.trainerOf(runId)?.model ?? null;
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
    const start = this.start;
    if (!start) throw new NoModelError('Choose a model first');
    const index = await this.datasetIndex();
    const dataset = runDataOf(index);
    const spec = trainClipSpec(this.preprocessOf(requested));
    const ids = new Rng(`${config.seed}/order/0`).shuffle(dataset.clipIds.train).slice(0, Math.max(2, count));
    const batch = await this.requireData().getBatch({ clipIds: ids, spec, seed: config.seed, epoch: 0 });
    return mixPreview({
      batch,
      config,
      classes: index.classes,
      normalize: spec.normalize,
      patchSize: start.config.patch_size,
      tubeletSize: start.config.tubelet_size,
      count,
    });
  }

  async simulateDeviceLoss(): Promise<boolean> {
    return simulateDeviceLoss();
  }
}
