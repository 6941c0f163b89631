/**
 * The data worker's engine: owns the files, the dataset index, the decoders, the frame cache and batch
 * assembly. Files -> labels/splits -> probed clips -> decoded frames (cached) -> sampled, transformed,
 * normalised tensors. One broken clip never stops anything: it is listed with its reason and skipped.
 */
import * as Comlink from 'comlink';
import {
  DEFAULT_PREPROCESS,
  maxShortSideFor,
  spatialPlan,
  temporalSample,
  trainClipSpec,
  evalClipSpec,
  type ClipSpec,
  type PreprocessSettings,
  type SampleInfo,
} from '../clip-spec.ts';
import type { ClipRecord, DatasetIndex, SkippedFile } from '../dataset-index.ts';
import { expandArchives, isArchive } from '../archive/index.ts';
import { decodeClipFrames, probeClip, type ProbedClip } from '../decode/clip-source.ts';
import { ffmpegPoolSize, injectFfmpegFaults, sharedFfmpegPoolStats } from '../decode/ffmpeg-pool.ts';
import { retryStats } from '../decode/retry-alone.ts';
import { injectWebCodecsFaults } from '../decode/webcodecs.ts';
import {
  ClipNotFoundError,
  ClipRejectedError,
  DataError,
  DatasetNotLoadedError,
  IngestCancelledError,
  messageOf,
} from '../errors.ts';
import { FrameCache, frameCacheKey } from '../frame-cache.ts';
import type { RgbFrame } from '../image.ts';
import {
  inferLabels,
  LABEL_RULE_TEXT,
  NoLabelsError,
  type LabelResult,
  type SplitOptions,
} from '../labels.ts';
import { fileRole } from '../media-files.ts';
import { OpfsFrameStore } from '../opfs-frame-store.ts';
import { framesForAllSamples } from '../sampling.ts';
import { baseName, type SourceFile } from '../source-files.ts';
import type { SplitLists } from '../split-lists.ts';
import { datasetWarnings } from '../summary.ts';
import { renderFrameRgba, writeClip } from '../transforms.ts';
import type { SplitName } from '../ucf101.ts';
import {
  fingerprint,
  ProgressClock,
  readSplitLists,
  requestKey,
  Semaphore,
  uniqueByPath,
} from './ingest-helpers.ts';
import type {
  BatchRequest,
  BatchTensor,
  CacheStats,
  ClipRequest,
  ClipTensor,
  DataActivity,
  DataApi,
  DecodeReport,
  IngestOptions,
  IngestProgress,
  PreviewFrames,
  RawFrames,
} from './protocol.ts';

/**
 * Clips decoded at once: one per ffmpeg.wasm instance (the pool is sized to the machine) and one more, so
 * that a WebCodecs decode (the browser's own threads) can run beside them.
 */
const DECODE_CONCURRENCY =
  ffmpegPoolSize(
    typeof navigator === 'undefined' ? undefined : navigator.hardwareConcurrency,
    typeof navigator === 'undefined'
      ? undefined
      : (navigator as Navigator & { deviceMemory?: number }).deviceMemory,
  ) + 1;
/** Prepared batches kept ready (each can be ~100 MB at 224 px). */
const MAX_PREPARED = 2;
const MAX_IGNORED_EXAMPLES = 8;

type FrameStage = DataActivity['stage'];

interface Scanned {
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

export class DataEngine implements DataApi {
  private scanned: Scanned | null = null;
  private index: DatasetIndex | null = null;
  private preprocess: PreprocessSettings = DEFAULT_PREPROCESS;
  private abort: AbortController | null = null;
  private readonly memory = new FrameCache();
  private readonly disk = new OpfsFrameStore();
  private readonly decodeSlots = new Semaphore(DECODE_CONCURRENCY);
  private readonly prepared = new Map<string, Promise<BatchTensor>>();
  private decodes = 0;
  private chunks = 0;
  private ffmpegUsed = false;
  /** What each pending frames() call is waiting on: a batch that does not come can then say why. */
  private readonly inFlight = new Map<number, { clipId: string; stage: FrameStage; since: number }>();
  private nextCall = 0;
  /**
   * Frame-cache keys being read from disk or decoded, each with a promise that settles (never rejects) when
   * that is over, with whether it decoded. A/B runs ask for the same clips in the same order, and their
   * prefetches, the ingest's decode-all and a preview can ask for one clip at once: the later ones wait and
   * take what the first stored instead of decoding the clip again.
   */
  private readonly busyKeys = new Map<string, Promise<boolean>>();

  constructor() {
    void this.disk.init();
  }

  /** Exposes this engine on another endpoint (the compute worker's end of a MessageChannel). */
  connect(port: MessagePort): void {
    Comlink.expose(this, port);
  }

  // ---- ingest ----

  async scan(
    files: SourceFile[],
    options: IngestOptions,
    onProgress?: (p: IngestProgress) => void,
  ): Promise<DatasetIndex> {
    this.cancel();
    const abort = new AbortController();
    this.abort = abort;
    this.preprocess = options.preprocess;
    this.prepared.clear();
    const unpacked = await this.unpackArchives(files, abort.signal, onProgress);
    files = unpacked.files;
    const videos: SourceFile[] = [];
    const ignored: string[] = [];
    for (const f of files) {
      const role = fileRole(f.path);
      if (role.kind === 'video') videos.push(f);
      else if (role.kind === 'ignored') ignored.push(f.path);
    }
    const lists = await readSplitLists(files);
    const scanned: Scanned = {
      name: unpacked.name ?? options.name,
      files: new Map(videos.map((v) => [v.path, v.file])),
      lists,
      probed: new Map(),
      fingerprints: new Map(),
      skipped: [],
      ignored,
    };
    let labels: LabelResult;
    try {
      labels = inferLabels(
        videos.map((v) => v.path),
        lists,
        options.split,
      );
    } catch (error) {
      if (error instanceof NoLabelsError) throw new DataError(error.message);
      throw error;
    }
    scanned.skipped.push(...unpacked.problems, ...labels.rejected);
    const clock = new ProgressClock('scan', labels.clips.length, onProgress);
    let done = 0;
    let failed = 0;
    clock.report(0, 0, null, true);
    const probeSlots = new Semaphore(DECODE_CONCURRENCY);
    await Promise.all(
      labels.clips.map((clip) =>
        probeSlots.run(async () => {
          if (abort.signal.aborted) return;
          const file = scanned.files.get(clip.path)!;
          try {
            const probed = await probeClip(file, clip.path);
            if (probed.media.decoder === 'ffmpeg') this.ffmpegUsed = true;
            scanned.probed.set(clip.path, probed);
            scanned.fingerprints.set(clip.path, await fingerprint(file));
          } catch (error) {
            failed++;
            scanned.skipped.push({ path: clip.path, reason: messageOf(error) });
          }
          done++;
          clock.report(done, failed, clip.path);
        }),
      ),
    );
    if (abort.signal.aborted) throw new IngestCancelledError('Scanning was cancelled.');
    clock.report(done, failed, null, true);
    this.scanned = scanned;
    this.index = this.buildIndex(options.split);
    return this.index;
  }

  /**
   * Dropped archives (`.tar.gz`, `.tgz`, `.tar`, `.zip`) replaced by the files they hold, read as streams
   * (never the whole archive at once). When the drop was archives only, the dataset takes the name of the
   * one folder they hold (`UCF101_subset`) or of the archive.
   */
  private async unpackArchives(
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
  private buildIndex(split: SplitOptions): DatasetIndex {
    const scanned = this.scanned;
    if (!scanned) throw new DatasetNotLoadedError('No dataset has been scanned yet.');
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
    index.warnings = datasetWarnings(index, this.preprocess);
    return index;
  }

  async decodeAll(onProgress?: (p: IngestProgress) => void): Promise<DecodeReport> {
    const index = this.requireIndex();
    this.abort?.abort();
    const abort = new AbortController();
    this.abort = abort;
    const clock = new ProgressClock('decode', index.clips.length, onProgress);
    const maxShortSide = maxShortSideFor(this.preprocess.imageSize);
    let done = 0;
    let failed = 0;
    let cached = 0;
    clock.report(0, 0, null, true);
    // Its own slots: frames() takes a decode slot inside, and nesting in the same semaphore would deadlock.
    const clipSlots = new Semaphore(DECODE_CONCURRENCY);
    await Promise.all(
      index.clips.map((clip) =>
        clipSlots.run(async () => {
          if (abort.signal.aborted) return;
          const spec =
            clip.split === 'train' ? trainClipSpec(this.preprocess) : evalClipSpec(this.preprocess);
          try {
            const result = await this.frames(
              clip,
              framesForAllSamples(clip.frameCount, spec.temporal),
              maxShortSide,
              abort.signal,
              false,
            );
            if (!result.decoded) cached++;
          } catch (error) {
            if (abort.signal.aborted) return;
            failed++;
            // Only a clip that failed alone on a fresh decoder is bad; anything else is read again when used.
            if (error instanceof ClipRejectedError) this.rejectClip(clip.id, messageOf(error));
          }
          done++;
          clock.report(done, failed, clip.path);
        }),
      ),
    );
    clock.report(done, failed, null, true);
    return {
      index: this.requireIndex(),
      decoded: done - failed,
      cached,
      failed,
      cancelled: abort.signal.aborted,
      elapsedS: clock.elapsedS,
    };
  }

  cancel(): void {
    this.abort?.abort(new IngestCancelledError('Cancelled.'));
    this.abort = null;
  }

  getIndex(): DatasetIndex | null {
    return this.index;
  }

  resplit(split: SplitOptions): DatasetIndex {
    this.index = this.buildIndex(split);
    this.prepared.clear();
    return this.index;
  }

  setPreprocess(preprocess: PreprocessSettings): DatasetIndex {
    this.preprocess = preprocess;
    const index = this.requireIndex();
    index.warnings = datasetWarnings(index, preprocess);
    return index;
  }

  clipIds(split: SplitName): string[] {
    return this.requireIndex()
      .clips.filter((c) => c.split === split)
      .map((c) => c.id);
  }

  private requireIndex(): DatasetIndex {
    if (!this.index) throw new DatasetNotLoadedError('No dataset is loaded: drop a folder of clips first.');
    return this.index;
  }

  private record(clipId: string): ClipRecord {
    const clip = this.requireIndex().clips.find((c) => c.id === clipId);
    if (!clip) throw new ClipNotFoundError(`No clip "${clipId}" in the dataset (it may have been skipped).`);
    return clip;
  }

  /** Moves a clip that failed to decode from the index to the skipped list. */
  private rejectClip(clipId: string, reason: string): void {
    const scanned = this.scanned;
    const index = this.index;
    if (!scanned || !index) return;
    scanned.probed.delete(clipId);
    scanned.skipped.push({ path: clipId, reason });
    index.clips = index.clips.filter((c) => c.id !== clipId);
    index.skipped = uniqueByPath([...index.skipped, { path: clipId, reason }]);
    index.warnings = datasetWarnings(index, this.preprocess);
  }

  // ---- frames ----

  /**
   * Frames of a clip at working resolution: memory, then OPFS, then the decoder (only the missing ones).
   * Indices past what the file really holds get its last decoded frame.
   */
  private async frames(
    clip: ClipRecord,
    indices: readonly number[],
    maxShortSide: number,
    signal?: AbortSignal,
    needResult = true,
  ): Promise<{ width: number; height: number; frames: Map<number, Uint8Array>; decoded: boolean }> {
    const call = this.nextCall++;
    const stage = (next: FrameStage) =>
      this.inFlight.set(call, { clipId: clip.id, stage: next, since: performance.now() });
    try {
      return await this.framesTracked(clip, indices, maxShortSide, signal, needResult, stage);
    } finally {
      this.inFlight.delete(call);
    }
  }

  private async framesTracked(
    clip: ClipRecord,
    indices: readonly number[],
    maxShortSide: number,
    signal: AbortSignal | undefined,
    needResult: boolean,
    stage: (next: FrameStage) => void,
  ): Promise<{ width: number; height: number; frames: Map<number, Uint8Array>; decoded: boolean }> {
    const key = frameCacheKey({
      name: clip.name,
      size: clip.size,
      lastModified: clip.lastModified,
      maxShortSide,
    });
    let hit = this.memory.lookup(key, indices);
    // Frames another read has just decoded count as decoded here too: the ingest's tally says "from cache"
    // only of frames that were stored before.
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
        ({ width, height, missing } = await this.readOrDecode(
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
   * Fills `frames` with the `wanted` ones: from OPFS, then the decoder for the rest (which it stores in
   * memory, then says so with `inMemory`, then on disk). Returns the frame size and the indices that had to
   * be decoded.
   */
  private async readOrDecode(
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
    if (missing.length > 0) {
      const scanned = this.scanned;
      const file = scanned?.files.get(clip.path);
      const probed = scanned?.probed.get(clip.path);
      if (!file || !probed) throw new ClipNotFoundError(`The file of "${clip.id}" is no longer available.`);
      stage('decode-queue');
      const decoded = await this.decodeSlots.run(() => {
        stage('decode');
        this.decodes++;
        return decodeClipFrames(file, probed, missing, maxShortSide, signal);
      });
      if (probed.media.decoder === 'ffmpeg') this.ffmpegUsed = true;
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
        probed.media.frameCount = decoded.frameCount;
      }
    }
    return { width, height, missing };
  }

  private async sampleClip(
    clip: ClipRecord,
    spec: ClipSpec,
    seed: number,
    epoch: number,
  ): Promise<{ frames: RgbFrame[]; sample: SampleInfo }> {
    const temporal = temporalSample(clip, spec, seed, epoch);
    const { width, height, frames } = await this.frames(
      clip,
      temporal.indices,
      maxShortSideFor(spec.spatial.imageSize),
    );
    const plan = spatialPlan(clip, width, height, spec, seed, epoch);
    return {
      frames: temporal.indices.map((i) => ({ width, height, data: frames.get(i)! })),
      sample: { indices: temporal.indices, padded: temporal.padded, plan },
    };
  }

  // ---- tensors ----

  async getClip(request: ClipRequest): Promise<ClipTensor> {
    const clip = this.record(request.clipId);
    const { frames, sample } = await this.sampleClip(clip, request.spec, request.seed, request.epoch);
    const data = writeClip(frames, sample.plan, request.spec.normalize);
    const tensor: ClipTensor = {
      data,
      shape: [frames.length, 3, sample.plan.height, sample.plan.width],
      clipId: clip.id,
      labelIndex: clip.labelIndex,
      sample,
    };
    return Comlink.transfer(tensor, [data.buffer]);
  }

  /**
   * The batch of `request`, without the clips that cannot be read: each of those is moved to the skipped
   * list with its reason (and reported in the batch), so one broken clip never stops a run.
   */
  private async assembleBatch(request: BatchRequest): Promise<BatchTensor> {
    const { numFrames } = request.spec.temporal;
    const size = request.spec.spatial.imageSize;
    const clipSize = numFrames * 3 * size * size;
    const read = await Promise.allSettled(
      request.clipIds.map(async (id) => {
        const clip = this.record(id);
        return { clip, ...(await this.sampleClip(clip, request.spec, request.seed, request.epoch)) };
      }),
    );
    const usable: { clip: ClipRecord; frames: RgbFrame[]; sample: SampleInfo }[] = [];
    const skipped: BatchTensor['skipped'] = [];
    read.forEach((result, i) => {
      if (result.status === 'fulfilled') {
        usable.push(result.value);
        return;
      }
      const clipId = request.clipIds[i]!;
      const reason = messageOf(result.reason);
      // Rejected for good only after failing alone on a fresh decoder (retry-alone.ts); any other failure
      // (a cache read, a decoder fault that outlived its retry budget) leaves the clip in the dataset.
      const permanent =
        result.reason instanceof ClipRejectedError || result.reason instanceof ClipNotFoundError;
      skipped.push({ path: clipId, reason, transient: !permanent });
      if (result.reason instanceof ClipRejectedError) this.rejectClip(clipId, reason);
    });
    const data = new Float32Array(usable.length * clipSize);
    usable.forEach(({ frames, sample }, b) =>
      writeClip(frames, sample.plan, request.spec.normalize, data, b * clipSize),
    );
    return {
      data,
      shape: [usable.length, numFrames, 3, size, size],
      labels: Int32Array.from(usable, (u) => u.clip.labelIndex),
      clipIds: usable.map((u) => u.clip.id),
      samples: usable.map((u) => u.sample),
      skipped,
    };
  }

  async getBatch(request: BatchRequest): Promise<BatchTensor> {
    const key = requestKey(request);
    const ready = this.prepared.get(key);
    this.prepared.delete(key);
    const batch = await (ready ?? this.assembleBatch(request));
    return Comlink.transfer(batch, [batch.data.buffer]);
  }

  prefetch(requests: readonly BatchRequest[]): void {
    for (const request of requests) {
      const key = requestKey(request);
      if (this.prepared.has(key)) continue;
      while (this.prepared.size >= MAX_PREPARED) this.prepared.delete(this.prepared.keys().next().value!);
      const pending = this.assembleBatch(request);
      // A failed prefetch is reported when (if) the batch is asked for.
      pending.catch(() => undefined);
      this.prepared.set(key, pending);
    }
  }

  async getFrames(clipId: string, indices: readonly number[], maxShortSide: number): Promise<RawFrames> {
    const clip = this.record(clipId);
    const { width, height, frames } = await this.frames(clip, indices, maxShortSide);
    const frameBytes = width * height * 3;
    const data = new Uint8Array(indices.length * frameBytes);
    indices.forEach((i, k) => data.set(frames.get(i)!, k * frameBytes));
    return Comlink.transfer({ width, height, indices: [...indices], data }, [data.buffer]);
  }

  async preview(clipId: string, spec: ClipSpec, seed: number, epoch: number): Promise<PreviewFrames> {
    const clip = this.record(clipId);
    const { frames, sample } = await this.sampleClip(clip, spec, seed, epoch);
    const { width, height } = sample.plan;
    const rgba = new Uint8ClampedArray(frames.length * width * height * 4);
    frames.forEach((f, t) => rgba.set(renderFrameRgba(f, sample.plan), t * width * height * 4));
    const result: PreviewFrames = {
      clipId,
      width,
      height,
      indices: sample.indices,
      padded: sample.padded,
      flipped: sample.plan.flip,
      rgba,
    };
    return Comlink.transfer(result, [rgba.buffer]);
  }

  activity(): DataActivity[] {
    const now = performance.now();
    return [...this.inFlight.values()]
      .map(({ clipId, stage, since }) => ({ clipId, stage, seconds: (now - since) / 1000 }))
      .sort((a, b) => b.seconds - a.seconds);
  }

  // ---- cache ----

  cacheStats(): CacheStats {
    return {
      memory: this.memory.stats(),
      disk: this.disk.stats(),
      ffmpegLoaded: this.ffmpegUsed,
      decoders: { ffmpeg: sharedFfmpegPoolStats(), retries: retryStats() },
      decodes: this.decodes,
      chunks: this.chunks,
    };
  }

  injectDecoderFaults(kind: 'ffmpeg' | 'webcodecs', count: number): void {
    if (kind === 'ffmpeg') injectFfmpegFaults(count);
    else injectWebCodecsFaults(count);
  }

  setCacheBudget(memoryBytes: number, diskBytes?: number): CacheStats {
    this.memory.setBudget(memoryBytes);
    if (diskBytes !== undefined) this.disk.setBudget(diskBytes);
    return this.cacheStats();
  }

  async clearCache(): Promise<CacheStats> {
    this.memory.clear();
    this.prepared.clear();
    await this.disk.clear();
    return this.cacheStats();
  }
}
