/**
 * The dataset slice: what was dropped, the ingest's progress, the dataset index (labels, splits, skipped
 * files, warnings), the preview of one clip's sampled frames and the frame cache's state. Actions talk to the
 * data worker; components only read this state and call actions.
 */
import * as Comlink from 'comlink';
import { create } from 'zustand';
import {
  getDataClient,
  DEFAULT_PREPROCESS,
  evalClipSpec,
  trainClipSpec,
  type PreprocessSettings,
  type DatasetIndex,
  IngestCancelledError,
  messageOf,
  DEFAULT_SPLIT_OPTIONS,
  type SplitOptions,
  fetchSampleDataset,
  type FetchProgress,
  type SourceFile,
  type CacheStats,
  type RawFrames,
  type DecodeReport,
  type IngestProgress,
  type PreviewFrames,
} from '../data/index.ts';
import { presetInputOf } from './model-settings.ts';
import { useSettings } from './settings.ts';

export type IngestPhase = 'idle' | 'fetching' | 'scanning' | 'decoding' | 'ready';
export type PreviewMode = 'train' | 'eval' | 'uniform';

export interface PreviewState {
  clipId: string | null;
  mode: PreviewMode;
  /** Each "another draw" bumps the epoch, which changes the random window, crop and flip. */
  epoch: number;
  frames: PreviewFrames | null;
  loading: boolean;
  error: string | null;
}

interface DatasetState {
  source: { kind: 'sample' | 'user'; name: string } | null;
  phase: IngestPhase;
  fetchProgress: FetchProgress | null;
  progress: IngestProgress | null;
  index: DatasetIndex | null;
  decodeReport: Omit<DecodeReport, 'index'> | null;
  error: string | null;
  notice: string | null;
  splitOptions: SplitOptions;
  preprocess: PreprocessSettings;
  preview: PreviewState;
  cache: CacheStats | null;

  loadSampleDataset(): Promise<void>;
  ingestFiles(files: SourceFile[], name: string, kind?: 'sample' | 'user'): Promise<void>;
  cancelIngest(): void;
  setSplitOptions(patch: Partial<SplitOptions>): Promise<void>;
  setPreprocess(preprocess: PreprocessSettings): Promise<void>;
  previewClip(clipId: string | null, options?: { mode?: PreviewMode; epoch?: number }): Promise<void>;
  setMemoryBudget(bytes: number): Promise<void>;
  refreshCacheStats(): Promise<void>;
  /** Frames of a clip at a working size (the gallery's thumbnails). */
  readFrames(clipId: string, indices: readonly number[], maxShortSide: number): Promise<RawFrames>;
  /** Makes the next decode of that kind crash its decoder (the System panel's check, and its test). */
  crashDecoder(kind: 'ffmpeg' | 'webcodecs'): Promise<void>;
  /** Takes the data worker's index again: clips that failed while training moved to `skipped` there. */
  refreshIndex(): Promise<void>;
  clearCache(): Promise<void>;
}

const PREVIEW_SEED = 1;

const api = () => getDataClient().api;

export const useDataset = create<DatasetState>()((set, get) => ({
  source: null,
  phase: 'idle',
  fetchProgress: null,
  progress: null,
  index: null,
  decodeReport: null,
  error: null,
  notice: null,
  splitOptions: DEFAULT_SPLIT_OPTIONS,
  preprocess: DEFAULT_PREPROCESS,
  preview: { clipId: null, mode: 'eval', epoch: 0, frames: null, loading: false, error: null },
  cache: null,

  async loadSampleDataset() {
    set({ phase: 'fetching', error: null, notice: null, fetchProgress: null });
    try {
      const { manifest, files } = await fetchSampleDataset((fetchProgress) => set({ fetchProgress }));
      set({ fetchProgress: null });
      await get().ingestFiles(files, manifest.name, 'sample');
    } catch (error) {
      set({
        phase: get().index ? 'ready' : 'idle',
        fetchProgress: null,
        error: `Could not load the sample dataset: ${messageOf(error)}`,
      });
    }
  },

  async ingestFiles(files, name, kind = 'user') {
    const onProgress = Comlink.proxy((progress: IngestProgress) => set({ progress }));
    // Decode at the size the chosen preset will train at: decoding at the default (224) and again at the
    // model's size would double the work and fill the browser's storage quota with frames no run reads.
    const input = presetInputOf(useSettings.getState().model);
    if (input) set({ preprocess: { ...get().preprocess, ...input } });
    set({ phase: 'scanning', progress: null, error: null, notice: null, decodeReport: null });
    let index: DatasetIndex;
    try {
      index = await api().scan(
        files,
        { name, split: get().splitOptions, preprocess: get().preprocess },
        onProgress,
      );
    } catch (error) {
      const cancelled = error instanceof IngestCancelledError;
      set({
        phase: get().index ? 'ready' : 'idle',
        progress: null,
        error: cancelled ? null : messageOf(error),
        notice: cancelled ? 'Scanning cancelled.' : null,
      });
      return;
    }
    set({ source: { kind, name }, index, phase: 'decoding', progress: null });
    void get().previewClip(index.clips[0]?.id ?? null, { epoch: 0 });
    try {
      const { index: decoded, ...report } = await api().decodeAll(onProgress);
      set({
        index: decoded,
        decodeReport: report,
        phase: 'ready',
        progress: null,
        notice: report.cancelled
          ? 'Decoding stopped: the remaining clips will be decoded when first used.'
          : null,
      });
    } catch (error) {
      set({ phase: 'ready', progress: null, error: messageOf(error) });
    }
    void get().refreshCacheStats();
  },

  cancelIngest() {
    void api().cancel();
  },

  async setSplitOptions(patch) {
    const splitOptions = { ...get().splitOptions, ...patch };
    set({ splitOptions });
    if (!get().index) return;
    try {
      set({ index: await api().resplit(splitOptions), error: null });
    } catch (error) {
      set({ error: messageOf(error) });
    }
  },

  async setPreprocess(preprocess) {
    set({ preprocess });
    if (!get().index) return;
    set({ index: await api().setPreprocess(preprocess) });
    const { clipId } = get().preview;
    if (clipId) void get().previewClip(clipId);
  },

  async previewClip(clipId, options = {}) {
    const current = get().preview;
    const mode = options.mode ?? current.mode;
    const epoch = options.epoch ?? current.epoch;
    set({ preview: { ...current, clipId, mode, epoch, loading: clipId !== null, error: null } });
    if (!clipId) return;
    const { preprocess } = get();
    const spec =
      mode === 'train'
        ? trainClipSpec(preprocess)
        : evalClipSpec(mode === 'uniform' ? { ...preprocess, temporal: 'uniform' } : preprocess);
    try {
      const frames = await api().preview(clipId, spec, PREVIEW_SEED, epoch);
      // A newer request may have replaced this one while it decoded.
      if (get().preview.clipId !== clipId || get().preview.mode !== mode || get().preview.epoch !== epoch)
        return;
      set({ preview: { clipId, mode, epoch, frames, loading: false, error: null } });
    } catch (error) {
      set({ preview: { ...get().preview, loading: false, frames: null, error: messageOf(error) } });
    }
    void get().refreshCacheStats();
  },

  async setMemoryBudget(bytes) {
    set({ cache: await api().setCacheBudget(bytes) });
  },

  async refreshIndex() {
    if (get().phase !== 'ready') return;
    const index = await api().getIndex();
    if (index && get().phase === 'ready') set({ index });
  },

  async refreshCacheStats() {
    set({ cache: await api().cacheStats() });
  },

  readFrames(clipId, indices, maxShortSide) {
    return api().getFrames(clipId, indices, maxShortSide);
  },

  async crashDecoder(kind) {
    await api().injectDecoderFaults(kind, 1);
    await get().refreshCacheStats();
  },

  async clearCache() {
    set({ cache: await api().clearCache() });
  },
}));
