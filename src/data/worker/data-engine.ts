/**
 * The data worker's engine: owns the files, the dataset index, the decoders, the frame cache and batch
 * assembly. Files -> labels/splits -> probed clips -> decoded frames (cached) -> sampled, transformed,
 * normalised tensors. One broken clip never stops anything: it is listed with its reason and skipped.
 */
import * as Comlink from 'comlink';
import { serve } from '../../util/worker-boundary.ts';
import {
  DEFAULT_PREPROCESS,
  maxShortSideFor,
  trainClipSpec,
  evalClipSpec,
  type ClipSpec,
  type PreprocessSettings,
} from '../clip-spec.ts';
import type { ClipRecord, DatasetIndex } from '../dataset-index.ts';
import { decodeClipFrames, probeClip } from '../decode/clip-source.ts';
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
import { FrameCache } from '../frame-cache.ts';
import { inferLabels, NoLabelsError, type LabelResult, type SplitOptions } from '../labels.ts';
import { fileRole } from '../media-files.ts';
import { OpfsFrameStore } from '../opfs-frame-store.ts';
import { framesForAllSamples } from '../sampling.ts';
import type { SourceFile } from '../source-files.ts';
import { datasetWarnings } from '../summary.ts';
import { renderFrameRgba, writeClip } from '../transforms.ts';
import type { SplitName } from '../ucf101.ts';
import { FrameSource, type DecodedClipFrames } from './frame-source.ts';
import { buildIndex, unpackArchives, type Scanned } from './ingest.ts';
import { BatchMaker } from './batches.ts';
import { fingerprint, ProgressClock, readSplitLists, Semaphore, uniqueByPath } from './ingest-helpers.ts';
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

export class DataEngine implements DataApi {
  private scanned: Scanned | null = null;
  private index: DatasetIndex | null = null;
  private preprocess: PreprocessSettings = DEFAULT_PREPROCESS;
  private abort: AbortController | null = null;
  private readonly memory = new FrameCache();
  private readonly disk = new OpfsFrameStore();
  private readonly source = new FrameSource(
    this.memory,
    this.disk,
    (clip, indices, maxShortSide, signal) => this.decodeClip(clip, indices, maxShortSide, signal),
    new Semaphore(DECODE_CONCURRENCY),
  );
  private readonly batches = new BatchMaker(
    this.source,
    (clipId) => this.record(clipId),
    (clipId, reason) => this.rejectClip(clipId, reason),
  );

  constructor() {
    void this.disk.init();
  }

  /** Exposes this engine on another endpoint (the compute worker's end of a MessageChannel). */
  connect(port: MessagePort): void {
    serve(this, port);
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
    this.batches.clear();
    const unpacked = await unpackArchives(files, abort.signal, onProgress);
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
    this.index = buildIndex(scanned, options.split, this.preprocess);
    return this.index;
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
            const result = await this.source.read(
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

  private requireScanned(): Scanned {
    if (!this.scanned) throw new DatasetNotLoadedError('No dataset has been scanned yet.');
    return this.scanned;
  }

  getIndex(): DatasetIndex | null {
    return this.index;
  }

  resplit(split: SplitOptions): DatasetIndex {
    this.index = buildIndex(this.requireScanned(), split, this.preprocess);
    this.batches.clear();
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

  /** Decodes frames of a clip from its file; a shorter file than its headers said corrects the probe too. */
  private async decodeClip(
    clip: ClipRecord,
    indices: number[],
    maxShortSide: number,
    signal?: AbortSignal,
  ): Promise<DecodedClipFrames> {
    const file = this.scanned?.files.get(clip.path);
    const probed = this.scanned?.probed.get(clip.path);
    if (!file || !probed) throw new ClipNotFoundError(`The file of "${clip.id}" is no longer available.`);
    const decoded = await decodeClipFrames(file, probed, indices, maxShortSide, signal);
    if (decoded.frameCount !== null && decoded.frameCount < probed.media.frameCount) {
      probed.media.frameCount = decoded.frameCount;
    }
    return decoded;
  }

  // ---- tensors ----

  async getClip(request: ClipRequest): Promise<ClipTensor> {
    const clip = this.record(request.clipId);
    const { frames, sample } = await this.batches.sample(clip, request.spec, request.seed, request.epoch);
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

  async getBatch(request: BatchRequest): Promise<BatchTensor> {
    const batch = await this.batches.get(request);
    return Comlink.transfer(batch, [batch.data.buffer]);
  }

  prefetch(requests: readonly BatchRequest[]): void {
    this.batches.prefetch(requests);
  }

  async getFrames(clipId: string, indices: readonly number[], maxShortSide: number): Promise<RawFrames> {
    const clip = this.record(clipId);
    const { width, height, frames } = await this.source.read(clip, indices, maxShortSide);
    const frameBytes = width * height * 3;
    const data = new Uint8Array(indices.length * frameBytes);
    indices.forEach((i, k) => data.set(frames.get(i)!, k * frameBytes));
    return Comlink.transfer({ width, height, indices: [...indices], data }, [data.buffer]);
  }

  async preview(clipId: string, spec: ClipSpec, seed: number, epoch: number): Promise<PreviewFrames> {
    const clip = this.record(clipId);
    const { frames, sample } = await this.batches.sample(clip, spec, seed, epoch);
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
    return this.source.activity();
  }

  // ---- cache ----

  cacheStats(): CacheStats {
    return {
      memory: this.memory.stats(),
      disk: this.disk.stats(),
      // The pool is made by the first command that needs ffmpeg.wasm: it exists once the core has loaded.
      ffmpegLoaded: sharedFfmpegPoolStats() !== null,
      decoders: { ffmpeg: sharedFfmpegPoolStats(), retries: retryStats() },
      decodes: this.source.decodes,
      chunks: this.source.chunks,
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
    this.batches.clear();
    await this.disk.clear();
    return this.cacheStats();
  }
}
