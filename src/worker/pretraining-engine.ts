/**
 * The pretraining half of the compute engine (VideoMAE's masked-cube reconstruction), a facade like
 * training-engine.ts: the model it pretrains comes from the prepared starting weights (train/pretrain-model),
 * the loop from train/pretrain-run, the checkpoints from their own OPFS folder. What is its own: the one
 * pretraining that may run at a time, the data worker's batches, the event stream, and handing a slot's
 * encoder to a run that starts from it.
 */
import type { DataApiRemote } from '../data/worker/connect.ts';
import type { DatasetIndex } from '../data/dataset-index.ts';
import type { PreprocessSettings } from '../data/clip-spec.ts';
import { exportEncoderCheckpoint, exportPretrainingCheckpoint } from '../model/checkpoint/pretraining.ts';
import { parseConfig } from '../model/videomae/config.ts';
import type { VideoMAEForVideoClassification } from '../model/videomae/model.ts';
import { VideoMAEForPreTraining } from '../model/videomae/pretraining.ts';
import type { StartingWeights } from '../model/starting-weights.ts';
import { MemoryCheckpointStorage, OpfsCheckpointStorage } from '../train/checkpoint-store.ts';
import { MetricThrottle } from '../train/metric-throttle.ts';
import { PretrainCheckpointStore, type PretrainCheckpoint } from '../train/pretrain-checkpoint.ts';
import { PRETRAIN_CONFIG_SCHEMA, type PretrainConfig, type PretrainSlot } from '../train/pretrain-config.ts';
import { classifierFromPretrainingWeights, pretrainingModelFor } from '../train/pretrain-model.ts';
import { PretrainRun } from '../train/pretrain-run.ts';
import { PretrainTrainer } from '../train/pretrain-trainer.ts';
import { datasetKeyOf, runDataOf } from '../train/run-data.ts';
import type { BatchSource } from '../train/trainer.ts';
import {
  EngineBusyError,
  InvalidRunConfigError,
  NoDatasetError,
  NoModelError,
  UnknownRunError,
} from './errors.ts';
import type {
  ExportedModelFiles,
  PretrainEvent,
  PretrainingEngineApi,
  PretrainingInfo,
  ReconstructionView,
  StartPretrainingRequest,
} from './training-protocol.ts';

/** What the pretraining needs from the training engine it lives beside. */
export interface PretrainingHost {
  startingWeights(): StartingWeights | null;
  data(): DataApiRemote;
  datasetIndex(): Promise<DatasetIndex>;
  /** Why nothing else may train now (runs are training), or null. */
  busyWith(): string | null;
}

function nameOf(slot: PretrainSlot): string {
  return `Pretraining ${slot.slice(-1)}`;
}

/** Out-of-range or wrong-typed settings (from a link or the CLI's JSON), named. */
function configProblems(config: PretrainConfig): string[] {
  const problems: string[] = [];
  for (const [key, field] of Object.entries(PRETRAIN_CONFIG_SCHEMA)) {
    const value = (config as Record<string, unknown>)[key];
    if (value === undefined) problems.push(`${key} is missing`);
    else if ((field as { parse(text: string): unknown }).parse(String(value)) === undefined)
      problems.push(`${key} = ${String(value)} is not allowed`);
  }
  return problems;
}

export class PretrainingEngine implements PretrainingEngineApi {
  private active: PretrainRun | null = null;
  private readonly checkpoints: PretrainCheckpointStore;

  constructor(private readonly host: PretrainingHost) {
    const opfs =
      typeof navigator !== 'undefined' && 'storage' in navigator && 'getDirectory' in navigator.storage;
    this.checkpoints = new PretrainCheckpointStore(
      opfs ? new OpfsCheckpointStorage('pretrain-checkpoints') : new MemoryCheckpointStorage(),
    );
  }

  /** Why runs may not start now (a pretraining is training), or null. */
  busyWith(): string | null {
    return this.active ? `${nameOf(this.active.slot)} is training; stop it first` : null;
  }

  private preprocessOf(requested: PreprocessSettings, start: StartingWeights): PreprocessSettings {
    return { ...requested, imageSize: start.config.image_size, numFrames: start.config.num_frames };
  }

  async startPretraining(
    request: StartPretrainingRequest,
    onEvents: (events: PretrainEvent[]) => void,
  ): Promise<void> {
    const busy = this.busyWith() ?? this.host.busyWith();
    if (busy) throw new EngineBusyError(busy);
    const start = this.host.startingWeights();
    if (!start) throw new NoModelError('Choose a model first: the pretraining trains its encoder');
    const problems = configProblems(request.config);
    if (problems.length > 0)
      throw new InvalidRunConfigError(`${nameOf(request.slot)}: ${problems.join('; ')}`);
    const index = await this.host.datasetIndex();
    const dataset = runDataOf(index);
    const clipIds = request.config.includeEvalSplits
      ? [...dataset.clipIds.train, ...dataset.clipIds.val, ...dataset.clipIds.test]
      : dataset.clipIds.train;
    if (clipIds.length === 0) throw new NoDatasetError('The training split is empty: nothing to pretrain on');
    if (request.viewClipId !== undefined && !dataset.paths.has(request.viewClipId))
      throw new NoDatasetError(`There is no clip ${request.viewClipId} in this dataset`);
    const throttle = new MetricThrottle<PretrainEvent>(onEvents, 8);
    // A fresh pretraining takes over its slot: the old checkpoint must never pass for its.
    if (!request.resume) await this.checkpoints.remove(request.slot);
    const run = new PretrainRun({
      slot: request.slot,
      config: request.config,
      clipIds,
      paths: dataset.paths,
      preprocess: this.preprocessOf(request.preprocess, start),
      datasetKey: datasetKeyOf(index),
      checkpoints: this.checkpoints,
      data: this.batches(request.slot, (event) => throttle.push(event, 'now')),
      startingModel: () =>
        pretrainingModelFor(start, { normPixLoss: request.config.normPixLoss, seed: start.initSeed }),
      emit: (event, delivery, key) => throttle.push(event, delivery, key),
      resume: request.resume ?? false,
      ...(request.viewClipId === undefined ? {} : { viewClipId: request.viewClipId }),
    });
    this.active = run;
    try {
      await run.run();
    } finally {
      throttle.flush();
      throttle.dispose();
      this.active = null;
    }
  }

  /** The data worker's batches, each unreadable clip noted once in the log. */
  private batches(slot: PretrainSlot, log: (event: PretrainEvent) => void): BatchSource {
    const data = this.host.data();
    const logged = new Set<string>();
    return {
      getBatch: async (request) => {
        const batch = await data.getBatch(request);
        for (const { path, reason, transient } of batch.skipped) {
          if (logged.has(`${path}\n${reason}`)) continue;
          logged.add(`${path}\n${reason}`);
          const what = transient ? 'could not read' : 'skipped';
          log({ type: 'log', level: 'warning', message: `${nameOf(slot)}: ${what} ${path} (${reason})` });
        }
        return batch;
      },
      prefetch: (requests) => void data.prefetch(requests),
    };
  }

  private controlled(slot: PretrainSlot): PretrainRun {
    if (!this.active || this.active.slot !== slot)
      throw new UnknownRunError(`${nameOf(slot)} is not training`);
    return this.active;
  }

  async pausePretraining(slot: PretrainSlot): Promise<void> {
    this.controlled(slot).pause();
  }

  async resumePretraining(slot: PretrainSlot): Promise<void> {
    this.controlled(slot).resume();
  }

  async stopPretraining(slot: PretrainSlot): Promise<void> {
    this.controlled(slot).stop();
  }

  private async requireCheckpoint(slot: PretrainSlot): Promise<PretrainCheckpoint> {
    const checkpoint = await this.checkpoints.load(slot);
    if (!checkpoint)
      throw new NoModelError(
        `${nameOf(slot)} has no weights yet: run it first (or start from something else)`,
      );
    return checkpoint;
  }

  private modelOf(checkpoint: PretrainCheckpoint): VideoMAEForPreTraining {
    return VideoMAEForPreTraining.fromWeights(
      parseConfig(checkpoint.modelConfig),
      new Map([...checkpoint.weights].map(([name, value]) => [name, value.data])),
    );
  }

  async reconstruct(slot: PretrainSlot, clipId: string): Promise<ReconstructionView> {
    if (this.active?.slot === slot && this.active.model) return this.active.reconstruct(clipId);
    const checkpoint = await this.requireCheckpoint(slot);
    const index = await this.host.datasetIndex();
    const dataset = runDataOf(index);
    const path = dataset.paths.get(clipId);
    if (path === undefined) throw new NoDatasetError(`There is no clip ${clipId} in this dataset`);
    const trainer = new PretrainTrainer({
      slot,
      config: checkpoint.config,
      model: this.modelOf(checkpoint),
      data: this.host.data(),
      clipIds: [clipId],
      preprocess: checkpoint.preprocess,
    });
    try {
      trainer.restore(checkpoint.optimizer, checkpoint.progress);
      return await trainer.reconstruct(clipId, path);
    } finally {
      trainer.dispose();
    }
  }

  async pretrainings(): Promise<PretrainingInfo[]> {
    const saved = await this.checkpoints.list();
    const live = this.active?.state();
    if (!live) return saved;
    const info: PretrainingInfo = {
      slot: live.slot,
      config: live.config,
      status: live.status,
      step: live.step,
      epoch: live.epoch,
      loss: saved.find((s) => s.slot === live.slot)?.loss ?? NaN,
      savedAt: live.lastCheckpoint?.savedAt ?? null,
    };
    return [...saved.filter((s) => s.slot !== live.slot), info].sort((a, b) => a.slot.localeCompare(b.slot));
  }

  async exportPretraining(slot: PretrainSlot, as: 'pretraining' | 'encoder'): Promise<ExportedModelFiles> {
    const live = this.active?.slot === slot ? this.active.model : null;
    const model = live ?? this.modelOf(await this.requireCheckpoint(slot));
    try {
      const files =
        as === 'pretraining'
          ? await exportPretrainingCheckpoint(model)
          : await exportEncoderCheckpoint(model);
      return { files: files.map((f) => ({ name: f.name, bytes: f.bytes })) };
    } finally {
      if (!live) model.dispose();
    }
  }

  /** Refuses early, with a clear message, a run that starts from a slot without weights. */
  async requireWeights(slot: PretrainSlot): Promise<void> {
    if (!(await this.checkpoints.list()).some((info) => info.slot === slot))
      throw new NoModelError(
        `${nameOf(slot)} has no weights yet: run it first (or start from something else)`,
      );
  }

  /** A classifier for `start`'s task from the slot's encoder, as HF's from_pretrained builds it. */
  async classifierFrom(slot: PretrainSlot, start: StartingWeights): Promise<VideoMAEForVideoClassification> {
    const checkpoint = await this.requireCheckpoint(slot);
    return classifierFromPretrainingWeights(
      checkpoint.modelConfig,
      checkpoint.weights,
      start.config,
      start.initSeed,
      nameOf(slot).toLowerCase(),
    ).model;
  }
}
