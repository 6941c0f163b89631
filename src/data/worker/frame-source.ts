/**
 * Frames of a clip at a working resolution, from the cheapest place that has them: the memory cache, then
 * the disk cache, then the decoder (only the frames still missing), which then fills both caches.
 *
 * One read per clip at a time: A/B runs ask for the same clips in the same order, and their prefetches, the
 * ingest's decode-all and a preview can ask for one clip at once. A later read of a clip that is being read
 * waits, then takes what the first one stored instead of decoding the clip again (and counts as decoded, so
 * "from cache" means stored before). Every pending read says what it waits on, so a batch that does not come
 * can say why. The decoder and the disk come in as interfaces: the logic is tested in Node.
 */
import type { ClipFrames, FrameCache } from '../frame-cache.ts';
import { frameCacheKey } from '../frame-cache.ts';
import type { ClipRecord } from '../dataset-index.ts';
import { ClipRejectedError } from '../errors.ts';
import type { RgbFrame } from '../image.ts';
import type { Semaphore } from './ingest-helpers.ts';
import type { DataActivity } from './protocol.ts';

export type FrameStage = DataActivity['stage'];

/** The persistent cache (OPFS in the browser): best effort, never throws. */
export interface FrameStore {
  read(key: string, indices: readonly number[]): Promise<ClipFrames | null>;
  write(key: string, width: number, height: number, frames: ReadonlyMap<number, Uint8Array>): Promise<void>;
}

export interface DecodedClipFrames {
  frames: Map<number, RgbFrame>;
  width: number;
  height: number;
  /** When decoding found fewer frames than the headers said: the frame count that is certain. */
  frameCount: number | null;
  /** Compressed frames fed to the decoder, where it says. */
  chunks: number | null;
}

export type ClipDecoder = (
  clip: ClipRecord,
  indices: number[],
  maxShortSide: number,
  signal?: AbortSignal,
) => Promise<DecodedClipFrames>;

export interface ClipFramesResult {
  width: number;
  height: number;
  frames: Map<number, Uint8Array>;
  /** Whether any of them had to be decoded (by this read or one it waited for). */
  decoded: boolean;
}

export class FrameSource {
  /** Decoder runs (cache misses), and compressed frames fed to decoders that count them. */
  decodes = 0;
  chunks = 0;
  /** What each pending read is waiting on. */
  private readonly inFlight = new Map<number, { clipId: string; stage: FrameStage; since: number }>();
  private nextCall = 0;
  /**
   * Cache keys being read from disk or decoded, each with a promise that settles (never rejects) when that
   * is over, with whether it decoded.
   */
  private readonly busyKeys = new Map<string, Promise<boolean>>();

  constructor(
    private readonly memory: FrameCache,
    private readonly disk: FrameStore,
    private readonly decode: ClipDecoder,
    /** Limits decodes at once (decoders are the scarce resource). */
    private readonly decodeSlots: Semaphore,
  ) {}

  /**
   * The frames `indices` of `clip` with short side at most `maxShortSide`. Indices past what the file
   * really holds get its last decoded frame. With `needResult` false (decode-all), only fills the caches.
   */
  async read(
    clip: ClipRecord,
    indices: readonly number[],
    maxShortSide: number,
    signal?: AbortSignal,
    needResult = true,
  ): Promise<ClipFramesResult> {
    const call = this.nextCall++;
    const stage = (next: FrameStage) =>
      this.inFlight.set(call, { clipId: clip.id, stage: next, since: performance.now() });
    try {
      return await this.readTracked(clip, indices, maxShortSide, signal, needResult, stage);
    } finally {
      this.inFlight.delete(call);
    }
  }

  /** The reads in progress, the longest waiting first. */
  activity(): DataActivity[] {
    const now = performance.now();
    return [...this.inFlight.values()]
      .map(({ clipId, stage, since }) => ({ clipId, stage, seconds: (now - since) / 1000 }))
      .sort((a, b) => b.seconds - a.seconds);
  }

  private async readTracked(
    clip: ClipRecord,
    indices: readonly number[],
    maxShortSide: number,
    signal: AbortSignal | undefined,
    needResult: boolean,
    stage: (next: FrameStage) => void,
  ): Promise<ClipFramesResult> {
    const key = frameCacheKey({
      name: clip.name,
      size: clip.size,
      lastModified: clip.lastModified,
      maxShortSide,
    });
    let hit = this.memory.lookup(key, indices);
    let decodedByAnother = false;
    for (let busy = this.busyKeys.get(key); hit.missing.length > 0 && busy; busy = this.busyKeys.get(key)) {
      stage('same-clip');
      if (await busy) decodedByAnother = true;
      hit = this.memory.lookup(key, indices);
    }
    let { width, height } = hit;
    const frames = hit.found;
    let missing = hit.missing;
    if (missing.length > 0) {
      let settle = (_decoded: boolean): void => {};
      const busy = new Promise<boolean>((resolve) => (settle = resolve));
      this.busyKeys.set(key, busy);
      // Called once decoded frames are in memory (before the disk write) and in any case at the end (the
      // first call settles `busy`).
      const release = (decoded: boolean): void => {
        if (this.busyKeys.get(key) === busy) this.busyKeys.delete(key);
        settle(decoded);
      };
      try {
        ({ width, height, missing } = await this.fill(
          clip,
          key,
          missing,
          frames,
          maxShortSide,
          signal,
          stage,
          () => release(true),
        ));
      } finally {
        release(false);
      }
    }
    const decoded = missing.length > 0 || decodedByAnother;
    if (!needResult) return { width, height, frames, decoded };
    const available = [...frames.keys()].sort((a, b) => a - b);
    if (available.length === 0) throw new ClipRejectedError('no frame could be decoded', clip.path);
    for (const i of new Set(indices)) {
      if (frames.has(i)) continue;
      // The file ended early: repeat the last frame before i (the first one if there is none).
      const earlier = available.filter((a) => a < i);
      frames.set(i, frames.get(earlier.length > 0 ? earlier[earlier.length - 1]! : available[0]!)!);
    }
    return { width, height, frames, decoded };
  }

  /**
   * Fills `frames` with the `wanted` ones: from disk, then the decoder for the rest (stored in memory, then
   * said so with `inMemory`, then on disk). Returns the frame size and the indices that had to be decoded.
   */
  private async fill(
    clip: ClipRecord,
    key: string,
    wanted: number[],
    frames: Map<number, Uint8Array>,
    maxShortSide: number,
    signal: AbortSignal | undefined,
    stage: (next: FrameStage) => void,
    inMemory: () => void,
  ): Promise<{ width: number; height: number; missing: number[] }> {
    let width = 0;
    let height = 0;
    let missing = wanted;
    stage('cache-read');
    const stored = await this.disk.read(key, missing);
    if (stored && stored.frames.size > 0) {
      ({ width, height } = stored);
      this.memory.put(key, width, height, stored.frames);
      for (const [i, f] of stored.frames) frames.set(i, f);
      missing = missing.filter((i) => !stored.frames.has(i));
    }
    if (missing.length === 0) return { width, height, missing };
    stage('decode-queue');
    const decoded = await this.decodeSlots.run(() => {
      stage('decode');
      this.decodes++;
      return this.decode(clip, missing, maxShortSide, signal);
    });
    this.chunks += decoded.chunks ?? 0;
    ({ width, height } = decoded);
    const bytes = new Map<number, Uint8Array>([...decoded.frames].map(([i, f]) => [i, f.data]));
    this.memory.put(key, width, height, bytes);
    inMemory();
    stage('cache-write');
    await this.disk.write(key, width, height, bytes);
    for (const [i, f] of bytes) frames.set(i, f);
    if (decoded.frameCount !== null && decoded.frameCount < clip.frameCount) {
      clip.frameCount = decoded.frameCount;
      clip.frameCountExact = true;
    }
    return { width, height, missing };
  }
}
