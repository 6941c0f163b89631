/**
 * The model slice: the weights both runs start from. `prepare` asks the engine to build or load them for the
 * current settings and the dataset's labels, with progress, and remembers for which choice they were made,
 * so training re-prepares only when something changed.
 */
import { create } from 'zustand';
import { getEngine, type ModelLoadProgress, type ModelSummary } from '../worker/index.ts';
import { currentDatasetFacts, useDatasetFacts } from './dataset-link.ts';
import { useDataset } from './dataset.ts';
import { modelChoiceKey, modelChoiceOf } from './model-settings.ts';
import { useSettings } from './settings.ts';

export type ModelStatus = 'idle' | 'loading' | 'ready' | 'failed';

export interface ModelError {
  /** The error class (HubRepoNotFoundError, CheckpointFormatError, ...). */
  name: string;
  message: string;
}

interface ModelState {
  status: ModelStatus;
  progress: ModelLoadProgress | null;
  summary: ModelSummary | null;
  /** The labels the prepared model was built for. */
  labels: string[];
  preparedKey: string | null;
  error: ModelError | null;
  /** Checkpoint files dropped in the Model panel (config.json and weights). */
  files: File[];
  setFiles(files: File[]): void;
  /** Builds or loads the weights for the current settings; resolves true when they are ready. */
  prepare(): Promise<boolean>;
}

export function errorOf(error: unknown): ModelError {
  return error instanceof Error
    ? { name: error.name, message: error.message }
    : { name: 'Error', message: String(error) };
}

let inFlight: { key: string; promise: Promise<boolean> } | null = null;

export const useModel = create<ModelState>()((set, get) => ({
  status: 'idle',
  progress: null,
  summary: null,
  labels: [],
  preparedKey: null,
  error: null,
  files: [],

  setFiles(files) {
    set({ files });
  },

  prepare() {
    let choice;
    const { labels } = currentDatasetFacts();
    try {
      choice = modelChoiceOf(useSettings.getState().model, get().files);
    } catch (error) {
      set({ status: 'failed', error: errorOf(error), progress: null });
      return Promise.resolve(false);
    }
    const key = modelChoiceKey(choice, labels);
    if (get().status === 'ready' && get().preparedKey === key) return Promise.resolve(true);
    if (inFlight?.key === key) return inFlight.promise;
    set({ status: 'loading', progress: null, error: null });
    const request: { key: string; promise: Promise<boolean> } = { key, promise: Promise.resolve(false) };
    inFlight = request;
    const current = () => inFlight === request;
    request.promise = (async () => {
      try {
        const summary = await getEngine().call('prepareModel', choice, labels, (progress) => {
          if (current()) set({ progress });
        });
        if (!current()) return false;
        set({ status: 'ready', summary, labels, preparedKey: key, progress: null });
        // Decode at the model's input size: the data worker's working resolution and warnings follow it.
        const dataset = useDataset.getState();
        const imageSize = Number(summary.config.image_size);
        const numFrames = Number(summary.config.num_frames);
        if (dataset.preprocess.imageSize !== imageSize || dataset.preprocess.numFrames !== numFrames) {
          await dataset.setPreprocess({ ...dataset.preprocess, imageSize, numFrames });
        }
        return true;
      } catch (error) {
        if (current()) set({ status: 'failed', error: errorOf(error), progress: null, preparedKey: null });
        return false;
      } finally {
        if (current()) inFlight = null;
      }
    })();
    return request.promise;
  },
}));

/** Whether the prepared weights still match the settings (otherwise training prepares them again). */
export function useModelIsCurrent(): boolean {
  const model = useSettings((s) => s.model);
  const files = useModel((s) => s.files);
  const preparedKey = useModel((s) => s.preparedKey);
  const { labels } = useDatasetFacts();
  if (!preparedKey) return false;
  try {
    return modelChoiceKey(modelChoiceOf(model, files), labels) === preparedKey;
  } catch {
    return false;
  }
}
