/**
 * MP4 / MOV through WebCodecs. Decodes only what the requested frames need: from the last keyframe at or
 * before the earliest of them (in decode order, and early enough in presentation order for open GOPs) to
 * the latest of them, reading just that byte range of the file. Frames come out in presentation order and
 * are identified by the chunk timestamp, which is set to the presentation index. Every VideoFrame is closed,
 * unneeded ones at once.
 */
import type { RgbFrame } from '../image.ts';
import type { Mp4VideoTrack } from '../mp4-demux.ts';
import { ClipRejectedError, DecoderStalledError, UnsupportedCodecError } from '../errors.ts';
import { withStallGuard } from './stall-guard.ts';
import { videoFrameToRgb, type ColorPolicy } from './video-frame.ts';

/** A decoder that produces no frame for this long has hung; the clip is skipped instead of waited on. */
const STALL_MS = 30_000;

export function decoderConfig(track: Mp4VideoTrack): VideoDecoderConfig {
  return {
    codec: track.codecString,
    codedWidth: track.codedWidth,
    codedHeight: track.codedHeight,
    ...(track.description ? { description: track.description } : {}),
  };
}

const support = new Map<string, Promise<boolean>>();

/** Whether this browser's WebCodecs decodes the track (cached per codec string and size). */
export function canDecodeWithWebCodecs(track: Mp4VideoTrack): Promise<boolean> {
  if (typeof VideoDecoder === 'undefined') return Promise.resolve(false);
  const key = `${track.codecString}/${track.codedWidth}x${track.codedHeight}`;
  let known = support.get(key);
  if (!known) {
    known = VideoDecoder.isConfigSupported(decoderConfig(track)).then(
      (r) => r.supported === true,
      () => false,
    );
    support.set(key, known);
  }
  return known;
}

/** The decode-order range [first, last] needed to present the given frames. */
export function decodeRange(track: Mp4VideoTrack, presentationIndices: readonly number[]): [number, number] {
  const { samples, presentationOrder } = track;
  let minDecode = Infinity;
  let maxDecode = -1;
  let minCts = Infinity;
  for (const k of presentationIndices) {
    const d = presentationOrder[k]!;
    minDecode = Math.min(minDecode, d);
    maxDecode = Math.max(maxDecode, d);
    minCts = Math.min(minCts, samples[d]!.cts);
  }
  let start = minDecode;
  while (start > 0 && !samples[start]!.isSync) start--;
  // Open GOP: frames shown before their keyframe reference the previous GOP, so start one keyframe earlier.
  while (start > 0 && samples[start]!.cts > minCts) {
    start--;
    while (start > 0 && !samples[start]!.isSync) start--;
  }
  return [start, maxDecode];
}

export interface WebCodecsRequest {
  /** Presentation indices wanted (any order, duplicates allowed). */
  indices: readonly number[];
  /** Output size before rotation; rotation is applied after resizing. */
  outWidth: number;
  outHeight: number;
  color: ColorPolicy;
  signal?: AbortSignal;
  /** A retry after a failure: never given an injected fault. */
  fresh?: boolean;
}

export interface WebCodecsResult {
  frames: Map<number, RgbFrame>;
  /** Chunks fed to the decoder: what decoding only the needed range saves shows here. */
  chunks: number;
}

let injectedFaults = 0;

/**
 * Test hook: the next `count` decodes (not retries) lose their decoder before the flush, as when the browser
 * reclaims a codec under memory pressure.
 */
export function injectWebCodecsFaults(count: number): void {
  injectedFaults += count;
}

export async function decodeMp4Frames(
  file: Blob,
  track: Mp4VideoTrack,
  request: WebCodecsRequest,
): Promise<WebCodecsResult> {
  const count = track.samples.length;
  const wanted = new Set(request.indices.filter((k) => k >= 0 && k < count));
  const out = new Map<number, RgbFrame>();
  if (wanted.size === 0) return { frames: out, chunks: 0 };
  if (!(await canDecodeWithWebCodecs(track))) {
    throw new UnsupportedCodecError(
      `this browser's WebCodecs cannot decode ${track.codecName} (${track.codecString})`,
    );
  }
  const [first, last] = decodeRange(track, [...wanted]);
  const presentationOf = new Int32Array(count);
  track.presentationOrder.forEach((d, k) => (presentationOf[d] = k));
  const samples = track.samples.slice(first, last + 1);
  const byteStart = Math.min(...samples.map((s) => s.offset));
  const byteEnd = Math.max(...samples.map((s) => s.offset + s.size));
  const bytes = new Uint8Array(await file.slice(byteStart, byteEnd).arrayBuffer());
  if (bytes.length < byteEnd - byteStart) throw new ClipRejectedError('truncated: frame data missing');

  const conversions: Promise<void>[] = [];
  let failure: Error | null = null;
  let lastProgress = performance.now();
  const progressed = () => void (lastProgress = performance.now());
  const decoder = new VideoDecoder({
    output: (frame) => {
      progressed();
      const k = frame.timestamp;
      if (!wanted.has(k) || out.has(k)) {
        frame.close();
        return;
      }
      conversions.push(
        videoFrameToRgb(frame, request.outWidth, request.outHeight, track.rotation, request.color)
          .then((rgb) => {
            progressed();
            out.set(k, rgb);
          })
          .finally(() => frame.close()),
      );
    },
    error: (error) => {
      failure = error;
    },
  });
  try {
    decoder.configure(decoderConfig(track));
    for (const sample of samples) {
      if (request.signal?.aborted) throw request.signal.reason;
      if (failure) break;
      const start = sample.offset - byteStart;
      decoder.decode(
        new EncodedVideoChunk({
          type: sample.isSync ? 'key' : 'delta',
          timestamp: presentationOf[sample.decodeIndex]!,
          duration: 1,
          data: bytes.subarray(start, start + sample.size),
        }),
      );
    }
    if (!request.fresh && injectedFaults > 0) {
      injectedFaults--;
      decoder.close();
    }
    const guard = <T>(work: Promise<T>) =>
      withStallGuard(work, () => lastProgress, STALL_MS, `the ${track.codecName} decoder`);
    if (!failure) await guard(decoder.flush()).catch((error: unknown) => (failure ??= toError(error)));
    await guard(Promise.all(conversions));
  } finally {
    if (decoder.state !== 'closed') decoder.close();
  }
  // Assigned in callbacks, which the compiler does not follow.
  const failed = failure as Error | null;
  if (failed instanceof DecoderStalledError) throw failed;
  if (failed) throw new ClipRejectedError(`corrupt video data: the decoder failed (${failed.message})`);
  const missing = [...wanted].filter((k) => !out.has(k));
  if (missing.length > 0) {
    throw new ClipRejectedError(
      `corrupt video data: ${missing.length} of ${wanted.size} frames did not decode`,
    );
  }
  return { frames: out, chunks: samples.length };
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
