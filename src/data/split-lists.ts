/**
 * UCF101's official split files: `classInd.txt` ("1 ApplyEyeMakeup"), `trainlist0N.txt`
 * ("ApplyEyeMakeup/v_ApplyEyeMakeup_g08_c01.avi 1") and `testlist0N.txt` (the same, without the label).
 * Clips are matched by file name, case-insensitively, so any folder arrangement of the clips works.
 */
import { baseName } from './source-files.ts';

export interface SplitListEntry {
  /** Lower-cased file name, the key clips are matched by. */
  fileKey: string;
  /** The folder part of the entry (UCF101 puts the class there), or null. */
  folder: string | null;
  /** 1-based class index when the list gives one (train lists do). */
  classIndex: number | null;
}

export interface SplitListFold {
  fold: number;
  train: SplitListEntry[] | null;
  test: SplitListEntry[] | null;
}

export interface SplitLists {
  /** Class names in classInd order (index 1 first), or null without classInd.txt. */
  classes: string[] | null;
  folds: SplitListFold[];
}

export function parseClassIndex(text: string): string[] {
  const rows: { index: number; name: string }[] = [];
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*(\d+)\s+(\S+)\s*$/.exec(line);
    if (match) rows.push({ index: Number(match[1]), name: match[2]! });
  }
  return rows.sort((a, b) => a.index - b.index).map((r) => r.name);
}

export function parseSplitList(text: string): SplitListEntry[] {
  const entries: SplitListEntry[] = [];
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*(\S+?)(?:\s+(\d+))?\s*$/.exec(line);
    if (!match) continue;
    const path = match[1]!.replaceAll('\\', '/');
    const slash = path.lastIndexOf('/');
    entries.push({
      fileKey: baseName(path).toLowerCase(),
      folder: slash > 0 ? path.slice(0, slash).split('/').pop()! : null,
      classIndex: match[2] ? Number(match[2]) : null,
    });
  }
  return entries;
}

/** Folds that have at least a train or a test list, lowest first. */
export function usableFolds(lists: SplitLists): number[] {
  return lists.folds
    .filter((f) => f.train !== null || f.test !== null)
    .map((f) => f.fold)
    .sort((a, b) => a - b);
}
