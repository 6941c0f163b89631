/**
 * The in-memory tier of the decoded-frame cache: frames at working resolution (packed RGB), grouped by clip,
 * evicted a whole clip at a time, least recently used first, to stay within a byte budget the user sets.
 * Behind it sits a persistent tier (OPFS, opfs-frame-store.ts) so a reload does not decode again.
 *
 * Keys include the file's name, size and modification time and the working resolution, so a changed file
 * or a different preprocessing setting never reads stale frames.
 */
import { hashHex } from './hash.ts';

/** Bumped when the decoded output for the same key would change (decoder, conversion, resampler). */
export const FRAME_FORMAT_VERSION = 1;

export const DEFAULT_MEMORY_BUDGET = 512 * 2 ** 20;

export interface FrameKeyParts {
  name: string;
  size: number;
  lastModified: number;
  /** The working resolution's short-side limit. */
  maxShortSide: number;
}

export function frameCacheKey(parts: FrameKeyParts): string {
  return hashHex(
    `${parts.name}|${parts.size}|${parts.lastModified}|${parts.maxShortSide}|v${FRAME_FORMAT_VERSION}`,
  );
}

export interface ClipFrames {
  width: number;
  height: number;
  frames: Map<number, Uint8Array>;
}

export interface MemoryCacheStats {
  bytes: number;
  budget: number;
  clips: number;
  frames: number;
  hits: number;
  misses: number;
  evictions: number;
}

interface Entry extends ClipFrames {
  bytes: number;
}

export class FrameCache {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;
  private hits = 0;
  private misses = 0;
  private evictions = 0;

  constructor(private budget = DEFAULT_MEMORY_BUDGET) {}

  /** Frames of `key` that are cached, and the indices that are not. Counts as a use of the clip. */
  lookup(
    key: string,
    indices: readonly number[],
  ): { width: number; height: number; found: Map<number, Uint8Array>; missing: number[] } {
    const entry = this.entries.get(key);
    const found = new Map<number, Uint8Array>();
    const missing: number[] = [];
    for (const i of new Set(indices)) {
      const frame = entry?.frames.get(i);
      if (frame) found.set(i, frame);
      else missing.push(i);
    }
    this.hits += found.size;
    this.misses += missing.length;
    if (entry) {
      this.entries.delete(key);
      this.entries.set(key, entry);
    }
    return { width: entry?.width ?? 0, height: entry?.height ?? 0, found, missing };
  }

  has(key: string, index: number): boolean {
    return this.entries.get(key)?.frames.has(index) ?? false;
  }

  /** Adds frames (all of one size) to a clip's entry, then evicts other clips beyond the budget. */
  put(key: string, width: number, height: number, frames: ReadonlyMap<number, Uint8Array>): void {
    let entry = this.entries.get(key);
    if (entry && (entry.width !== width || entry.height !== height)) {
      this.remove(key);
      entry = undefined;
    }
    if (!entry) entry = { width, height, frames: new Map(), bytes: 0 };
    this.entries.delete(key);
    this.entries.set(key, entry);
    for (const [index, data] of frames) {
      if (entry.frames.has(index)) continue;
      entry.frames.set(index, data);
      entry.bytes += data.byteLength;
      this.bytes += data.byteLength;
    }
    this.evict(key);
  }

  setBudget(bytes: number): void {
    this.budget = Math.max(0, bytes);
    this.evict(null);
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }

  stats(): MemoryCacheStats {
    let frames = 0;
    for (const e of this.entries.values()) frames += e.frames.size;
    return {
      bytes: this.bytes,
      budget: this.budget,
      clips: this.entries.size,
      frames,
      hits: this.hits,
      misses: this.misses,
      evictions: this.evictions,
    };
  }

  private remove(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.bytes -= entry.bytes;
  }

  /** Oldest clips go first; the clip just used stays even if it alone exceeds the budget. */
  private evict(keep: string | null): void {
    for (const key of this.entries.keys()) {
      if (this.bytes <= this.budget) break;
      if (key === keep) continue;
      this.remove(key);
      this.evictions++;
    }
  }
}
