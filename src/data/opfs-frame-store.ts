/**
 * The persistent tier of the frame cache: one file per clip key in the origin private file system, read and
 * written with synchronous access handles (dedicated workers only, the fastest OPFS API). Layout:
 * a 16-byte header (magic, version, width, height), then records of [u32 frame index][w*h*3 RGB bytes];
 * new frames are appended, and a torn last record (a crash mid-write) is ignored. Reading a few frames of a
 * clip reads only those records. When the disk budget or the browser's quota is reached, persisting stops
 * and the stats say so; the memory tier keeps working.
 *
 * In incognito windows (and Playwright's browser contexts) Chrome keeps OPFS in memory and every write crosses
 * to the browser process: ~1 MB takes 40-130 ms there against 1-3 ms in a normal profile (measured here).
 */
import { FRAME_FORMAT_VERSION, type ClipFrames } from './frame-cache.ts';
import { settleWithin } from '../util/settle-within.ts';

const DIRECTORY = 'frame-cache';
const MAGIC = 0x43464d56; // "VMFC"
const HEADER_BYTES = 16;

export const DEFAULT_DISK_BUDGET = 4 * 2 ** 30;
/**
 * Frames take at most this share of the origin's storage quota: the rest is for the runs' checkpoints (which
 * failed with "exceeds its storage quota" once the frames of a 400-clip dataset had filled it) and the Hub
 * cache. Frames can always be decoded again; a lost checkpoint cannot be remade.
 */
const QUOTA_SHARE = 0.5;
/** Far above the slowest operation measured (a ~1 MB write in an incognito profile: 130 ms). */
const OPERATION_LIMIT_MS = 60_000;

/** The parts of FileSystemSyncAccessHandle we use (typed in lib.webworker, not lib.dom). */
interface SyncHandle {
  read(buffer: ArrayBufferView, options?: { at: number }): number;
  write(buffer: ArrayBufferView, options?: { at: number }): number;
  getSize(): number;
  truncate(size: number): void;
  close(): void;
}

interface SyncFileHandle extends FileSystemFileHandle {
  createSyncAccessHandle(): Promise<SyncHandle>;
}

export interface DiskCacheStats {
  available: boolean;
  bytes: number;
  clips: number;
  budget: number;
  /** Why frames are not being persisted, when they are not. */
  note: string | null;
}

/** Where a file operation is, for the message when it hangs. */
interface Step {
  step: string;
}

interface FileIndex {
  width: number;
  height: number;
  /** frame index -> record number */
  records: Map<number, number>;
  size: number;
}

export class OpfsFrameStore {
  private dir: FileSystemDirectoryHandle | null = null;
  private ready: Promise<void> | null = null;
  private readonly indexes = new Map<string, FileIndex>();
  private readonly keys = new Set<string>();
  /** Per file, the end of its queue of operations (sync access handles are exclusive per file). */
  private readonly queues = new Map<string, Promise<unknown>>();
  /** The end of the last whole-store operation (clear): every file's operations start after it. */
  private barrier: Promise<unknown> = Promise.resolve();
  private bytes = 0;
  private note: string | null = null;
  private failures = 0;
  private lastFailure: string | null = null;
  private available = false;
  /** QUOTA_SHARE of the quota, less what others of this origin already store; Infinity when not known. */
  private quotaShare = Infinity;

  constructor(private budget = DEFAULT_DISK_BUDGET) {}

  /** The budget in force: the user's, or the share of the quota left to frames when that is smaller. */
  private get effectiveBudget(): number {
    return Math.min(this.budget, this.quotaShare);
  }

  /** Opens the directory and measures what is there; resolves even when OPFS is unavailable. */
  init(): Promise<void> {
    this.ready ??= (async () => {
      try {
        const root = await navigator.storage.getDirectory();
        const dir = await root.getDirectoryHandle(DIRECTORY, { create: true });
        const probe = (await dir.getFileHandle('.probe', { create: true })) as SyncFileHandle;
        if (typeof probe.createSyncAccessHandle !== 'function')
          throw new Error('no synchronous access handles');
        (await probe.createSyncAccessHandle()).close();
        await dir.removeEntry('.probe');
        let bytes = 0;
        for await (const handle of (
          dir as unknown as { values(): AsyncIterable<FileSystemHandle> }
        ).values()) {
          if (handle.kind !== 'file') continue;
          bytes += (await (handle as FileSystemFileHandle).getFile()).size;
          this.keys.add(handle.name);
        }
        this.dir = dir;
        this.bytes = bytes;
        this.available = true;
        const estimate = await navigator.storage.estimate?.().catch(() => null);
        if (estimate?.quota) {
          const others = Math.max(0, (estimate.usage ?? 0) - bytes);
          this.quotaShare = Math.max(0, Math.floor(estimate.quota * QUOTA_SHARE - others));
        }
      } catch (error) {
        this.note = `not persisted: the browser's private file system is unavailable (${String(error)})`;
      }
    })();
    return this.ready;
  }

  /**
   * Runs `task` after the operations queued before it on the same file (`key`), or, for a whole-store
   * operation (`key` null), after every queued operation; files do not wait for each other. An operation
   * that does not settle in OPERATION_LIMIT_MS is given up (a read finds nothing, a write stores nothing) so
   * that it cannot block later reads of its file, and with them every batch; the frames then come from
   * memory and the decoder.
   */
  private serial<T>(
    key: string | null,
    what: string,
    task: (progress: Step) => Promise<T>,
    fallback: T,
  ): Promise<T> {
    const guarded = (): Promise<T> => {
      // Which await an operation sits at, so that a hang names the OPFS call that hung.
      const progress: Step = { step: 'waiting to start' };
      return settleWithin(task(progress), OPERATION_LIMIT_MS, () => {
        this.noteFailure(`${what} took over ${OPERATION_LIMIT_MS / 1000} s, at ${progress.step}`);
        return fallback;
      });
    };
    if (key === null) {
      const result = Promise.allSettled([this.barrier, ...this.queues.values()]).then(guarded);
      this.barrier = result.catch(() => undefined);
      this.queues.clear();
      return result;
    }
    const result = (this.queues.get(key) ?? this.barrier).then(guarded, guarded);
    const tail = result.catch(() => undefined);
    this.queues.set(key, tail);
    void tail.then(() => {
      if (this.queues.get(key) === tail) this.queues.delete(key);
    });
    return result;
  }

  /** A write that failed for a passing reason: that clip is not stored, and later clips still are. */
  private noteFailure(reason: string): void {
    this.failures++;
    this.lastFailure = reason;
  }

  private async open(key: string, create: boolean, progress: Step): Promise<SyncHandle | null> {
    if (!this.dir) return null;
    try {
      progress.step = 'getFileHandle';
      const file = (await this.dir.getFileHandle(key, { create })) as SyncFileHandle;
      progress.step = 'createSyncAccessHandle';
      return await file.createSyncAccessHandle();
    } catch (error) {
      if ((error as DOMException).name === 'NotFoundError') return null;
      throw error;
    }
  }

  private indexOf(key: string, handle: SyncHandle): FileIndex | null {
    const known = this.indexes.get(key);
    const size = handle.getSize();
    if (known && known.size === size) return known;
    if (size < HEADER_BYTES) return null;
    const header = new Uint32Array(4);
    handle.read(header, { at: 0 });
    if (header[0] !== MAGIC || header[1] !== FRAME_FORMAT_VERSION) return null;
    const width = header[2]!;
    const height = header[3]!;
    const recordBytes = 4 + width * height * 3;
    const count = Math.floor((size - HEADER_BYTES) / recordBytes);
    const records = new Map<number, number>();
    const word = new Uint32Array(1);
    for (let r = 0; r < count; r++) {
      handle.read(word, { at: HEADER_BYTES + r * recordBytes });
      records.set(word[0]!, r);
    }
    const index = { width, height, records, size: HEADER_BYTES + count * recordBytes };
    this.indexes.set(key, index);
    return index;
  }

  /** The stored frames among `indices`, or null when the clip has none stored. */
  read(key: string, indices: readonly number[]): Promise<ClipFrames | null> {
    return this.serial<ClipFrames | null>(
      key,
      `reading ${key}`,
      async (progress) => {
        progress.step = 'opening the cache directory';
        await this.init();
        const handle = await this.open(key, false, progress);
        if (!handle) return null;
        progress.step = 'reading';
        try {
          const index = this.indexOf(key, handle);
          if (!index) return null;
          const frameBytes = index.width * index.height * 3;
          const frames = new Map<number, Uint8Array>();
          for (const i of new Set(indices)) {
            const record = index.records.get(i);
            if (record === undefined) continue;
            const data = new Uint8Array(frameBytes);
            handle.read(data, { at: HEADER_BYTES + record * (4 + frameBytes) + 4 });
            frames.set(i, data);
          }
          return { width: index.width, height: index.height, frames };
        } finally {
          handle.close();
        }
      },
      null,
    );
  }

  /** Appends the frames not stored yet. Never throws: persistence is best effort. */
  write(key: string, width: number, height: number, frames: ReadonlyMap<number, Uint8Array>): Promise<void> {
    return this.serial(
      key,
      `writing ${key}`,
      async (progress) => {
        progress.step = 'opening the cache directory';
        await this.init();
        if (!this.dir || this.note) return;
        let handle: SyncHandle | null = null;
        try {
          handle = await this.open(key, true, progress);
          if (!handle) return;
          progress.step = 'writing';
          let index = this.indexOf(key, handle);
          if (!index || index.width !== width || index.height !== height) {
            this.bytes -= handle.getSize();
            handle.truncate(0);
            handle.write(new Uint32Array([MAGIC, FRAME_FORMAT_VERSION, width, height]), { at: 0 });
            index = { width, height, records: new Map(), size: HEADER_BYTES };
            this.bytes += HEADER_BYTES;
          }
          const frameBytes = width * height * 3;
          const fresh = [...frames].filter(([i]) => !index.records.has(i));
          if (fresh.length === 0) return;
          const budget = this.effectiveBudget;
          if (this.bytes + fresh.length * (4 + frameBytes) > budget) {
            const share = budget < this.budget ? ', half the browser’s storage quota' : '';
            this.note = `disk cache full (budget ${Math.round(budget / (1 << 20))} MiB${share}): new frames are kept in memory only`;
            return;
          }
          let at = index.size;
          const record = new Uint8Array(4 + frameBytes);
          const word = new Uint32Array(record.buffer, 0, 1);
          for (const [i, data] of fresh) {
            word[0] = i;
            record.set(data, 4);
            handle.write(record, { at });
            index.records.set(i, (at - HEADER_BYTES) / (4 + frameBytes));
            at += record.length;
          }
          // No flush(): close() hands the data to the OS, which is enough for a cache. A crash can lose the last
          // clip's frames, which then decode again (a torn record is ignored on read).
          this.keys.add(key);
          this.bytes += at - index.size;
          index.size = at;
          this.indexes.set(key, index);
        } catch (error) {
          if ((error as DOMException).name === 'QuotaExceededError')
            this.note = 'the browser’s storage quota is full: new frames are kept in memory only';
          else this.noteFailure(String(error));
        } finally {
          handle?.close();
        }
      },
      undefined,
    );
  }

  setBudget(bytes: number): void {
    this.budget = Math.max(0, bytes);
    if (this.note?.startsWith('disk cache full') && this.bytes < this.effectiveBudget) this.note = null;
  }

  clear(): Promise<void> {
    return this.serial(
      null,
      'clearing the cache',
      async (progress) => {
        progress.step = 'opening the cache directory';
        await this.init();
        if (!this.dir) return;
        progress.step = 'removing the cache directory';
        const root = await navigator.storage.getDirectory();
        await root.removeEntry(DIRECTORY, { recursive: true });
        this.dir = await root.getDirectoryHandle(DIRECTORY, { create: true });
        this.indexes.clear();
        this.keys.clear();
        this.bytes = 0;
        if (this.available) this.note = null;
      },
      undefined,
    );
  }

  stats(): DiskCacheStats {
    return {
      available: this.available,
      bytes: this.bytes,
      clips: this.keys.size,
      budget: this.effectiveBudget,
      note:
        this.note ??
        (this.failures > 0
          ? `${this.failures} clip${this.failures === 1 ? '' : 's'} not persisted (last: ${this.lastFailure})`
          : null),
    };
  }
}
