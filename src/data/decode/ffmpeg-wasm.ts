/**
 * Everything WebCodecs cannot decode (AVI / XviD as in UCF101, MPEG-4 Part 2, WebM, MKV, HEVC here) goes
 * through ffmpeg.wasm. The core (~32 MB, GPL) is served from the app bundle and loaded on first use only;
 * importing this module costs nothing until then. Commands run on a pool of instances (ffmpeg-pool.ts), one
 * command per instance at a time, each instance recycled before its leaking heap can crash it. ffmpeg picks
 * the frames itself (`select` + `-frames:v`), so it stops decoding at the last frame needed and only those
 * frames are converted and copied out.
 */
import coreURL from '@ffmpeg/core?url';
import wasmURL from '@ffmpeg/core/wasm?url';
import { ClipRejectedError } from '../errors.ts';
import { resizeRgb, type RgbFrame } from '../image.ts';
import { yuvToRgb } from '../yuv.ts';
import { INPUT_TOKEN, type FfmpegCommandResult } from './ffmpeg-protocol.ts';
import { FfmpegPool, ffmpegPoolSize, sharedFfmpegPool } from './ffmpeg-pool.ts';
import { parseProbe, selectExpression, type FfprobeInfo, type ProbeJson } from './ffprobe-info.ts';

export type { FfprobeInfo };

/** An instance is replaced once its heap passes this (the core's limit is 2 GB; one command needs far less). */
const HEAP_BUDGET_BYTES = 384 << 20;
/** Decodes report progress every 2 s (`-progress pipe:2`), so a long silence means the instance hung. */
const STALL_MS = 60_000;

function createPool(): FfmpegPool {
  const nav = (typeof navigator === 'undefined' ? {} : navigator) as {
    hardwareConcurrency?: number;
    deviceMemory?: number;
  };
  return new FfmpegPool({
    size: ffmpegPoolSize(nav.hardwareConcurrency, nav.deviceMemory),
    heapBudgetBytes: HEAP_BUDGET_BYTES,
    stallMs: STALL_MS,
    coreURL,
    wasmURL,
    createWorker: () =>
      new Worker(new URL('./ffmpeg.worker.ts', import.meta.url), { type: 'module', name: 'ffmpeg' }),
  });
}

const sharedPool = () => sharedFfmpegPool(createPool);

/** The most telling line ffmpeg logged, for a plain reason. */
function logReason(log: readonly string[]): string {
  const telling = log.filter((l) =>
    /invalid|error|not supported|unsupported|could not|no such|corrupt|truncat|failed|not found/i.test(l),
  );
  const line = (telling.at(-1) ?? log.at(-1) ?? 'unknown error').trim();
  return line.replace(/^\[[^\]]*\]\s*/, '').replace(/^\S*input\.\w+:\s*/, '');
}

export interface FfmpegRunOptions {
  /** Run on an instance that has run nothing before (how a failed clip is retried). */
  fresh?: boolean;
}

const PROBE_OUT = '/probe.json';
const FRAMES_OUT = '/frames.yuv';

export function probeWithFfmpeg(
  file: Blob,
  extension: string,
  options: FfmpegRunOptions = {},
): Promise<FfprobeInfo> {
  const command = {
    tool: 'ffprobe' as const,
    args: [
      '-v',
      'error',
      '-select_streams',
      'v:0',
      '-count_packets',
      '-show_entries',
      'stream=codec_name,profile,width,height,sample_aspect_ratio,r_frame_rate,avg_frame_rate,nb_frames,' +
        'nb_read_packets,duration,pix_fmt,color_space,color_range:stream_tags=rotate:stream_side_data=rotation:format=duration,format_name',
      '-of',
      'json',
      INPUT_TOKEN,
      '-o',
      PROBE_OUT,
    ],
    input: { blob: file, extension },
    outputs: [PROBE_OUT],
  };
  return sharedPool().run(
    command,
    (result) => {
      // ffmpeg.wasm's ffprobe returns -1 even on success; the JSON it wrote is what counts.
      const bytes = result.outputs[PROBE_OUT];
      let json: ProbeJson | null;
      try {
        json = bytes ? (JSON.parse(new TextDecoder().decode(bytes)) as ProbeJson) : null;
      } catch {
        json = null;
      }
      if (!json?.streams?.length) {
        throw new ClipRejectedError(
          `not a readable video (${result.code === 0 ? 'no video stream' : logReason(result.log)})`,
        );
      }
      return parseProbe(json);
    },
    options,
  );
}

export interface FfmpegFrameRequest {
  indices: readonly number[];
  info: FfprobeInfo;
  /** Working size, display-oriented. */
  outWidth: number;
  outHeight: number;
}

export interface FfmpegFrames {
  frames: Map<number, RgbFrame>;
  /** Set when the clip ended before the last requested frame: the true frame count is at most this. */
  endedBefore: number | null;
}

export async function decodeWithFfmpeg(
  file: Blob,
  extension: string,
  request: FfmpegFrameRequest,
  options: FfmpegRunOptions = {},
): Promise<FfmpegFrames> {
  const wanted = [...new Set(request.indices)].filter((k) => k >= 0).sort((a, b) => a - b);
  const { info } = request;
  const turned = info.rotation % 180 !== 0;
  // ffmpeg rotates (autorotate) and keeps the stored size; large sources are first shrunk to about
  // twice the working size so wasm memory stays small, and our resampler does the rest.
  let width = turned ? info.height : info.width;
  let height = turned ? info.width : info.height;
  const filters = [`select='${selectExpression(wanted)}'`];
  if (width * height > 4 * request.outWidth * request.outHeight) {
    width = 2 * request.outWidth;
    height = 2 * request.outHeight;
    filters.push(`scale=${width}:${height}:flags=area`);
  }
  // 4:2:0 out, converted here: half the bytes of RGB out of ffmpeg's file system, and the same conversion
  // as the WebCodecs path.
  const pixelFormat = info.color.fullRange ? 'yuvj420p' : 'yuv420p';
  const command = {
    tool: 'ffmpeg' as const,
    args: [
      '-nostats',
      '-progress',
      'pipe:2',
      '-stats_period',
      '2',
      '-i',
      INPUT_TOKEN,
      '-map',
      '0:v:0',
      '-an',
      '-sn',
      '-vf',
      filters.join(','),
      '-fps_mode',
      'passthrough',
      '-frames:v',
      String(wanted.length),
      '-f',
      'rawvideo',
      '-pix_fmt',
      pixelFormat,
      FRAMES_OUT,
    ],
    input: { blob: file, extension },
    outputs: [FRAMES_OUT],
  };
  const bytes = await sharedPool().run(
    command,
    (result: FfmpegCommandResult) => {
      const out = result.outputs[FRAMES_OUT];
      if (result.code !== 0 || !out || out.length === 0) {
        throw new ClipRejectedError(`corrupt or unsupported video (${logReason(result.log)})`);
      }
      return out;
    },
    options,
  );
  const chromaWidth = Math.ceil(width / 2);
  const chromaSize = chromaWidth * Math.ceil(height / 2);
  const frameBytes = width * height + 2 * chromaSize;
  const produced = Math.floor(bytes.length / frameBytes);
  const frames = new Map<number, RgbFrame>();
  for (let i = 0; i < produced && i < wanted.length; i++) {
    const base = i * frameBytes;
    const rgb = yuvToRgb(
      {
        layout: 'I420',
        bitDepth: 8,
        width,
        height,
        y: bytes.subarray(base, base + width * height),
        yStride: width,
        u: bytes.subarray(base + width * height, base + width * height + chromaSize),
        uStride: chromaWidth,
        v: bytes.subarray(base + width * height + chromaSize, base + frameBytes),
        vStride: chromaWidth,
      },
      info.color,
    );
    frames.set(wanted[i]!, resizeRgb(rgb, request.outWidth, request.outHeight));
  }
  return { frames, endedBefore: produced < wanted.length ? wanted[produced]! : null };
}
