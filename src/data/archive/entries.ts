/**
 * What the tar and zip readers share: which entry names become files (and under which path), how an
 * entry's bytes become one `File` without holding them twice, and how a reader reports progress and faults.
 */
import type { SkippedFile } from '../dataset-index.ts';
import { baseName, type SourceFile } from '../source-files.ts';

/**
 * The rest of the archive cannot be read (corrupt, truncated, not an archive at all). Entries completed
 * before it stay; the message becomes the archive's problem.
 */
export class ArchiveFault extends Error {
  override name = 'ArchiveFault';
}

export interface ArchiveProgress {
  /** The archive's path, as it was given. */
  file: string;
  /** How far into the archive file the reader has got (compressed bytes for .tar.gz). */
  readBytes: number;
  totalBytes: number;
  /** Files taken from this archive so far. */
  entries: number;
}

/**
 * The ingest must never drown in progress messages: at most one every 100 ms, plus the first and the
 * last of each archive.
 */
const PROGRESS_INTERVAL_MS = 100;

/**
 * Entry bytes that arrive in pieces (decompressed chunks) are folded into a Blob every few MiB: the
 * pieces are copied once into blob storage (which the browser may page to disk) and dropped, so an entry
 * is never held in memory as chunks and as a File at the same time for more than this much.
 */
const FLUSH_BYTES = 4 << 20;

export class BlobBuilder {
  private readonly parts: Blob[] = [];
  private pending: Uint8Array<ArrayBuffer>[] = [];
  private pendingBytes = 0;
  size = 0;

  push(chunk: Uint8Array<ArrayBuffer>): void {
    if (chunk.byteLength === 0) return;
    this.pending.push(chunk);
    this.pendingBytes += chunk.byteLength;
    this.size += chunk.byteLength;
    if (this.pendingBytes >= FLUSH_BYTES) {
      this.parts.push(new Blob(this.pending));
      this.pending = [];
      this.pendingBytes = 0;
    }
  }

  /** Blob parts are referenced, not copied, by a new Blob or File. */
  finish(): BlobPart[] {
    const all: BlobPart[] = [...this.parts, ...this.pending];
    this.pending = [];
    return all;
  }
}

/** Where an entry's name leads: a file path, silence (metadata we never want), or a refusal. */
type EntryVerdict = { kind: 'keep'; path: string } | { kind: 'skip' } | { kind: 'unsafe' };

/** `name` is `/`-separated; zip readers turn DOS backslashes into slashes before. */
export function judgeEntryName(name: string): EntryVerdict {
  // Absolute paths (`/etc/x`, `C:/x`, `//host/x`) and any `..` could escape wherever a user extracts to;
  // they are refused, not repaired, so the user sees that the archive is odd.
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) return { kind: 'unsafe' };
  const parts = name.split('/').filter((part) => part !== '' && part !== '.');
  if (parts.includes('..')) return { kind: 'unsafe' };
  if (parts.length === 0) return { kind: 'skip' };
  const base = parts[parts.length - 1]!;
  // Finder's zips carry `__MACOSX/` resource forks and `._name` AppleDouble files, which bear a
  // video's extension and no video.
  if (parts.includes('__MACOSX') || base.startsWith('._') || base === '.DS_Store') return { kind: 'skip' };
  return { kind: 'keep', path: parts.join('/') };
}

function dirName(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash + 1);
}

/** Collects one archive's entries and problems, and keeps its progress reports. */
export class ArchiveContext {
  /** The archive's base name: every message starts with it. */
  readonly name: string;
  /**
   * Entries land where they would be had the archive been extracted in place: a dropped
   * `UCF101_subset.tar.gz` gives `UCF101_subset/train/...`, the same paths a drop of the folder gives.
   */
  private readonly prefix: string;
  /** Keyed by path: an archive may hold one path twice (tar --append), and the later one wins, as on disk. */
  private readonly files = new Map<string, SourceFile>();
  readonly problems: SkippedFile[] = [];
  private lastReport = -Infinity;
  private readBytes = 0;

  constructor(
    readonly archive: SourceFile,
    readonly signal: AbortSignal | undefined,
    private readonly onProgress: ((p: ArchiveProgress) => void) | undefined,
  ) {
    this.name = baseName(archive.path);
    this.prefix = dirName(archive.path);
  }

  /** The path an entry gets, or null when it is to be left out (an unsafe name is reported here). */
  accept(name: string): string | null {
    const verdict = judgeEntryName(name);
    if (verdict.kind === 'keep') return this.prefix + verdict.path;
    if (verdict.kind === 'unsafe')
      this.problems.push({ path: name, reason: `${this.name}: unsafe path in archive` });
    return null;
  }

  addFile(path: string, parts: BlobPart[], mtimeMs: number): void {
    const lastModified = Number.isFinite(mtimeMs) ? mtimeMs : Date.now();
    this.files.delete(path);
    this.files.set(path, { path, file: new File(parts, baseName(path), { lastModified }) });
    this.progress(this.readBytes);
  }

  /** A problem with one entry; the rest of the archive is still read. */
  entryProblem(path: string, reason: string): void {
    this.problems.push({ path, reason: `${this.name}: ${reason}` });
  }

  /** The archive could not be read from some point on. */
  fault(reason: string): void {
    this.problems.push({ path: this.archive.path, reason: `${this.name}: ${reason}` });
  }

  get entries(): SourceFile[] {
    return [...this.files.values()];
  }

  progress(readBytes: number, force = false): void {
    this.readBytes = Math.max(this.readBytes, readBytes);
    if (!this.onProgress) return;
    const now = performance.now();
    if (!force && now - this.lastReport < PROGRESS_INTERVAL_MS) return;
    this.lastReport = now;
    this.onProgress({
      file: this.archive.path,
      readBytes: this.readBytes,
      totalBytes: this.archive.file.size,
      entries: this.files.size,
    });
  }

  throwIfAborted(): void {
    this.signal?.throwIfAborted();
  }
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
