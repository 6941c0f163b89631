/**
 * The compute engine that lives in the worker: it owns tfjs and everything that holds tensors.
 */
import { activate, tf } from './tf-runtime.ts';
import { initBackend } from './init-backend.ts';
import { timeMatMul } from './measure-backends.ts';
import type { BackendName, BackendPreference, BackendReport } from './backend.ts';
import { BackendUnavailableError, EngineNotReadyError } from './errors.ts';
import type {
  BusyWorkResult,
  EngineApi,
  MemoryReport,
  SelfCheckResult,
  ThroughputReport,
} from './protocol.ts';
import { selfCheckOp } from './self-check.ts';
import { TrainingEngine } from './training-engine.ts';
import type {
  EngineEvent,
  ExportedModelFiles,
  MixPreviewItem,
  ModelChoice,
  ModelLoadProgress,
  ModelSummary,
  RunId,
  PretrainEvent,
  PretrainingInfo,
  PretrainSlot,
  ReconstructionView,
  SavedRunInfo,
  StartPretrainingRequest,
  StartRunsRequest,
} from './training-protocol.ts';
import type { PreprocessSettings } from '../data/clip-spec.ts';
import type { RunConfig } from '../train/run-config.ts';

/** Everything the worker answers: backend management here, training delegated to the TrainingEngine. */
export class ComputeEngine implements EngineApi {
  private report: BackendReport | null = null;
  private initQueue: Promise<unknown> = Promise.resolve();
  private readonly training = new TrainingEngine();
  private readonly throughput = new Map<BackendName, ThroughputReport>();

  /**
   * Starts tfjs on the preferred backend. Calls are serialised: two overlapping inits (a quick change of
   * the setting, React's double effects in development) would otherwise race inside tf.setBackend and
   * leave one backend active while the report names another.
   */
  init(preference: BackendPreference): Promise<BackendReport> {
    const next = this.initQueue.then(() => this.initNow(preference));
    this.initQueue = next.catch(() => undefined);
    return next;
  }

  private async initNow(preference: BackendPreference): Promise<BackendReport> {
    try {
      this.report = await initBackend(preference);
      // `auto` has just timed the backend it picked: the step-time estimate need not time it again.
      const measured = this.report.measurement?.[this.report.backend === 'webgpu' ? 'webgpu' : 'wasm'];
      if (measured?.backend === this.report.backend) this.throughput.set(measured.backend, measured);
    } catch (error) {
      throw new BackendUnavailableError(error instanceof Error ? error.message : String(error));
    }
    return this.report;
  }

  /**
   * The backend, once the init in progress (if any) has finished: the page asks for the init when it opens,
   * and a user who drops a small folder and presses "Train both" at once can get there first.
   */
  private async ready(): Promise<BackendReport> {
    await this.initQueue;
    return this.requireReport();
  }

  private requireReport(): BackendReport {
    if (!this.report) throw new EngineNotReadyError('The compute engine has not been initialised');
    return this.report;
  }

  async selfCheck(backends: readonly BackendName[]): Promise<SelfCheckResult[]> {
    const active = this.requireReport().backend;
    const results: SelfCheckResult[] = [];
    for (const backend of backends) results.push(await this.checkOn(backend));
    const error = await activate(active);
    if (error !== null) throw new BackendUnavailableError(`Could not switch back to ${active}: ${error}`);
    return results;
  }

  private async checkOn(backend: BackendName): Promise<SelfCheckResult> {
    const error = await activate(backend);
    if (error !== null) return { backend, values: null, ms: 0, error };
    const start = performance.now();
    try {
      const values = await selfCheckOp();
      return { backend, values: Array.from(values), ms: performance.now() - start, error: null };
    } catch (opError) {
      return { backend, values: null, ms: 0, error: String(opError) };
    }
  }

  async busyWork(ms: number): Promise<BusyWorkResult> {
    const backend = this.requireReport().backend;
    const start = performance.now();
    let iterations = 0;
    const a = tf.randomNormal([256, 256], 0, 1, 'float32', 1);
    try {
      while (performance.now() - start < ms) {
        const product = tf.tidy(() => tf.matMul(a, a).sum());
        await product.data();
        product.dispose();
        iterations++;
      }
    } finally {
      a.dispose();
    }
    return { iterations, elapsedMs: performance.now() - start, backend };
  }

  async measureThroughput(): Promise<ThroughputReport> {
    const backend = this.requireReport().backend;
    const known = this.throughput.get(backend);
    if (known) return known;
    const report = await timeMatMul(backend);
    this.throughput.set(backend, report);
    return report;
  }

  async memory(): Promise<MemoryReport> {
    const backend = this.requireReport().backend;
    const { numTensors, numBytes } = tf.memory();
    return { numTensors, numBytes, backend, afterStep: this.training.tensorsAfterStep() };
  }

  connectData(port: MessagePort): Promise<void> {
    return this.training.connectData(port);
  }

  async prepareModel(
    choice: ModelChoice,
    labels: string[],
    onProgress?: (progress: ModelLoadProgress) => void,
  ): Promise<ModelSummary> {
    await this.ready();
    return this.training.prepareModel(choice, labels, onProgress);
  }

  async startRuns(request: StartRunsRequest, onEvents: (events: EngineEvent[]) => void): Promise<void> {
    await this.ready();
    return this.training.startRuns(request, onEvents);
  }

  pauseRun(runId: RunId): Promise<void> {
    return this.training.pauseRun(runId);
  }

  resumeRun(runId: RunId): Promise<void> {
    return this.training.resumeRun(runId);
  }

  stopRun(runId: RunId): Promise<void> {
    return this.training.stopRun(runId);
  }

  savedRuns(): Promise<SavedRunInfo[]> {
    return this.training.savedRuns();
  }

  deleteSavedRuns(): Promise<void> {
    return this.training.deleteSavedRuns();
  }

  exportRunWeights(runId: RunId): Promise<ExportedModelFiles> {
    return this.training.exportRunWeights(runId);
  }

  previewMix(config: RunConfig, preprocess: PreprocessSettings, count: number): Promise<MixPreviewItem[]> {
    return this.training.previewMix(config, preprocess, count);
  }

  simulateDeviceLoss(): Promise<boolean> {
    return this.training.simulateDeviceLoss();
  }

  async startPretraining(
    request: StartPretrainingRequest,
    onEvents: (events: PretrainEvent[]) => void,
  ): Promise<void> {
    await this.ready();
    return this.training.pretraining.startPretraining(request, onEvents);
  }

  pausePretraining(slot: PretrainSlot): Promise<void> {
    return this.training.pretraining.pausePretraining(slot);
  }

  resumePretraining(slot: PretrainSlot): Promise<void> {
    return this.training.pretraining.resumePretraining(slot);
  }

  stopPretraining(slot: PretrainSlot): Promise<void> {
    return this.training.pretraining.stopPretraining(slot);
  }

  reconstruct(slot: PretrainSlot, clipId: string): Promise<ReconstructionView> {
    return this.training.pretraining.reconstruct(slot, clipId);
  }

  pretrainings(): Promise<PretrainingInfo[]> {
    return this.training.pretraining.pretrainings();
  }

  exportPretraining(slot: PretrainSlot, as: 'pretraining' | 'encoder'): Promise<ExportedModelFiles> {
    return this.training.pretraining.exportPretraining(slot, as);
  }
}
