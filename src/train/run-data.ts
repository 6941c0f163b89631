/**
 * What the runs train on, from the data worker's index: the clip ids of each split in a stable order, and a
 * key that names the dataset (its classes and every split's clips), so that a checkpoint is only ever resumed
 * on the dataset it was made on.
 */
import type { DatasetIndex } from '../data/dataset-index.ts';
import { hashHex } from '../data/hash.ts';
import type { RunData } from './trainer.ts';

export function runDataOf(index: DatasetIndex): RunData {
  const clipIds = { train: [] as string[], val: [] as string[], test: [] as string[] };
  const paths = new Map<string, string>();
  for (const clip of index.clips) {
    clipIds[clip.split].push(clip.id);
    paths.set(clip.id, clip.path);
  }
  for (const ids of Object.values(clipIds)) ids.sort();
  return { classes: index.classes, clipIds, paths };
}

export function datasetKeyOf(index: DatasetIndex): string {
  const { clipIds } = runDataOf(index);
  const text = [
    index.classes.join('|'),
    clipIds.train.join(','),
    clipIds.val.join(','),
    clipIds.test.join(','),
  ];
  return `${index.classes.length}c-${index.clips.length}v-${hashHex(text.join('#')).slice(0, 16)}`;
}
