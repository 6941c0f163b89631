/**
 * What the model and training need from the dataset, in one small place: the class names (the labels the
 * model is built for, in the order of the data pipeline's label indices), the number of training clips,
 * and the sampling settings the runs train with.
 */
import { useMemo } from 'react';
import type { DatasetIndex } from '../data/index.ts';
import { useDataset } from './dataset.ts';

export interface DatasetFacts {
  /** Class names as the ingest ordered them: label index i is labels[i]. */
  labels: string[];
  trainClips: number;
}

export function factsOf(index: DatasetIndex | null): DatasetFacts {
  if (!index) return { labels: [], trainClips: 0 };
  return { labels: index.classes, trainClips: index.clips.filter((c) => c.split === 'train').length };
}

export function currentDatasetFacts(): DatasetFacts {
  return factsOf(useDataset.getState().index);
}

export function useDatasetFacts(): DatasetFacts {
  const index = useDataset((s) => s.index);
  return useMemo(() => factsOf(index), [index]);
}
