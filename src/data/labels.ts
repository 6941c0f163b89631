/**
 * Labels and splits from the shape of what the user dropped. Rules, most explicit first:
 *
 * 1. `split-folders`: `<split>/<Class>/<file>` (Hugging Face's UCF101_subset), or `<split>/v_<Class>_gNN_cNN.ext`;
 * 2. `ucf101-split-files`: UCF101's `trainlist0N.txt` / `testlist0N.txt` (+ `classInd.txt`) dropped with the
 *    clips: they name the split of every clip; a validation split is carved out of the train list;
 * 3. `class-folders`: `<Class>/<file>`, splits made here;
 * 4. `ucf101-names`: flat `v_<Class>_gNN_cNN.ext`, class from the name, splits made here.
 *
 * Split files outrank class folders (the issue lists them last) because whoever drops UCF101's official
 * lists next to `UCF-101/<Class>/...` wants the official split, which a folder layout cannot express.
 * Made splits are group-aware (splits.ts). Classes are sorted by code point, like Python's `sorted()` in
 * the Hugging Face tutorial, so label ids match checkpoints fine-tuned there; with classInd.txt its order wins.
 */
import { baseName } from './source-files.ts';
import type { SplitLists, SplitListEntry } from './split-lists.ts';
import { usableFolds } from './split-lists.ts';
import { generateSplits, normalizeRatios, type SplitRatios, DEFAULT_SPLIT_RATIOS } from './splits.ts';
import { groupKey, parseUcf101Name, splitFromFolder, type SplitName } from './ucf101.ts';

export type LabelRule = 'split-folders' | 'ucf101-split-files' | 'class-folders' | 'ucf101-names';

export const LABEL_RULE_TEXT: Readonly<Record<LabelRule, string>> = {
  'split-folders': 'split and class from folders: <split>/<Class>/<file>',
  'ucf101-split-files': 'class and split from UCF101 split files (classInd.txt, trainlist/testlist)',
  'class-folders': 'class from folders: <Class>/<file>; splits made here (group-aware, seeded)',
  'ucf101-names': 'class from UCF101 file names v_<Class>_gNN_cNN; splits made here (group-aware, seeded)',
};

export interface SplitOptions {
  /** Used when the app makes splits (and for the validation part of UCF101's train list). */
  ratios: SplitRatios;
  seed: number;
  /** Which of UCF101's official folds (1-3) to use when split files are present. */
  fold: number;
}

export const DEFAULT_SPLIT_OPTIONS: SplitOptions = { ratios: DEFAULT_SPLIT_RATIOS, seed: 1, fold: 1 };

export interface LabelledClip {
  path: string;
  className: string;
  split: SplitName;
  /** Group key shared by clips of one UCF101 group, or null. */
  group: string | null;
}

export interface RejectedPath {
  path: string;
  reason: string;
}

export interface LabelResult {
  rule: LabelRule;
  /** Where the splits came from. */
  splitSource: 'folders' | 'lists' | 'generated';
  /** The fold used with `ucf101-split-files`. */
  fold: number | null;
  classes: string[];
  clips: LabelledClip[];
  rejected: RejectedPath[];
}

export class NoLabelsError extends Error {
  override name = 'NoLabelsError';
}

interface PathInfo {
  path: string;
  parts: string[];
  ucf: ReturnType<typeof parseUcf101Name>;
}

interface Draft {
  path: string;
  className: string;
  split: SplitName | null;
  group: string | null;
}

function ucfGroup(info: PathInfo): string | null {
  return info.ucf ? groupKey(info.ucf.className, info.ucf.group) : null;
}

function fromEnd(parts: readonly string[], k: number): string | undefined {
  return parts[parts.length - k];
}

/** Class names compared case-insensitively; the spelling seen most often (then the smallest) wins. */
function canonicalNames(names: readonly string[]): Map<string, string> {
  const counts = new Map<string, Map<string, number>>();
  for (const name of names) {
    const key = name.toLowerCase();
    const spellings = counts.get(key) ?? new Map<string, number>();
    spellings.set(name, (spellings.get(name) ?? 0) + 1);
    counts.set(key, spellings);
  }
  const canonical = new Map<string, string>();
  for (const [key, spellings] of counts) {
    const best = [...spellings].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]![0];
    canonical.set(key, best);
  }
  return canonical;
}

function bySplitFolders(infos: PathInfo[]): { drafts: Draft[]; rejected: RejectedPath[] } | null {
  const drafts: Draft[] = [];
  const rejected: RejectedPath[] = [];
  for (const info of infos) {
    const outer = splitFromFolder(fromEnd(info.parts, 3) ?? '');
    const inner = splitFromFolder(fromEnd(info.parts, 2) ?? '');
    if (info.parts.length >= 3 && outer && !inner) {
      drafts.push({
        path: info.path,
        className: fromEnd(info.parts, 2)!,
        split: outer,
        group: ucfGroup(info),
      });
    } else if (inner && info.ucf) {
      drafts.push({ path: info.path, className: info.ucf.className, split: inner, group: ucfGroup(info) });
    } else {
      rejected.push({ path: info.path, reason: 'not inside a train/val/test folder like the other clips' });
    }
  }
  return drafts.length * 2 >= infos.length && drafts.length > 0 ? { drafts, rejected } : null;
}

function bySplitLists(
  infos: PathInfo[],
  lists: SplitLists,
  fold: number,
): { drafts: Draft[]; rejected: RejectedPath[]; fold: number } | null {
  const folds = usableFolds(lists);
  if (folds.length === 0) return null;
  const used = folds.includes(fold) ? fold : folds[0]!;
  const lists_ = lists.folds.find((f) => f.fold === used)!;
  const index = new Map<string, { entry: SplitListEntry; split: SplitName }>();
  for (const entry of lists_.train ?? []) index.set(entry.fileKey, { entry, split: 'train' });
  for (const entry of lists_.test ?? []) index.set(entry.fileKey, { entry, split: 'test' });
  const listNames = [
    lists_.train ? `trainlist0${used}.txt` : null,
    lists_.test ? `testlist0${used}.txt` : null,
  ]
    .filter(Boolean)
    .join(' or ');
  const drafts: Draft[] = [];
  const rejected: RejectedPath[] = [];
  for (const info of infos) {
    const hit = index.get(baseName(info.path).toLowerCase());
    if (!hit) {
      rejected.push({ path: info.path, reason: `not listed in ${listNames}` });
      continue;
    }
    const { entry } = hit;
    const className =
      (entry.classIndex !== null ? lists.classes?.[entry.classIndex - 1] : undefined) ??
      entry.folder ??
      info.ucf?.className ??
      (info.parts.length >= 2 ? fromEnd(info.parts, 2)! : null);
    if (!className) {
      rejected.push({ path: info.path, reason: 'listed, but its class cannot be told' });
      continue;
    }
    drafts.push({ path: info.path, className, split: hit.split, group: ucfGroup(info) });
  }
  return drafts.length > 0 ? { drafts, rejected, fold: used } : null;
}

function byClassFoldersOrNames(infos: PathInfo[]): {
  drafts: Draft[];
  rejected: RejectedPath[];
  rule: LabelRule;
} {
  const parents = new Set(infos.filter((i) => i.parts.length >= 2).map((i) => fromEnd(i.parts, 2)!));
  const named = infos.filter((i) => i.ucf).length;
  const useNames = parents.size < 2 && named * 2 >= infos.length && named > 0;
  const drafts: Draft[] = [];
  const rejected: RejectedPath[] = [];
  for (const info of infos) {
    if (useNames) {
      if (info.ucf)
        drafts.push({ path: info.path, className: info.ucf.className, split: null, group: ucfGroup(info) });
      else
        rejected.push({
          path: info.path,
          reason: 'file name is not v_<Class>_g<NN>_c<NN>.<ext> like the others',
        });
    } else if (info.parts.length >= 2) {
      drafts.push({
        path: info.path,
        className: fromEnd(info.parts, 2)!,
        split: null,
        group: ucfGroup(info),
      });
    } else {
      rejected.push({ path: info.path, reason: 'not inside a class folder' });
    }
  }
  return { drafts, rejected, rule: useNames ? 'ucf101-names' : 'class-folders' };
}

/**
 * Infers class and split for every video path (`/`-separated, relative to what was dropped).
 * Throws NoLabelsError when no rule places any clip.
 */
export function inferLabels(
  videoPaths: readonly string[],
  lists: SplitLists | null,
  options: SplitOptions = DEFAULT_SPLIT_OPTIONS,
): LabelResult {
  normalizeRatios(options.ratios);
  const infos: PathInfo[] = [...videoPaths].sort().map((path) => ({
    path,
    parts: path.split('/').filter((p) => p.length > 0),
    ucf: parseUcf101Name(baseName(path)),
  }));
  if (infos.length === 0) throw new NoLabelsError('No video files were found.');

  let rule: LabelRule;
  let splitSource: LabelResult['splitSource'];
  let fold: number | null = null;
  let drafts: Draft[];
  let rejected: RejectedPath[];
  const folders = bySplitFolders(infos);
  const listed = folders ? null : lists ? bySplitLists(infos, lists, options.fold) : null;
  if (folders) {
    ({ drafts, rejected } = folders);
    rule = 'split-folders';
    splitSource = 'folders';
  } else if (listed) {
    ({ drafts, rejected } = listed);
    fold = listed.fold;
    rule = 'ucf101-split-files';
    splitSource = 'lists';
  } else {
    ({ drafts, rejected, rule } = byClassFoldersOrNames(infos));
    splitSource = 'generated';
  }
  if (drafts.length === 0) {
    throw new NoLabelsError(
      'Could not tell the class of any clip: use one folder per class, UCF101 names (v_<Class>_gNN_cNN), ' +
        'or train/val/test folders.',
    );
  }

  // UCF101 spells some classes two ways (HandstandPushups / HandStandPushups): merge them.
  const canonical = canonicalNames(drafts.map((d) => d.className));
  for (const d of drafts) d.className = canonical.get(d.className.toLowerCase())!;

  if (splitSource === 'generated') {
    const splits = generateSplits(
      drafts.map((d) => ({ id: d.path, className: d.className, group: d.group })),
      options.ratios,
      options.seed,
    );
    for (const d of drafts) d.split = splits.get(d.path)!;
  } else if (splitSource === 'lists' && options.ratios.val > 0) {
    // The official lists have no validation split: carve one out of the train list, by group.
    const train = drafts.filter((d) => d.split === 'train');
    const splits = generateSplits(
      train.map((d) => ({ id: d.path, className: d.className, group: d.group })),
      { train: options.ratios.train, val: options.ratios.val, test: 0 },
      options.seed,
    );
    for (const d of train) d.split = splits.get(d.path)!;
  }

  const present = new Set(drafts.map((d) => d.className));
  const ordered = lists?.classes && rule === 'ucf101-split-files' ? orderLike(lists.classes, present) : null;
  const classes = ordered ?? [...present].sort();
  return {
    rule,
    splitSource,
    fold,
    classes,
    clips: drafts.map((d) => ({ path: d.path, className: d.className, split: d.split!, group: d.group })),
    rejected,
  };
}

/** classInd order for the classes that have clips, then any others by code point. */
function orderLike(reference: readonly string[], present: ReadonlySet<string>): string[] {
  const lower = new Map([...present].map((c) => [c.toLowerCase(), c]));
  const ordered: string[] = [];
  for (const name of reference) {
    const hit = lower.get(name.toLowerCase());
    if (hit) {
      ordered.push(hit);
      lower.delete(name.toLowerCase());
    }
  }
  return [...ordered, ...[...lower.values()].sort()];
}
