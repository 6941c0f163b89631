/**
 * One entry point for probing and decoding a clip, whatever its container and codec: MP4 / MOV goes to
 * WebCodecs when this browser decodes the codec, everything else (and MP4 with a codec WebCodecs lacks) to
 * ffmpeg.wasm, which is imported only when such a file appears.
 */
import type { ClipMedia } from '../dataset-index.ts';
import { ClipRejectedError, messageOf, UnsupportedCodecError } from '../errors.ts';
import { workingSize, type RgbFrame } from '../image.ts';
import { extensionOf, fileRole } from '../media-files.ts';
import { demuxMp4, Mp4DemuxError, type Mp4VideoTrack } from '../mp4-demux.ts';
import { SNIFF_BYTES, sniffContainer } from '../sniff.ts';
import { DEFAULT_COLOR, matrixFromCode } from '../yuv.ts';
import type { FfprobeInfo } from './ffmpeg-wasm.ts';
import { retryAlone } from './retry-alone.ts';
import { canDecodeWithWebCodecs, decodeMp4Frames } from './webcodecs.ts';

export type ClipSource =
  { kind: 'webcodecs'; track: Mp4VideoTrack } | { kind: 'ffmpeg'; info: FfprobeInfo; extension: string };

export interface ProbedClip {
  media: ClipMedia;
  source: ClipSource;
}

const loadFfmpegModule = () => import('./ffmpeg-wasm.ts');

function ffmpegInfoOfTrack(track: Mp4VideoTrack): FfprobeInfo {
  return {
    codecName: track.fourcc,
    codec: track.codecName,
    width: track.codedWidth,
    height: track.codedHeight,
    sampleAspect: (track.displayWidth / track.codedWidth) * (track.codedHeight / track.displayHeight),
    rotation: track.rotation,
    fps: track.fps,
    frameCount: track.samples.length,
    frameCountExact: true,
    durationS: track.durationS,
    formatName: 'mp4',
    color: {
      matrix:
        (track.color.matrixCode !== null ? matrixFromCode(track.color.matrixCode) : null) ??
        DEFAULT_COLOR.matrix,
      fullRange: track.color.fullRange ?? false,
    },
  };
}

function displayOf(width: number, height: number, rotation: number): [number, number] {
  return rotation % 180 === 0 ? [width, height] : [height, width];
}

/** Reads the headers of `file`; throws ClipRejectedError with a plain reason when it cannot be used. */
export async function probeClip(file: Blob, path: string): Promise<ProbedClip> {
  const role = fileRole(path);
  const hint = role.kind === 'video' ? role.container : 'mp4';
  const head = new Uint8Array(await file.slice(0, SNIFF_BYTES).arrayBuffer());
  const sniffed = sniffContainer(head, file.size, hint);
  if (!sniffed.ok) throw new ClipRejectedError(sniffed.reason, path);
  const container = sniffed.container;
  const extension = extensionOf(path) || container;
  try {
    if (container === 'mp4') {
      const track = await demuxMp4(file);
      const [width, height] = displayOf(track.displayWidth, track.displayHeight, track.rotation);
      const webcodecs = await canDecodeWithWebCodecs(track);
      const media: ClipMedia = {
        container,
        codec: track.codecName,
        codecString: track.codecString,
        decoder: webcodecs ? 'webcodecs' : 'ffmpeg',
        width,
        height,
        rotation: track.rotation,
        fps: track.fps,
        frameCount: track.samples.length,
        frameCountExact: true,
        durationS: track.durationS,
      };
      const source: ClipSource = webcodecs
        ? { kind: 'webcodecs', track }
        : { kind: 'ffmpeg', info: ffmpegInfoOfTrack(track), extension };
      return { media, source };
    }
    const { probeWithFfmpeg } = await loadFfmpegModule();
    const info = await retryAlone((fresh) => probeWithFfmpeg(file, extension, { fresh }));
    const [width, height] = displayOf(Math.round(info.width * info.sampleAspect), info.height, info.rotation);
    return {
      media: {
        container,
        codec: info.codec,
        codecString: null,
        decoder: 'ffmpeg',
        width,
        height,
        rotation: info.rotation,
        fps: info.fps,
        frameCount: info.frameCount,
        frameCountExact: info.frameCountExact,
        durationS: info.durationS,
      },
      source: { kind: 'ffmpeg', info, extension },
    };
  } catch (error) {
    if (error instanceof Mp4DemuxError) throw new ClipRejectedError(error.message, path);
    if (error instanceof ClipRejectedError) throw new ClipRejectedError(error.reason, path);
    throw new ClipRejectedError(`could not read the file (${messageOf(error)})`, path);
  }
}

export interface DecodedFrames {
  frames: Map<number, RgbFrame>;
  width: number;
  height: number;
  /** When decoding found fewer frames than the headers said: the frame count that is certain. */
  frameCount: number | null;
  /** Compressed frames fed to WebCodecs (null for ffmpeg.wasm, which does not say). */
  chunks: number | null;
}

/** Decodes the given presentation indices at the working size (short side at most `maxShortSide`). */
export async function decodeClipFrames(
  file: Blob,
  probed: ProbedClip,
  indices: readonly number[],
  maxShortSide: number,
  signal?: AbortSignal,
): Promise<DecodedFrames> {
  const { media, source } = probed;
  const size = workingSize(media.width, media.height, maxShortSide);
  if (source.kind === 'ffmpeg') return decodeThroughFfmpeg(file, source, indices, size, signal);
  const [outWidth, outHeight] = displayOf(size.width, size.height, media.rotation);
  try {
    const { frames, chunks } = await retryAlone(
      (fresh) =>
        decodeMp4Frames(file, source.track, {
          indices,
          outWidth,
          outHeight,
          color: source.track.color,
          signal,
          fresh,
        }),
      signal,
    );
    return { frames, ...size, frameCount: null, chunks };
  } catch (error) {
    if (!(error instanceof ClipRejectedError) || error instanceof UnsupportedCodecError) throw error;
    // The browser's decoder failed twice, the second time alone: it may be what fails (a profile it claims
    // and cannot do, a driver). ffmpeg.wasm decodes the same clip before it is given up.
    const fallback: ClipSource = { kind: 'ffmpeg', info: ffmpegInfoOfTrack(source.track), extension: 'mp4' };
    try {
      return await decodeThroughFfmpeg(file, fallback, indices, size, signal);
    } catch (second) {
      throw new ClipRejectedError(
        `${error.reason}; ffmpeg.wasm could not decode it either (${messageOf(second)})`,
      );
    }
  }
}

async function decodeThroughFfmpeg(
  file: Blob,
  source: Extract<ClipSource, { kind: 'ffmpeg' }>,
  indices: readonly number[],
  size: { width: number; height: number },
  signal?: AbortSignal,
): Promise<DecodedFrames> {
  const { decodeWithFfmpeg } = await loadFfmpegModule();
  const result = await retryAlone(
    (fresh) =>
      decodeWithFfmpeg(
        file,
        source.extension,
        { indices, info: source.info, outWidth: size.width, outHeight: size.height },
        { fresh },
      ),
    signal,
  );
  if (result.frames.size === 0) throw new ClipRejectedError('no frame could be decoded');
  let frameCount: number | null = null;
  if (result.endedBefore !== null) {
    const produced = [...result.frames.keys()];
    frameCount = Math.max(...produced) + 1;
  }
  return { frames: result.frames, ...size, frameCount, chunks: null };
}
