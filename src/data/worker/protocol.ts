/**
 * The typed surface of the data worker. The page uses all of it; the compute worker (training) reaches the
 * same object over a MessagePort (see connect.ts) and needs only getIndex / getBatch / getClip / prefetch.
 * Everything that crosses is structured-cloneable; tensors are transferred, not copied.
 */
import type { ClipSpec, PreprocessSettings, SampleInfo } from '../clip-spec.ts';
import type { DatasetIndex, SkippedFile } from '../dataset-index.ts';
import type { FfmpegPoolStats } from '../decode/ffmpeg-pool.ts';
import type { RetryStats } from '../decode/retry-alone.ts';
import type { DiskCacheStats } from '../opfs-frame-store.ts';
import type { MemoryCacheStats } from '../frame-cache.ts';
import type { SplitOptions } from '../labels.ts';
import type { SourceFile } from '../source-files.ts';
import type { SplitName } from '../ucf101.ts';

export interface IngestOptions {
  /** What the user dropped, for display ("UCF101_subset", "12 files"). */
  name: string;
  split: SplitOptions;
  preprocess: PreprocessSettings;
}

export interface IngestProgress {
  /** `extract`: unpacking dropped archives (done / total count bytes read, not clips). */
  phase: 'extract' | 'scan' | 'decode';
  done: number;
  total: number;
  /** Files that failed so far in this phase. */
  failed: number;
  current: string | null;
  elapsedS: number;
  /** Seconds left at the current pace; null until there is a pace. */
  etaS: number | null;
}

export interface DecodeReport {
  index: DatasetIndex;
  /** Clips whose frames are ready (decoded now or found in the cache). */
  decoded: number;
  /** Of those, clips that needed no decoding: every frame came from memory or OPFS. */
  cached: number;
  failed: number;
  cancelled: boolean;
  elapsedS: number;
}

export interface BatchRequest {
  clipIds: readonly string[];
  spec: ClipSpec;
  /** Run seed; with `epoch` and the clip id it fixes every random choice of a clip. */
  seed: number;
  epoch: number;
}

export interface ClipRequest {
  clipId: string;
  spec: ClipSpec;
  seed: number;
  epoch: number;
}

/** One clip as Hugging Face `pixel_values` without the batch axis. */
export interface ClipTensor {
  /** [T, 3, H, W] float32, normalised. */
  data: Float32Array;
  shape: [number, number, number, number];
  clipId: string;
  labelIndex: number;
  sample: SampleInfo;
}

export interface BatchTensor {
  /** [B, T, 3, H, W] float32, normalised. */
  data: Float32Array;
  shape: [number, number, number, number, number];
  /** Class index per clip. */
  labels: Int32Array;
  clipIds: string[];
  samples: SampleInfo[];
  /**
   * Clips of the request that are not in the batch, with the reason: those rejected for good (they failed
   * alone on a fresh decoder and are now in the dataset's skipped list, or were already there), and those
   * that only could not be read this time (`transient`), which stay in the dataset.
   */
  skipped: (SkippedFile & { transient: boolean })[];
}

/** Frames at working resolution, packed RGB, concatenated in the order of `indices`. */
export interface RawFrames {
  width: number;
  height: number;
  indices: number[];
  data: Uint8Array;
}

/** The transformed frames of one sample as RGBA (what the model sees, before normalisation). */
export interface PreviewFrames {
  clipId: string;
  width: number;
  height: number;
  indices: number[];
  padded: boolean;
  flipped: boolean;
  /** T frames of width * height * 4 bytes, concatenated. */
  rgba: Uint8ClampedArray;
}

/** How the decoders held up: ffmpeg.wasm's pool and the retries of failed clips. */
export interface DecoderStats {
  /** Null while no clip has needed ffmpeg.wasm. */
  ffmpeg: FfmpegPoolStats | null;
  retries: RetryStats;
}

export interface CacheStats {
  memory: MemoryCacheStats;
  disk: DiskCacheStats;
  /** Whether the ffmpeg.wasm decoder has been loaded (it loads only for clips that need it). */
  ffmpegLoaded: boolean;
  decoders: DecoderStats;
  /** Decoder runs (cache misses) since the worker started. */
  decodes: number;
  /** Compressed frames fed to WebCodecs since the worker started. */
  chunks: number;
}

/** One pending frame read, and how long it has been in its current stage. */
export interface DataActivity {
  clipId: string;
  /** `same-clip`: waiting for another read of this clip to finish, then taking the frames it brought. */
  stage: 'same-clip' | 'cache-read' | 'decode-queue' | 'decode' | 'cache-write';
  seconds: number;
}

export interface DataApi {
  /** Labels, splits and probes every file; reports progress; throws IngestCancelledError when cancelled. */
  scan(
    files: SourceFile[],
    options: IngestOptions,
    onProgress?: (p: IngestProgress) => void,
  ): Promise<DatasetIndex>;
  /** Decodes every clip of the index into the frame cache; clips that fail move to `skipped`. */
  decodeAll(onProgress?: (p: IngestProgress) => void): Promise<DecodeReport>;
  /** Stops a running scan or decodeAll. */
  cancel(): void;
  getIndex(): DatasetIndex | null;
  /** New made-up splits (ratios / seed / fold), without probing again. */
  resplit(split: SplitOptions): DatasetIndex;
  /** Model-side preprocessing changed (image size, frames): warnings are recomputed. */
  setPreprocess(preprocess: PreprocessSettings): DatasetIndex;
  clipIds(split: SplitName): string[];
  getClip(request: ClipRequest): Promise<ClipTensor>;
  getBatch(request: BatchRequest): Promise<BatchTensor>;
  /** Starts preparing batches that will be asked for soon (at most a few are kept ready). */
  prefetch(requests: readonly BatchRequest[]): void;
  getFrames(clipId: string, indices: readonly number[], maxShortSide: number): Promise<RawFrames>;
  preview(clipId: string, spec: ClipSpec, seed: number, epoch: number): Promise<PreviewFrames>;
  cacheStats(): CacheStats;
  /** The frame reads in progress, oldest first. */
  activity(): DataActivity[];
  setCacheBudget(memoryBytes: number, diskBytes?: number): CacheStats;
  clearCache(): Promise<CacheStats>;
  /**
   * Test hook, and the System panel's "Crash a video decoder": the next `count` decodes of that kind fail
   * as a crashed decoder does (an emscripten abort; a WebCodecs decoder reclaimed mid-clip).
   */
  injectDecoderFaults(kind: 'ffmpeg' | 'webcodecs', count: number): void;
}
