/**
 * Everything WebCodecs cannot decode (AVI / XviD as in UCF101, MPEG-4 Part 2, WebM, MKV, HEVC here) goes
 * through ffmpeg.wasm. The core (~32 MB, GPL) is served from the app bundle and loaded on first use only;
 * importing this module costs nothing until then. Files are mounted with WORKERFS (no copy into wasm memory)
 * and one command runs at a time. ffmpeg picks the frames itself (`select` + `-frames:v`), so it stops
 * decoding at the last frame needed and only those frames are converted and copied out.
 */
import { FFmpeg, FFFSType } from '@ffmpeg/ffmpeg';
import coreURL from '@ffmpeg/core?url';
import wasmURL from '@ffmpeg/core/wasm?url';
import { ClipRejectedError } from '../errors.ts';
import { resizeRgb, type RgbFrame } from '../image.ts';
import { yuvToRgb } from '../yuv.ts';
import { withStallGuard } from './stall-guard.ts';
import { parseProbe, selectExpression, type FfprobeInfo, type ProbeJson } from './ffprobe-info.ts';

export type { FfprobeInfo };

let shared: Promise<FFmpeg> | null = null;
let queue: Promise<unknown> = Promise.resolve();
let mountCounter = 0;
const logLines: string[] = [];
/**
 * When ffmpeg last said anything: decodes report progress every 2 s (`-progress pipe:2`, whole lines, which
 * reach us where the usual `\r`-ended stats would not), so a long silence means it hung.
 */
let lastOutput = 0;
const STALL_MS = 60_000;

function loadFfmpeg(): Promise<FFmpeg> {
  shared ??= (async () => {
    const ffmpeg = new FFmpeg();
    ffmpeg.on('log', ({ message }) => {
      lastOutput = performance.now();
      if (/^[a-z_0-9]+=\S*$/.test(message.trim())) return;
      logLines.push(message);
      if (logLines.length > 200) logLines.splice(0, logLines.length - 200);
    });
    await ffmpeg.load({ coreURL, wasmURL });
    return ffmpeg;
  })().catch((error: unknown) => {
    shared = null;
    throw new ClipRejectedError(`the ffmpeg.wasm decoder failed to load (${String(error)})`);
  });
  return shared;
}

/** Whether ffmpeg.wasm has been loaded in this worker (it loads lazily). */
export function ffmpegLoaded(): boolean {
  return shared !== null;
}

/** Files up to this size are copied into ffmpeg's memory (fast reads); larger ones are mounted. */
const COPY_LIMIT = 64 << 20;

/** Runs `task` with `file` readable by ffmpeg at the given path, one task at a time. */
function withInputFile<T>(
  file: Blob,
  extension: string,
  task: (ffmpeg: FFmpeg, path: string) => Promise<T>,
): Promise<T> {
  const run = async () => {
    const ffmpeg = await loadFfmpeg();
    lastOutput = performance.now();
    // A hung or crashed ffmpeg worker is replaced: the next clip loads a fresh one.
    return withStallGuard(
      withFile(ffmpeg),
      () => lastOutput,
      STALL_MS,
      'ffmpeg.wasm',
      () => {
        ffmpeg.terminate();
        shared = null;
      },
    );
  };
  const withFile = async (ffmpeg: FFmpeg): Promise<T> => {
    const id = ++mountCounter;
    const name = `input${id}.${extension || 'bin'}`;
    logLines.length = 0;
    if (file.size <= COPY_LIMIT) {
      const path = `/${name}`;
      await ffmpeg.writeFile(path, new Uint8Array(await file.arrayBuffer()));
      try {
        return await task(ffmpeg, path);
      } finally {
        await ffmpeg.deleteFile(path);
      }
    }
    const dir = `/mnt${id}`;
    await ffmpeg.createDir(dir);
    await ffmpeg.mount(FFFSType.WORKERFS, { blobs: [{ name, data: file }] }, dir);
    try {
      return await task(ffmpeg, `${dir}/${name}`);
    } finally {
      await ffmpeg.unmount(dir);
      await ffmpeg.deleteDir(dir);
    }
  };
  const result = queue.then(run, run);
  queue = result.catch(() => undefined);
  return result;
}

/** The most telling line ffmpeg logged, for a plain reason. */
function logReason(): string {
  const telling = logLines.filter((l) =>
    /invalid|error|not supported|unsupported|could not|no such|corrupt|truncat|failed|not found/i.test(l),
  );
  const line = (telling.at(-1) ?? logLines.at(-1) ?? 'unknown error').trim();
  return line.replace(/^\[[^\]]*\]\s*/, '').replace(/^\S*input\d+\.\w+:\s*/, '');
}

export function probeWithFfmpeg(file: Blob, extension: string): Promise<FfprobeInfo> {
  return withInputFile(file, extension, async (ffmpeg, path) => {
    const out = `/probe${mountCounter}.json`;
    const code = await ffmpeg.ffprobe([
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
      path,
      '-o',
      out,
    ]);
    let text = '';
    try {
      text = (await ffmpeg.readFile(out, 'utf8')) as string;
      await ffmpeg.deleteFile(out);
    } catch {
      // no output file: the probe failed before writing
    }
    // ffmpeg.wasm's ffprobe returns -1 even on success; the JSON it wrote is what counts.
    let json: ProbeJson | null;
    try {
      json = text ? (JSON.parse(text) as ProbeJson) : null;
    } catch {
      json = null;
    }
    if (!json?.streams?.length) {
      throw new ClipRejectedError(`not a readable video (${code === 0 ? 'no video stream' : logReason()})`);
    }
    return parseProbe(json);
  });
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

export function decodeWithFfmpeg(
  file: Blob,
  extension: string,
  request: FfmpegFrameRequest,
): Promise<FfmpegFrames> {
  const wanted = [...new Set(request.indices)].filter((k) => k >= 0).sort((a, b) => a - b);
  return withInputFile(file, extension, async (ffmpeg, path) => {
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
    const out = `/frames${mountCounter}.yuv`;
    // 4:2:0 out, converted here: half the bytes of RGB through ffmpeg's in-memory file system, and the same
    // conversion as the WebCodecs path.
    const pixelFormat = info.color.fullRange ? 'yuvj420p' : 'yuv420p';
    const code = await ffmpeg.exec([
      '-nostats',
      '-progress',
      'pipe:2',
      '-stats_period',
      '2',
      '-i',
      path,
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
      out,
    ]);
    let bytes: Uint8Array | null;
    try {
      bytes = (await ffmpeg.readFile(out)) as Uint8Array;
      await ffmpeg.deleteFile(out);
    } catch {
      bytes = null;
    }
    if (code !== 0 || !bytes || bytes.length === 0) {
      throw new ClipRejectedError(`corrupt or unsupported video (${logReason()})`);
    }
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
  });
}
