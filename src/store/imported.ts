/**
 * Runs imported from a metrics file, drawn as dashed lines over the live ones: a new run can be compared
 * with one from an earlier session without training it again.
 */
import { create } from 'zustand';
import { parseMetricsFile, type MetricsRun } from './metrics-file.ts';

export interface ImportedRun extends MetricsRun {
  /** "B from metrics-2025-01-01.json": what the legend shows. */
  label: string;
}

interface ImportedState {
  runs: ImportedRun[];
  /** The imported run drawn on the charts (one at a time keeps them readable). */
  shown: number | null;
  error: string | null;
  importFile(file: File): Promise<void>;
  show(index: number | null): void;
  clear(): void;
}

export const useImported = create<ImportedState>()((set, get) => ({
  runs: [],
  shown: null,
  error: null,

  async importFile(file) {
    try {
      const parsed = parseMetricsFile(await file.text(), file.name);
      const added = parsed.runs.map((run) => ({ ...run, label: `${run.id} from ${file.name}` }));
      const runs = [...get().runs, ...added];
      set({ runs, shown: get().runs.length, error: null });
    } catch (error) {
      set({ error: error instanceof Error ? error.message : String(error) });
    }
  },

  show(index) {
    set({ shown: index });
  },

  clear() {
    set({ runs: [], shown: null, error: null });
  },
}));

export function useShownImport(): ImportedRun | null {
  return useImported((s) => (s.shown === null ? null : (s.runs[s.shown] ?? null)));
}
