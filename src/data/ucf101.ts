/**
 * UCF101 naming conventions: clips are `v_<Class>_g<group>_c<clip>.<ext>`, where a group is one actor /
 * scene. The official splits (and Hugging Face's `UCF101_subset`) never put one group in two splits, because
 * clips of a group share background and person, and a test set that shares them with training leaks.
 */

export interface Ucf101Name {
  className: string;
  group: number;
  clip: number;
  extension: string;
}

const UCF101_NAME = /^v_([A-Za-z0-9]+)_g(\d+)_c(\d+)\.([A-Za-z0-9]+)$/;

export function parseUcf101Name(fileName: string): Ucf101Name | null {
  const match = UCF101_NAME.exec(fileName);
  if (!match) return null;
  return {
    className: match[1]!,
    group: Number(match[2]),
    clip: Number(match[3]),
    extension: match[4]!.toLowerCase(),
  };
}

export function formatUcf101Name(className: string, group: number, clip: number, extension: string): string {
  return `v_${className}_g${pad2(group)}_c${pad2(clip)}.${extension}`;
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

export type SplitName = 'train' | 'val' | 'test';

/** Folder names people use for each split; Hugging Face's subset uses train / val / test. */
export const SPLIT_FOLDER_ALIASES: Readonly<Record<string, SplitName>> = {
  train: 'train',
  training: 'train',
  val: 'val',
  valid: 'val',
  validation: 'val',
  test: 'test',
  testing: 'test',
};

export function splitFromFolder(folder: string): SplitName | null {
  return SPLIT_FOLDER_ALIASES[folder.toLowerCase()] ?? null;
}

/**
 * The key that ties clips of one group together. Classes are compared case-insensitively because UCF101
 * itself is inconsistent (folder `HandstandPushups`, files `v_HandStandPushups_...`).
 */
export function groupKey(className: string, group: number): string {
  return `${className.toLowerCase()}/g${group}`;
}

export interface LayoutProblem {
  path: string;
  reason: string;
}

/**
 * Checks that `paths` (relative, `/`-separated) follow the `<split>/<Class>/v_<Class>_gNN_cNN.ext` layout of
 * Hugging Face's UCF101_subset, and that no group appears in two splits.
 */
export function checkUcf101SplitLayout(paths: readonly string[]): LayoutProblem[] {
  const problems: LayoutProblem[] = [];
  const splitOfGroup = new Map<string, { split: SplitName; path: string }>();
  for (const path of paths) {
    const parts = path.split('/');
    if (parts.length !== 3) {
      problems.push({ path, reason: 'expected <split>/<Class>/<file>' });
      continue;
    }
    const [splitFolder, classFolder, fileName] = parts as [string, string, string];
    const split = splitFromFolder(splitFolder);
    if (!split) {
      problems.push({ path, reason: `"${splitFolder}" is not a split folder (train, val, test)` });
      continue;
    }
    const name = parseUcf101Name(fileName);
    if (!name) {
      problems.push({ path, reason: 'file name is not v_<Class>_g<NN>_c<NN>.<ext>' });
      continue;
    }
    if (name.className.toLowerCase() !== classFolder.toLowerCase()) {
      problems.push({
        path,
        reason: `file names class "${name.className}" but sits in folder "${classFolder}"`,
      });
    }
    const key = groupKey(name.className, name.group);
    const seen = splitOfGroup.get(key);
    if (seen && seen.split !== split) {
      problems.push({
        path,
        reason: `group g${name.group} of ${name.className} is also in ${seen.split} (${seen.path})`,
      });
    } else if (!seen) {
      splitOfGroup.set(key, { split, path });
    }
  }
  return problems;
}
