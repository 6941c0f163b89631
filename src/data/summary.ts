/**
 * The dataset summary the page shows (clips per class per split, duration, resolutions, codecs) and the
 * warnings worth acting on before training: a class missing from a split, a class with very few clips,
 * duplicate files, clips shorter than the sampling window, UCF101 groups shared between splits.
 */
import type { ClipRecord, DatasetIndex, DatasetWarning } from './dataset-index.ts';
import { isShorterThanWindow, windowLength, type TemporalSpec } from './sampling.ts';
import { SPLIT_NAMES } from './splits.ts';
import type { SplitName } from './ucf101.ts';

/** Below this many training clips a class is flagged. */
export const FEW_TRAIN_CLIPS = 5;

export interface CountedValue {
  value: string;
  count: number;
}

export interface DatasetSummary {
  classes: string[];
  splits: SplitName[];
  /** counts[class][split] */
  counts: Record<string, Record<SplitName, number>>;
  splitTotals: Record<SplitName, number>;
  totalClips: number;
  totalDurationS: number;
  resolutions: CountedValue[];
  codecs: CountedValue[];
  containers: CountedValue[];
  frameRates: CountedValue[];
  shortClips: number;
}

function tally(values: readonly string[]): CountedValue[] {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts]
    .map(([value, count]) => ({ value, count }))
    .sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : 1));
}

function formatFps(fps: number): string {
  return Number.isInteger(fps) ? String(fps) : fps.toFixed(2);
}

export function summarizeDataset(
  index: Pick<DatasetIndex, 'classes' | 'clips'>,
  temporal: Pick<TemporalSpec, 'numFrames' | 'sampleRate'>,
): DatasetSummary {
  const counts: DatasetSummary['counts'] = {};
  for (const name of index.classes) counts[name] = { train: 0, val: 0, test: 0 };
  const splitTotals: Record<SplitName, number> = { train: 0, val: 0, test: 0 };
  for (const clip of index.clips) {
    counts[clip.label] ??= { train: 0, val: 0, test: 0 };
    counts[clip.label]![clip.split]++;
    splitTotals[clip.split]++;
  }
  return {
    classes: index.classes,
    splits: SPLIT_NAMES.filter((s) => splitTotals[s] > 0),
    counts,
    splitTotals,
    totalClips: index.clips.length,
    totalDurationS: index.clips.reduce((sum, c) => sum + c.durationS, 0),
    resolutions: tally(index.clips.map((c) => `${c.width}x${c.height}`)),
    codecs: tally(index.clips.map((c) => c.codec)),
    containers: tally(index.clips.map((c) => c.container.toUpperCase())),
    frameRates: tally(index.clips.map((c) => `${formatFps(c.fps)} fps`)),
    shortClips: index.clips.filter((c) => isShorterThanWindow(c.frameCount, temporal)).length,
  };
}

function listNames(names: readonly string[], max = 4): string {
  const shown = names.slice(0, max).join(', ');
  return names.length > max ? `${shown} and ${names.length - max} more` : shown;
}

export function datasetWarnings(
  index: Pick<DatasetIndex, 'classes' | 'clips'>,
  temporal: Pick<TemporalSpec, 'numFrames' | 'sampleRate'>,
): DatasetWarning[] {
  const summary = summarizeDataset(index, temporal);
  const warnings: DatasetWarning[] = [];
  if (summary.classes.length === 1) {
    warnings.push({
      kind: 'single-class',
      message: `Only one class (${summary.classes[0]}): a classifier needs at least two.`,
    });
  }
  for (const split of summary.splits) {
    const missing = summary.classes.filter((c) => summary.counts[c]![split] === 0);
    if (missing.length > 0) {
      warnings.push({
        kind: 'missing-from-split',
        message: `${listNames(missing)} ${missing.length === 1 ? 'has' : 'have'} no clips in ${split}.`,
      });
    }
  }
  const few = summary.classes.filter((c) => {
    const n = summary.counts[c]!.train;
    return n > 0 && n < FEW_TRAIN_CLIPS;
  });
  if (few.length > 0) {
    warnings.push({
      kind: 'few-clips',
      message: `${listNames(few)}: fewer than ${FEW_TRAIN_CLIPS} training clips.`,
    });
  }
  const byFingerprint = new Map<string, ClipRecord[]>();
  for (const clip of index.clips) {
    const same = byFingerprint.get(clip.fingerprint) ?? [];
    same.push(clip);
    byFingerprint.set(clip.fingerprint, same);
  }
  const duplicates = [...byFingerprint.values()].filter((g) => g.length > 1);
  if (duplicates.length > 0) {
    const examples = duplicates.map((g) => g.map((c) => c.path).join(' = '));
    const across = duplicates.filter((g) => new Set(g.map((c) => c.split)).size > 1).length;
    warnings.push({
      kind: 'duplicates',
      message:
        `${duplicates.length} file${duplicates.length === 1 ? ' appears' : 's appear'} more than once` +
        (across > 0 ? ` (${across} across splits: the test set leaks training data)` : '') +
        `: ${listNames(examples, 3)}.`,
    });
  }
  const leaks = groupsInSeveralSplits(index.clips);
  if (leaks.length > 0) {
    warnings.push({
      kind: 'group-leak',
      message:
        `${leaks.length} UCF101 group${leaks.length === 1 ? ' is' : 's are'} in more than one split ` +
        `(same actor and scene in training and test): ${listNames(leaks)}.`,
    });
  }
  if (summary.shortClips > 0) {
    warnings.push({
      kind: 'short-clips',
      message:
        `${summary.shortClips} clip${summary.shortClips === 1 ? ' is' : 's are'} shorter than the ` +
        `${windowLength(temporal)}-frame sampling window (${temporal.numFrames} frames every ` +
        `${temporal.sampleRate}): their last frame is repeated.`,
    });
  }
  return warnings;
}

function groupsInSeveralSplits(clips: readonly ClipRecord[]): string[] {
  const splits = new Map<string, Set<SplitName>>();
  for (const clip of clips) {
    if (!clip.group) continue;
    const set = splits.get(clip.group) ?? new Set<SplitName>();
    set.add(clip.split);
    splits.set(clip.group, set);
  }
  return [...splits]
    .filter(([, s]) => s.size > 1)
    .map(([g]) => g)
    .sort();
}
