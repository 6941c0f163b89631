/**
 * The dataset slice: the files the user gave us and where they came from. Ingest (labels, splits,
 * decoding) works from these.
 */
import { create } from 'zustand';
import { fetchSampleDataset, type FetchProgress } from '../data/sample-dataset.ts';
import type { SourceFile } from '../data/source-files.ts';

interface DatasetState {
  source: { kind: 'sample' | 'user'; name: string } | null;
  files: SourceFile[];
  loading: FetchProgress | null;
  error: string | null;
  loadSampleDataset(): Promise<void>;
}

export const useDataset = create<DatasetState>()((set) => ({
  source: null,
  files: [],
  loading: null,
  error: null,

  async loadSampleDataset() {
    set({ loading: { loadedFiles: 0, totalFiles: 0, loadedBytes: 0, totalBytes: 0 }, error: null });
    try {
      const { manifest, files } = await fetchSampleDataset((loading) => set({ loading }));
      set({ source: { kind: 'sample', name: manifest.name }, files, loading: null });
    } catch (error) {
      set({ loading: null, error: `Could not load the sample dataset: ${String(error)}` });
    }
  },
}));
