/**
 * Small pieces of the ingest: bounded concurrency, progress with an ETA, content fingerprints, UCF101 split
 * lists among the dropped files.
 */
import type { SkippedFile } from '../dataset-index.ts';
import { hashBytes } from '../hash.ts';
import { fileRole } from '../media-files.ts';
import type { SourceFile } from '../source-files.ts';
import { parseClassIndex, parseSplitList, type SplitListFold, type SplitLists } from '../split-lists.ts';
import type { BatchRequest, IngestProgress } from './protocol.ts';

const FINGERPRINT_BYTES = 64 * 1024;

export class Semaphore {
  private waiting: (() => void)[] = [];
  private free: number;
  constructor(slots: number) {
    this.free = slots;
  }
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.free === 0) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.free--;
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.free++;
    }
  }
}

export class ProgressClock {
  private readonly started = performance.now();
  private lastSent = 0;
  constructor(
    private readonly phase: IngestProgress['phase'],
    private readonly total: number,
    private readonly send?: (p: IngestProgress) => void,
  ) {}

  report(done: number, failed: number, current: string | null, force = false): void {
    if (!this.send) return;
    const now = performance.now();
    if (!force && now - this.lastSent < 100) return;
    this.lastSent = now;
    const elapsedS = (now - this.started) / 1000;
    const etaS =
      done > 0 && done < this.total ? (elapsedS / done) * (this.total - done) : done >= this.total ? 0 : null;
    // Fire and forget: a slow page must not slow the ingest.
    void Promise.resolve(
      this.send({ phase: this.phase, done, total: this.total, failed, current, elapsedS, etaS }),
    ).catch(() => undefined);
  }

  get elapsedS(): number {
    return (performance.now() - this.started) / 1000;
  }
}

export function uniqueByPath(files: readonly SkippedFile[]): SkippedFile[] {
  const byPath = new Map(files.map((f) => [f.path, f]));
  return [...byPath.values()].sort((a, b) => (a.path < b.path ? -1 : 1));
}

export function requestKey(request: BatchRequest): string {
  return JSON.stringify([request.clipIds, request.spec, request.seed, request.epoch]);
}

export async function fingerprint(file: Blob): Promise<string> {
  const head = new Uint8Array(await file.slice(0, FINGERPRINT_BYTES).arrayBuffer());
  const tail =
    file.size > FINGERPRINT_BYTES
      ? new Uint8Array(
          await file.slice(Math.max(FINGERPRINT_BYTES, file.size - FINGERPRINT_BYTES)).arrayBuffer(),
        )
      : new Uint8Array(0);
  return `${file.size}:${hashBytes(head)}:${hashBytes(tail)}`;
}

export async function readSplitLists(files: readonly SourceFile[]): Promise<SplitLists | null> {
  let classes: string[] | null = null;
  const folds = new Map<number, SplitListFold>();
  for (const { path, file } of files) {
    const role = fileRole(path);
    if (role.kind !== 'split-list') continue;
    const text = await file.text();
    if (role.list.type === 'classes') {
      classes = parseClassIndex(text);
      continue;
    }
    const fold = folds.get(role.list.fold) ?? { fold: role.list.fold, train: null, test: null };
    fold[role.list.type] = parseSplitList(text);
    folds.set(role.list.fold, fold);
  }
  if (!classes && folds.size === 0) return null;
  return { classes, folds: [...folds.values()] };
}
