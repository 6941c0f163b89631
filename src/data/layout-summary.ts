/**
 * Clips per split and class for files laid out as `<root>/<split>/<Class>/<file>`: the first look at a
 * dataset, before anything is decoded.
 */
import type { SplitName } from './ucf101.ts';
import { splitFromFolder } from './ucf101.ts';

export interface LayoutSummary {
  classes: string[];
  splits: SplitName[];
  /** counts[class][split] */
  counts: Record<string, Partial<Record<SplitName, number>>>;
  total: number;
  /** Files whose path does not follow the layout. */
  unplaced: string[];
}

const SPLIT_ORDER: SplitName[] = ['train', 'val', 'test'];

export function summarizeSplitLayout(paths: readonly string[]): LayoutSummary {
  const counts: LayoutSummary['counts'] = {};
  const splits = new Set<SplitName>();
  const unplaced: string[] = [];
  let total = 0;
  for (const path of paths) {
    const parts = path.split('/');
    const split = parts.length >= 3 ? splitFromFolder(parts[parts.length - 3]!) : null;
    if (!split) {
      unplaced.push(path);
      continue;
    }
    const className = parts[parts.length - 2]!;
    const row = (counts[className] ??= {});
    row[split] = (row[split] ?? 0) + 1;
    splits.add(split);
    total++;
  }
  return {
    classes: Object.keys(counts).sort(),
    splits: SPLIT_ORDER.filter((s) => splits.has(s)),
    counts,
    total,
    unplaced,
  };
}
