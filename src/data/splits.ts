/**
 * Seeded, group-aware, class-stratified splits. Clips of one group (a UCF101 `gNN`: one actor and scene)
 * always land in the same split, otherwise the test set shares backgrounds and people with training and
 * its accuracy means little.
 */
import { Rng } from '../util/rng.ts';
import type { SplitName } from './ucf101.ts';

export interface SplitRatios {
  train: number;
  val: number;
  test: number;
}

export const SPLIT_NAMES: readonly SplitName[] = ['train', 'val', 'test'];

export const DEFAULT_SPLIT_RATIOS: SplitRatios = { train: 0.7, val: 0.15, test: 0.15 };

export interface SplitCandidate {
  /** Unique id of the clip. */
  id: string;
  className: string;
  /** Clips sharing a group key never go to different splits; null: the clip is its own group. */
  group: string | null;
}

export class InvalidSplitRatiosError extends Error {
  override name = 'InvalidSplitRatiosError';
}

export function normalizeRatios(ratios: SplitRatios): SplitRatios {
  const values = SPLIT_NAMES.map((s) => ratios[s]);
  if (values.some((v) => !Number.isFinite(v) || v < 0)) {
    throw new InvalidSplitRatiosError(
      `split ratios must be non-negative numbers, got ${JSON.stringify(ratios)}`,
    );
  }
  const total = values.reduce((a, b) => a + b, 0);
  if (total <= 0) throw new InvalidSplitRatiosError('at least one split ratio must be above zero');
  return { train: ratios.train / total, val: ratios.val / total, test: ratios.test / total };
}

/**
 * Assigns each candidate a split. Per class, groups are visited in a seeded random order and each goes to
 * the split furthest below its target clip count, so proportions hold per class as closely as whole groups
 * allow. Splits with ratio 0 get nothing.
 */
export function generateSplits(
  candidates: readonly SplitCandidate[],
  ratios: SplitRatios,
  seed: number | string,
): Map<string, SplitName> {
  const normalized = normalizeRatios(ratios);
  const open = SPLIT_NAMES.filter((s) => normalized[s] > 0);
  const byClass = new Map<string, Map<string, string[]>>();
  for (const c of candidates) {
    const groups = byClass.get(c.className) ?? new Map<string, string[]>();
    byClass.set(c.className, groups);
    const key = c.group ?? `clip:${c.id}`;
    const members = groups.get(key) ?? [];
    members.push(c.id);
    groups.set(key, members);
  }
  const result = new Map<string, SplitName>();
  for (const className of [...byClass.keys()].sort()) {
    const groups = byClass.get(className)!;
    const rng = new Rng(`${seed}/splits/${className}`);
    const order = rng.shuffle([...groups.keys()].sort());
    const total = [...groups.values()].reduce((sum, m) => sum + m.length, 0);
    const assigned: Record<SplitName, number> = { train: 0, val: 0, test: 0 };
    for (const key of order) {
      const members = groups.get(key)!;
      let best = open[0]!;
      let bestDeficit = -Infinity;
      for (const split of open) {
        const deficit = normalized[split] * total - assigned[split];
        if (deficit > bestDeficit) {
          best = split;
          bestDeficit = deficit;
        }
      }
      assigned[best] += members.length;
      for (const id of members) result.set(id, best);
    }
  }
  return result;
}
