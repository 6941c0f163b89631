/**
 * What the model and training need from the dataset, in one small place: the class names (the labels the
 * model is built for, in the order of the data pipeline's label indices), the number of training clips, and
 * the file behind a clip path for a thumbnail. It reads the dataset slice as it exists today (the dropped
 * files and their folder layout); when the ingest's index lands, only this file changes.
 */
import { useMemo } from 'react';
import { summarizeSplitLayout, type LayoutSummary } from '../data/layout-summary.ts';
import type { SourceFile } from '../data/source-files.ts';
import { useDataset } from './dataset.ts';

export interface DatasetFacts {
  /** Class names, sorted: label index i is labels[i] (the order of UCF101_subset's class folders). */
  labels: string[];
  trainClips: number;
}

function relativePaths(files: readonly SourceFile[]): string[] {
  // Paths start with the dropped folder's name; the layout starts below it.
  return files.map((f) => f.path.split('/').slice(1).join('/'));
}

export function factsOf(summary: LayoutSummary): DatasetFacts {
  const trainClips = summary.classes.reduce((sum, c) => sum + (summary.counts[c]?.train ?? 0), 0);
  return { labels: summary.classes, trainClips };
}

export function currentDatasetFacts(): DatasetFacts {
  return factsOf(summarizeSplitLayout(relativePaths(useDataset.getState().files)));
}

export function useDatasetFacts(): DatasetFacts {
  const files = useDataset((s) => s.files);
  return useMemo(() => factsOf(summarizeSplitLayout(relativePaths(files))), [files]);
}

/** The file behind a clip path as the engine reports it (with or without the dropped folder's name). */
export function useClipFile(path: string): File | null {
  const files = useDataset((s) => s.files);
  return useMemo(
    () => files.find((f) => f.path === path || f.path.endsWith(`/${path}`))?.file ?? null,
    [files, path],
  );
}
