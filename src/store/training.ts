/**
 * The training slice: the two runs as the engine reports them, and the named actions the page uses to
 * start, pause, resume, stop, resume a saved run, export and preview. Engine events arrive in batches;
 * they are queued and folded in with the pure reducer at most a few times a second, so a fast engine
 * never makes the page re-render for every batch.
 */
import { create } from 'zustand';
import {
  type ExportedModelFiles,
  planTraining,
  validateRunConfig,
  type RunConfig,
  getEngine,
  RUN_IDS,
  type EngineEvent,
  type MixPreviewItem,
  type RunId,
  type SavedRunInfo,
} from '../worker/index.ts';
import { currentDatasetFacts } from './dataset-link.ts';
import { useDataset } from './dataset.ts';
import { connectEngineToData } from './engine-link.ts';
import { METRICS_FORMAT, METRICS_VERSION, type MetricsFile, type MetricsRun } from './metrics-file.ts';
import { errorOf, useModel } from './model.ts';
import { slotLabel, startFromProblem, usePretraining } from './pretraining.ts';
import { useSettings } from './settings.ts';
import { FLUSH_INTERVAL_MS, TrainingSetupError } from './training-errors.ts';
import {
  emptyTrainingData,
  markQueued,
  reduceEngineEvents,
  resetRuns,
  type TrainingData,
} from './training-reducer.ts';

export { FLUSH_INTERVAL_MS, TrainingSetupError } from './training-errors.ts';

export type SessionPhase = 'idle' | 'preparing' | 'training';

export interface MixPreviewState {
  runId: RunId;
  loading: boolean;
  items: MixPreviewItem[];
  error: string | null;
}

interface TrainingState {
  data: TrainingData;
  /** The settings each run was last started with (the forms may have changed since). */
  configs: Partial<Record<RunId, RunConfig>>;
  phase: SessionPhase;
  /** When the current training started (Date.now()), while it trains. */
  trainingSince: number | null;
  /** Why the last start failed (settings, dataset, model or engine), shown above the run columns. */
  error: string | null;
  /** Runs whose pause / resume / stop request is on its way. */
  pending: Partial<Record<RunId, 'pause' | 'resume' | 'stop'>>;
  saved: { runs: SavedRunInfo[]; error: string | null; loaded: boolean };
  mixPreview: MixPreviewState | null;
  trainBoth(): Promise<void>;
  /** A run's current weights as Hugging Face files (config.json, model.safetensors). */
  exportRunWeights(id: RunId): Promise<ExportedModelFiles>;
  /** Trains one run alone (when both do not fit in memory at once). */
  trainAlone(id: RunId): Promise<void>;
  pauseRun(id: RunId): Promise<void>;
  resumeRun(id: RunId): Promise<void>;
  stopRun(id: RunId): Promise<void>;
  refreshSavedRuns(): Promise<void>;
  /** Continues saved runs from their last checkpoint (after a reload). */
  resumeSavedRuns(runs: SavedRunInfo[]): Promise<void>;
  deleteSavedRuns(): Promise<void>;
  loadMixPreview(id: RunId, count?: number): Promise<void>;
  /** Adds engine events (the engine's callback); exposed for the page's own tests of the charts. */
  receiveEvents(events: EngineEvent[]): void;
  /** Folds queued events in now. */
  flushEvents(): void;
}

let queue: EngineEvent[] = [];
let flushTimer: ReturnType<typeof setTimeout> | null = null;

function problemsOf(configs: { id: RunId; config: RunConfig }[]): string[] {
  return configs.flatMap(({ id, config }) => validateRunConfig(config).map((p) => `Run ${id}: ${p}`));
}

/** Runs that start from a pretraining slot that has no weights yet. */
function startProblemsOf(runs: { id: RunId; config: RunConfig }[]): string[] {
  const { infos, data } = usePretraining.getState();
  return runs.flatMap(({ id, config }) => {
    const problem = startFromProblem(config.startFrom, infos, data);
    return problem ? [`Run ${id}: ${problem}; pretrain it first or pick other start weights`] : [];
  });
}

export const useTraining = create<TrainingState>()((set, get) => {
  /**
   * Shared path of "Train both" and "resume saved runs": checks, prepares the model, then trains until
   * every run has ended. `fresh` runs lose their old curves; resumed ones keep them.
   */
  async function train(runs: { id: RunId; config: RunConfig }[], resume: RunId[]): Promise<void> {
    if (get().phase !== 'idle') return;
    set({ phase: 'preparing', error: null });
    try {
      const pretraining = usePretraining.getState();
      if (pretraining.phase !== 'idle' && pretraining.activeSlot !== null) {
        throw new TrainingSetupError(
          `${slotLabel(pretraining.activeSlot)} is pretraining: let it finish or stop it first (one thing trains at a time).`,
        );
      }
      const problems = [...problemsOf(runs), ...startProblemsOf(runs)];
      if (problems.length > 0) throw new TrainingSetupError(problems.join('; '));
      const facts = currentDatasetFacts();
      if (facts.labels.length < 2 || facts.trainClips < 1) {
        throw new TrainingSetupError(
          'Load a dataset first: training needs at least two classes and clips in train/.',
        );
      }
      const totalSteps = {} as Record<RunId, number>;
      for (const { id, config } of runs) totalSteps[id] = planTraining(config, facts.trainClips).totalSteps;
      if (!(await useModel.getState().prepare())) {
        const modelError = useModel.getState().error;
        throw new TrainingSetupError(`The model is not ready: ${modelError?.message ?? 'unknown error'}`);
      }
      const fresh = runs.map((r) => r.id).filter((id) => !resume.includes(id));
      set((s) => ({
        phase: 'training',
        trainingSince: Date.now(),
        configs: { ...s.configs, ...Object.fromEntries(runs.map((r) => [r.id, r.config])) },
        data: markQueued(
          resetRuns(s.data, fresh),
          runs.map((r) => r.id),
          totalSteps,
        ),
      }));
      await connectEngineToData();
      await getEngine().call(
        'startRuns',
        {
          runs,
          schedule: useSettings.getState().view.schedule,
          preprocess: useDataset.getState().preprocess,
          ...(resume.length > 0 ? { resume } : {}),
        },
        (events) => get().receiveEvents(events),
      );
    } catch (error) {
      set({ error: errorOf(error).message });
    } finally {
      get().flushEvents();
      set({ phase: 'idle', pending: {} });
      void get().refreshSavedRuns();
      void useDataset.getState().refreshIndex();
      void useDataset.getState().refreshCacheStats();
    }
  }

  async function control(id: RunId, action: 'pause' | 'resume' | 'stop'): Promise<void> {
    set((s) => ({ pending: { ...s.pending, [id]: action } }));
    try {
      const method = action === 'pause' ? 'pauseRun' : action === 'resume' ? 'resumeRun' : 'stopRun';
      await getEngine().call(method, id);
    } catch (error) {
      set({ error: `Could not ${action} run ${id}: ${errorOf(error).message}` });
    } finally {
      set((s) => ({ pending: { ...s.pending, [id]: undefined } }));
    }
  }

  return {
    data: emptyTrainingData(),
    configs: {},
    phase: 'idle',
    trainingSince: null,
    error: null,
    pending: {},
    saved: { runs: [], error: null, loaded: false },
    mixPreview: null,

    trainBoth() {
      const { runs } = useSettings.getState();
      return train(
        RUN_IDS.map((id) => ({ id, config: runs[id].config })),
        [],
      );
    },

    exportRunWeights(id) {
      return getEngine().call('exportRunWeights', id);
    },

    trainAlone(id) {
      return train([{ id, config: useSettings.getState().runs[id].config }], []);
    },

    pauseRun: (id) => control(id, 'pause'),
    resumeRun: (id) => control(id, 'resume'),
    stopRun: (id) => control(id, 'stop'),

    async refreshSavedRuns() {
      try {
        const runs = await getEngine().call('savedRuns');
        set({ saved: { runs, error: null, loaded: true } });
      } catch (error) {
        set({ saved: { runs: [], error: errorOf(error).message, loaded: true } });
      }
    },

    resumeSavedRuns(saved) {
      const settings = useSettings.getState();
      for (const run of saved)
        settings.setRun(run.runId, { ...settings.runs[run.runId], config: run.config });
      return train(
        saved.map((run) => ({ id: run.runId, config: run.config })),
        saved.map((run) => run.runId),
      );
    },

    async deleteSavedRuns() {
      try {
        await getEngine().call('deleteSavedRuns');
      } catch (error) {
        set((s) => ({ saved: { ...s.saved, error: errorOf(error).message } }));
      }
      await get().refreshSavedRuns();
    },

    async loadMixPreview(id, count = 4) {
      const config = useSettings.getState().runs[id].config;
      set({ mixPreview: { runId: id, loading: true, items: [], error: null } });
      try {
        // The preview mixes real training clips at the model's input size: both must be ready.
        if (currentDatasetFacts().trainClips < 1) throw new TrainingSetupError('Load a dataset first.');
        if (!(await useModel.getState().prepare())) {
          throw new TrainingSetupError(
            `The model is not ready: ${useModel.getState().error?.message ?? 'unknown error'}`,
          );
        }
        await connectEngineToData();
        const items = await getEngine().call('previewMix', config, useDataset.getState().preprocess, count);
        set({ mixPreview: { runId: id, loading: false, items, error: null } });
      } catch (error) {
        set({ mixPreview: { runId: id, loading: false, items: [], error: errorOf(error).message } });
      }
    },

    receiveEvents(events) {
      queue.push(...events);
      flushTimer ??= setTimeout(() => get().flushEvents(), FLUSH_INTERVAL_MS);
    },

    flushEvents() {
      if (flushTimer !== null) clearTimeout(flushTimer);
      flushTimer = null;
      if (queue.length === 0) return;
      const events = queue;
      queue = [];
      set((s) => ({ data: reduceEngineEvents(s.data, events) }));
    },
  };
});

/** The page's runs, with the model and labels, as the metrics file an export writes. */
export function currentMetricsFile(now = new Date()): MetricsFile {
  const { data, configs } = useTraining.getState();
  const model = useModel.getState();
  const exported: MetricsRun[] = RUN_IDS.filter((id) => data.runs[id].steps.length > 0).map((id) => ({
    id,
    config: configs[id] ?? null,
    status: data.runs[id].state?.status ?? null,
    problems: data.runs[id].state?.problems ?? [],
    steps: [...data.runs[id].steps],
    val: [...data.runs[id].val],
    test: data.runs[id].test,
  }));
  return {
    format: METRICS_FORMAT,
    version: METRICS_VERSION,
    exportedAt: now.toISOString(),
    model: model.summary ? { description: model.summary.description, config: model.summary.config } : null,
    labels: model.labels,
    runs: exported,
  };
}
