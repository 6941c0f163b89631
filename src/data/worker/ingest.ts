/**
 * The ingest's pure steps: dropped archives unpacked into the files they hold, and the scanned files turned
 * into the dataset index (labels, splits, skipped and ignored files, warnings).
 */
import { expandArchives, isArchive } from '../archive/index.ts';
import type { PreprocessSettings } from '../clip-spec.ts';
import type { ClipRecord, DatasetIndex, SkippedFile } from '../dataset-index.ts';
import type { ProbedClip } from '../decode/clip-source.ts';
import { DataError } from '../errors.ts';
import { inferLabels, LABEL_RULE_TEXT, type SplitOptions } from '../labels.ts';
import { baseName, type SourceFile } from '../source-files.ts';
import type { SplitLists } from '../split-lists.ts';
import { datasetWarnings } from '../summary.ts';
import { ProgressClock, uniqueByPath } from './ingest-helpers.ts';
import type { IngestProgress } from './protocol.ts';

const MAX_IGNORED_EXAMPLES = 8;

/** What a scan found, before labelling: the video files, their probes, and what was left out and why. */
export interface Scanned {
  name: string;
  files: Map<string, File>;
  lists: SplitLists | null;
  /** Probed clips by path. */
  probed: Map<string, ProbedClip>;
  fingerprints: Map<string, string>;
  /** Skipped before labelling, or while probing / decoding. */
  skipped: SkippedFile[];
  ignored: string[];
}

/**
 * Dropped archives (`.tar.gz`, `.tgz`, `.tar`, `.zip`) replaced by the files they hold, read as streams
 * (never the whole archive at once). When the drop was archives only, the dataset takes the name of the
 * one folder they hold (`UCF101_subset`) or of the archive.
 */
export async function unpackArchives(
  files: SourceFile[],
  signal: AbortSignal,
  onProgress?: (p: IngestProgress) => void,
): Promise<{ files: SourceFile[]; problems: SkippedFile[]; name: string | null }> {
  if (!files.some((f) => isArchive(f.path))) return { files, problems: [], name: null };
  const total = files.filter((f) => isArchive(f.path)).reduce((sum, f) => sum + f.file.size, 0);
  const clock = new ProgressClock('extract', total, onProgress);
  const before = new Map<string, number>();
  const expanded = await expandArchives(files, {
    signal,
    onProgress: (p) => {
      before.set(p.file, p.readBytes);
      const read = [...before.values()].reduce((a, b) => a + b, 0);
      clock.report(read, 0, p.file);
    },
  });
  clock.report(total, 0, null, true);
  let name: string | null = null;
  if (expanded.archives.length === files.length) {
    const tops = new Set(expanded.files.map((f) => f.path.split('/')[0]));
    name =
      tops.size === 1 && expanded.files.every((f) => f.path.includes('/'))
        ? [...tops][0]!
        : baseName(expanded.archives[0]!).replace(/\.(tar\.gz|tgz|tar|zip)$/i, '');
  }
  const sorted = [...expanded.files].sort((a, b) => (a.path < b.path ? -1 : 1));
  return { files: sorted, problems: expanded.problems, name };
}

/** Labels the probed clips (made-up splits are computed over usable clips only) and builds the index. */
export function buildIndex(
  scanned: Scanned,
  split: SplitOptions,
  preprocess: PreprocessSettings,
): DatasetIndex {
  const usable = [...scanned.probed.keys()];
  if (usable.length === 0) {
    throw new DataError(
      `None of the ${scanned.files.size} video files could be used: ` +
        scanned.skipped
          .slice(0, 3)
          .map((s) => `${baseName(s.path)} (${s.reason})`)
          .join(', '),
    );
  }
  const labels = inferLabels(usable, scanned.lists, split);
  const classes = labels.classes;
  const clips: ClipRecord[] = labels.clips.map((c) => {
    const file = scanned.files.get(c.path)!;
    const probed = scanned.probed.get(c.path)!;
    return {
      ...probed.media,
      id: c.path,
      path: c.path,
      name: baseName(c.path),
      size: file.size,
      lastModified: file.lastModified,
      label: c.className,
      labelIndex: classes.indexOf(c.className),
      split: c.split,
      group: c.group,
      fingerprint: scanned.fingerprints.get(c.path) ?? '',
    };
  });
  const index: DatasetIndex = {
    name: scanned.name,
    classes,
    clips,
    rule: labels.rule,
    ruleText: LABEL_RULE_TEXT[labels.rule],
    splitSource: labels.splitSource,
    fold: labels.fold,
    splitOptions: split,
    skipped: uniqueByPath([...scanned.skipped, ...labels.rejected]),
    ignoredCount: scanned.ignored.length,
    ignoredExamples: scanned.ignored.slice(0, MAX_IGNORED_EXAMPLES),
    warnings: [],
  };
  index.warnings = datasetWarnings(index, preprocess);
  return index;
}
