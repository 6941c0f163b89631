/**
 * Test clips made with Debian's ffmpeg, for the decoder tests (Node and browser) and the decode benchmark.
 * Every frame carries its own index as 8 binary blocks in the top quarter (bit 0 on the left), over smooth
 * moving colour so that colour-matrix and ordering mistakes both show. Clips are cached in a temp folder
 * keyed by this file's generator version.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rotateRgb, type RgbFrame, type Rotation } from '../src/data/image.ts';

const GENERATOR_VERSION = 5;
export const COUNTER_BITS = 8;

export interface TestClip {
  file: string;
  /** What the clip exercises. */
  about: string;
  frames: number;
  width: number;
  height: number;
  /** Clockwise rotation a player applies (the display size swaps for 90 / 270). */
  rotation: Rotation;
  fps: number;
  codec: string;
  /** The decoder where the browser's WebCodecs takes the codec (Chromium here: H.264 of every profile). */
  decoder: 'webcodecs' | 'ffmpeg';
  /** Browsers differ on this codec: where WebCodecs refuses it, the clip must go to ffmpeg.wasm instead. */
  webcodecsMayRefuse?: boolean;
}

export interface BadFile {
  file: string;
  /** A word the reported reason must contain. */
  reasonPattern: string;
}

interface ClipRecipe extends Omit<TestClip, 'file'> {
  name: string;
  /** ffmpeg output arguments (codec and options), before the output path. */
  args: string[];
  rate: string;
  /** Remux with a rotate tag after encoding. */
  rotateTag?: number;
  /** More ffmpeg inputs after the frames (input 0), e.g. an audio source. */
  inputs?: string[];
  /** Frames are drawn at this size and scaled by ffmpeg (`args` must scale them to width x height). */
  drawSize?: [number, number];
}

const X264_FAST = ['-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p'];

const RECIPES: ClipRecipe[] = [
  {
    name: 'h264-bframes-2997-322x242.mp4',
    about: 'H.264 High with B-frames, 29.97 fps, size not a multiple of 16',
    args: ['-c:v', 'libx264', '-profile:v', 'high', '-bf', '3', '-g', '24', '-pix_fmt', 'yuv420p'],
    rate: '30000/1001',
    frames: 72,
    width: 322,
    height: 242,
    rotation: 0,
    fps: 29.97,
    codec: 'H.264 High',
    decoder: 'webcodecs',
  },
  {
    name: 'h264-rotated.mp4',
    about: 'display matrix rotation',
    args: ['-c:v', 'libx264', '-bf', '2', '-g', '12', '-pix_fmt', 'yuv420p'],
    rate: '25',
    frames: 40,
    width: 160,
    height: 112,
    rotation: 270,
    fps: 25,
    codec: 'H.264 High',
    decoder: 'webcodecs',
    rotateTag: 90,
  },
  {
    name: 'h264-10-frames.mp4',
    about: 'a 10-frame clip, shorter than the sampling window',
    args: ['-c:v', 'libx264', '-bf', '2', '-pix_fmt', 'yuv420p'],
    rate: '25',
    frames: 10,
    width: 128,
    height: 96,
    rotation: 0,
    fps: 25,
    codec: 'H.264 High',
    decoder: 'webcodecs',
  },
  {
    name: 'h264-long-gop.mp4',
    about: 'one keyframe for 150 frames',
    args: [
      '-c:v',
      'libx264',
      '-bf',
      '3',
      '-g',
      '1000',
      '-keyint_min',
      '1000',
      '-sc_threshold',
      '0',
      '-pix_fmt',
      'yuv420p',
    ],
    rate: '25',
    frames: 150,
    width: 128,
    height: 96,
    rotation: 0,
    fps: 25,
    codec: 'H.264 High',
    decoder: 'webcodecs',
  },
  {
    name: 'vp9.mp4',
    about: 'VP9 in MP4',
    args: [
      '-c:v',
      'libvpx-vp9',
      '-deadline',
      'realtime',
      '-cpu-used',
      '8',
      '-b:v',
      '400k',
      '-g',
      '20',
      '-pix_fmt',
      'yuv420p',
    ],
    rate: '25',
    frames: 40,
    width: 160,
    height: 120,
    rotation: 0,
    fps: 25,
    codec: 'VP9',
    decoder: 'webcodecs',
  },
  {
    name: 'av1.mp4',
    about: 'AV1 in MP4',
    args: [
      '-c:v',
      'libaom-av1',
      '-usage',
      'realtime',
      '-cpu-used',
      '8',
      '-b:v',
      '300k',
      '-g',
      '15',
      '-pix_fmt',
      'yuv420p',
    ],
    rate: '25',
    frames: 24,
    width: 128,
    height: 96,
    rotation: 0,
    fps: 25,
    codec: 'AV1',
    decoder: 'webcodecs',
  },
  {
    name: 'xvid.avi',
    about: 'XviD in AVI, as UCF101',
    args: ['-c:v', 'libxvid', '-bf', '2', '-q:v', '3', '-g', '12', '-pix_fmt', 'yuv420p'],
    rate: '25',
    frames: 48,
    width: 160,
    height: 120,
    rotation: 0,
    fps: 25,
    codec: 'MPEG-4 Part 2',
    decoder: 'ffmpeg',
  },
  {
    name: 'mpeg4-part2.mp4',
    about: 'MPEG-4 Part 2 in MP4 (WebCodecs cannot decode it)',
    args: ['-c:v', 'mpeg4', '-bf', '2', '-q:v', '3', '-g', '12', '-pix_fmt', 'yuv420p'],
    rate: '25',
    frames: 40,
    width: 160,
    height: 120,
    rotation: 0,
    fps: 25,
    codec: 'MPEG-4 Part 2',
    decoder: 'ffmpeg',
  },
  {
    name: 'vp8.webm',
    about: 'VP8 in WebM',
    args: [
      '-c:v',
      'libvpx',
      '-deadline',
      'realtime',
      '-cpu-used',
      '8',
      '-b:v',
      '400k',
      '-g',
      '20',
      '-pix_fmt',
      'yuv420p',
    ],
    rate: '25',
    frames: 40,
    width: 160,
    height: 120,
    rotation: 0,
    fps: 25,
    codec: 'VP8',
    decoder: 'ffmpeg',
  },
  {
    name: 'hevc.mp4',
    about: 'HEVC in MP4 (ffmpeg.wasm where WebCodecs lacks HEVC)',
    args: [
      '-c:v',
      'libx265',
      '-x265-params',
      'log-level=error:bframes=2:keyint=20',
      '-tag:v',
      'hvc1',
      '-pix_fmt',
      'yuv420p',
    ],
    rate: '25',
    frames: 32,
    width: 128,
    height: 96,
    rotation: 0,
    fps: 25,
    codec: 'HEVC',
    decoder: 'ffmpeg',
  },
  // The containers and stream layouts people drop besides plain MP4 (shared/docs/real-data.md).
  {
    name: 'h264-fragmented.mp4',
    about:
      'fragmented MP4 (empty moov, a moof per keyframe, with sound) as screen recorders write, over 1 MB',
    inputs: ['-f', 'lavfi', '-i', 'sine=frequency=330:sample_rate=48000:duration=20'],
    args: [
      '-map',
      '0:v',
      '-map',
      '1:a',
      '-c:a',
      'aac',
      '-b:a',
      '64k',
      ...X264_FAST,
      '-crf',
      '12',
      '-g',
      '25',
      '-movflags',
      'frag_keyframe+empty_moov',
    ],
    rate: '25',
    frames: 500,
    width: 320,
    height: 180,
    rotation: 0,
    fps: 25,
    codec: 'H.264 High',
    decoder: 'webcodecs',
  },
  {
    name: 'h264-fragmented.mov',
    about: 'fragmented QuickTime MOV',
    args: [...X264_FAST, '-crf', '20', '-g', '20', '-f', 'mov', '-movflags', 'frag_keyframe+empty_moov'],
    rate: '25',
    frames: 300,
    width: 192,
    height: 108,
    rotation: 0,
    fps: 25,
    codec: 'H.264 High',
    decoder: 'webcodecs',
  },
  {
    name: 'h264.mov',
    about: 'QuickTime MOV (metadata atoms named with ©)',
    args: ['-c:v', 'libx264', '-bf', '2', '-g', '12', '-pix_fmt', 'yuv420p'],
    rate: '30',
    frames: 45,
    width: 160,
    height: 120,
    rotation: 0,
    fps: 30,
    codec: 'H.264 High',
    decoder: 'webcodecs',
  },
  {
    name: 'h264-audio-first.mp4',
    about: 'MP4 whose first track is audio',
    inputs: ['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:duration=2'],
    args: ['-map', '1:a', '-map', '0:v', '-c:a', 'aac', '-b:a', '64k', ...X264_FAST, '-bf', '2', '-g', '15'],
    rate: '25',
    frames: 50,
    width: 160,
    height: 120,
    rotation: 0,
    fps: 25,
    codec: 'H.264 High',
    decoder: 'webcodecs',
  },
  {
    name: 'h264-vfr.mp4',
    about: 'variable frame rate, as phones record: 30 fps for 1.5 s, then 15 fps',
    args: ['-vf', "setpts='(N+max(0,N-45))/30/TB'", '-fps_mode', 'vfr', ...X264_FAST, '-bf', '0', '-g', '30'],
    rate: '30',
    frames: 90,
    width: 160,
    height: 120,
    rotation: 0,
    fps: 20.15,
    codec: 'H.264 High',
    decoder: 'webcodecs',
  },
  {
    name: 'h264-444.mp4',
    about:
      'H.264 High 4:4:4 Predictive in MP4 (Debian’s Chromium decodes it; browsers that refuse it use ffmpeg.wasm)',
    args: ['-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv444p', '-g', '20'],
    rate: '25',
    frames: 40,
    width: 160,
    height: 120,
    rotation: 0,
    fps: 25,
    codec: 'H.264 High 4:4:4 Predictive',
    decoder: 'webcodecs',
    webcodecsMayRefuse: true,
  },
  {
    name: 'h264-444.mkv',
    about: 'H.264 High 4:4:4 Predictive through ffmpeg.wasm',
    args: ['-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv444p', '-g', '20'],
    rate: '25',
    frames: 40,
    width: 160,
    height: 120,
    rotation: 0,
    fps: 25,
    codec: 'H.264 High 4:4:4 Predictive',
    decoder: 'ffmpeg',
  },
  {
    name: 'h264-1080p60.mp4',
    about: '1080p60 H.264, as phones record (drawn at 640x360, scaled by ffmpeg)',
    drawSize: [640, 360],
    args: ['-vf', 'scale=1920:1080', ...X264_FAST, '-g', '60'],
    rate: '60',
    frames: 180,
    width: 1920,
    height: 1080,
    rotation: 0,
    fps: 60,
    codec: 'H.264 High',
    decoder: 'webcodecs',
  },
  {
    name: 'h264.mkv',
    about: 'H.264 in Matroska',
    args: ['-c:v', 'libx264', '-bf', '2', '-g', '12', '-pix_fmt', 'yuv420p'],
    rate: '25',
    frames: 40,
    width: 160,
    height: 120,
    rotation: 0,
    fps: 25,
    codec: 'H.264 High',
    decoder: 'ffmpeg',
  },
  {
    name: 'vp9.webm',
    about: 'VP9 in WebM',
    args: [
      '-c:v',
      'libvpx-vp9',
      '-deadline',
      'realtime',
      '-cpu-used',
      '8',
      '-b:v',
      '400k',
      '-g',
      '20',
      '-pix_fmt',
      'yuv420p',
    ],
    rate: '25',
    frames: 40,
    width: 160,
    height: 120,
    rotation: 0,
    fps: 25,
    codec: 'VP9',
    decoder: 'ffmpeg',
  },
  {
    name: 'vp8-streamed.webm',
    about: 'WebM written as a stream, as MediaRecorder does: no duration, no cues',
    args: [
      '-c:v',
      'libvpx',
      '-deadline',
      'realtime',
      '-cpu-used',
      '8',
      '-b:v',
      '400k',
      '-pix_fmt',
      'yuv420p',
      '-f',
      'webm',
      '-live',
      '1',
    ],
    rate: '30',
    frames: 60,
    width: 160,
    height: 120,
    rotation: 0,
    fps: 30,
    codec: 'VP8',
    decoder: 'ffmpeg',
  },
];

export const BAD_FILES: BadFile[] = [
  { file: 'bad-empty.mp4', reasonPattern: 'empty' },
  { file: 'bad-truncated.mp4', reasonPattern: 'truncated' },
  { file: 'bad-random.avi', reasonPattern: 'not a' },
  { file: 'bad-text.mp4', reasonPattern: 'text' },
];

/** The frame generator: smooth moving colour, a moving square, and the counter blocks on top. */
export function syntheticFrame(index: number, width: number, height: number): RgbFrame {
  const data = new Uint8Array(width * height * 3);
  const band = Math.floor(height / 4);
  const blockWidth = width / COUNTER_BITS;
  const square = Math.floor(Math.min(width, height) / 5);
  const sx = (index * 3) % Math.max(1, width - square);
  const sy = band + ((index * 2) % Math.max(1, height - band - square));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      if (y < band) {
        const bit = (index >> Math.min(COUNTER_BITS - 1, Math.floor(x / blockWidth))) & 1;
        const v = bit ? 235 : 20;
        data[o] = v;
        data[o + 1] = v;
        data[o + 2] = v;
        continue;
      }
      if (x >= sx && x < sx + square && y >= sy && y < sy + square) {
        data[o] = 240;
        data[o + 1] = 200;
        data[o + 2] = 30;
        continue;
      }
      data[o] = 128 + 90 * Math.sin(x / 13 + index / 5);
      data[o + 1] = 128 + 90 * Math.sin(y / 11 - index / 7);
      data[o + 2] = 128 + 90 * Math.sin((x + y) / 17 + index / 3);
    }
  }
  return { width, height, data };
}

/** Reads the counter from a frame in display orientation (`rotation` is the clip's display rotation). */
export function readCounter(frame: RgbFrame, rotation: Rotation): number {
  const upright = rotateRgb(frame, ((360 - rotation) % 360) as Rotation);
  const { width, height, data } = upright;
  const band = Math.floor(height / 4);
  const blockWidth = width / COUNTER_BITS;
  let value = 0;
  for (let bit = 0; bit < COUNTER_BITS; bit++) {
    const x0 = Math.floor(bit * blockWidth + blockWidth * 0.25);
    const x1 = Math.ceil(bit * blockWidth + blockWidth * 0.75);
    let sum = 0;
    let n = 0;
    for (let y = Math.floor(band * 0.2); y < Math.ceil(band * 0.8); y++) {
      for (let x = x0; x < x1; x++) {
        const o = (y * width + x) * 3;
        sum += data[o]! + data[o + 1]! + data[o + 2]!;
        n += 3;
      }
    }
    if (sum / n > 128) value |= 1 << bit;
  }
  return value;
}

function ffmpeg(args: string[], input?: Buffer): void {
  execFileSync('ffmpeg', ['-v', 'error', '-nostdin', '-y', ...args], {
    input,
    stdio: [input ? 'pipe' : 'ignore', 'ignore', 'pipe'],
    maxBuffer: 1 << 28,
  });
}

function encode(recipe: ClipRecipe, out: string): void {
  const [width, height] = recipe.drawSize ?? [recipe.width, recipe.height];
  const frames = Buffer.alloc(width * height * 3 * recipe.frames);
  for (let i = 0; i < recipe.frames; i++) {
    const frame = syntheticFrame(i, width, height);
    frames.set(frame.data, i * frame.data.length);
  }
  const raw = ['-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${width}x${height}`, '-r', recipe.rate];
  const inputs = [...raw, '-i', '-', ...(recipe.inputs ?? []), '-threads', '1'];
  if (recipe.rotateTag === undefined) {
    ffmpeg([...inputs, ...recipe.args, out], frames);
    return;
  }
  const plain = `${out}.plain.mp4`;
  ffmpeg([...inputs, ...recipe.args, plain], frames);
  ffmpeg(['-i', plain, '-c', 'copy', '-metadata:s:v:0', `rotate=${recipe.rotateTag}`, out]);
  rmSync(plain);
}

function writeBadFiles(dir: string, goodMp4: string): void {
  writeFileSync(join(dir, 'bad-empty.mp4'), new Uint8Array(0));
  const good = readFileSync(goodMp4);
  // ffmpeg writes the moov box last: cutting the file leaves no index, like an interrupted download.
  writeFileSync(join(dir, 'bad-truncated.mp4'), good.subarray(0, Math.floor(good.length * 0.6)));
  const random = new Uint8Array(40_000);
  let state = 12345;
  for (let i = 0; i < random.length; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    random[i] = state >>> 24;
  }
  writeFileSync(join(dir, 'bad-random.avi'), random);
  writeFileSync(join(dir, 'bad-text.mp4'), 'This is not a video.\nJust some notes someone saved as .mp4.\n');
}

export interface TestClipSet {
  dir: string;
  clips: TestClip[];
  bad: BadFile[];
}

/** Makes (or reuses) the clip set; `only` limits it to some clip names. */
export function ensureTestClips(only?: readonly string[]): TestClipSet {
  const dir = join(tmpdir(), `videomae-test-clips-v${GENERATOR_VERSION}`);
  const recipes = only ? RECIPES.filter((r) => only.includes(r.name)) : RECIPES;
  mkdirSync(dir, { recursive: true });
  for (const recipe of recipes) {
    const out = join(dir, recipe.name);
    if (existsSync(out)) continue;
    const partial = join(dir, `.partial-${process.pid}-${recipe.name}`);
    encode(recipe, partial);
    renameSync(partial, out);
  }
  if (!existsSync(join(dir, 'bad-text.mp4'))) {
    const source = join(dir, RECIPES[0]!.name);
    if (!existsSync(source)) encode(RECIPES[0]!, source);
    writeBadFiles(dir, source);
  }
  return {
    dir,
    clips: recipes.map(({ name, args: _a, rate: _r, rotateTag: _t, inputs: _i, drawSize: _d, ...rest }) => ({
      file: name,
      ...rest,
    })),
    bad: BAD_FILES,
  };
}

/**
 * ffmpeg's own decode of every frame, display-oriented (autorotate), as packed RGB. Passthrough timing: a
 * variable-frame-rate clip keeps its frames (ffmpeg's default for raw output would duplicate or drop some).
 */
const QUIET = ['-v', 'error', '-nostdin'];
const RGB_OUT = ['-fps_mode', 'passthrough', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'];

/** Every frame at once: for small clips only (see forEachFfmpegFrame for large ones). */
export function ffmpegReferenceFrames(path: string, width: number, height: number): RgbFrame[] {
  const out = execFileSync('ffmpeg', [...QUIET, '-i', path, ...RGB_OUT], {
    maxBuffer: 1 << 30,
  });
  const size = width * height * 3;
  if (out.length % size !== 0)
    throw new Error(`${path}: ${out.length} bytes is not a whole number of ${width}x${height} frames`);
  const frames: RgbFrame[] = [];
  for (let o = 0; o < out.length; o += size) {
    frames.push({ width, height, data: new Uint8Array(out.buffer, out.byteOffset + o, size) });
  }
  return frames;
}

/**
 * ffmpeg's decode streamed frame by frame (one frame in memory at a time): `onFrame` gets each frame and its
 * index, and may keep what it needs (the frame's bytes are reused afterwards). Resolves to the frame count.
 * `vf` filters the frames in ffmpeg first (then width x height is the filtered size).
 */
export async function forEachFfmpegFrame(
  path: string,
  width: number,
  height: number,
  onFrame: (frame: RgbFrame, index: number) => void,
  options: { vf?: string; threads?: number } = {},
): Promise<number> {
  const { spawn } = await import('node:child_process');
  const args = [...QUIET];
  if (options.threads !== undefined) args.push('-threads', String(options.threads));
  args.push('-i', path, ...(options.vf ? ['-vf', options.vf] : []), ...RGB_OUT);
  const child = spawn('ffmpeg', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const size = width * height * 3;
  const frame: RgbFrame = { width, height, data: new Uint8Array(size) };
  let filled = 0;
  let count = 0;
  let stderr = '';
  let failure: unknown = null;
  child.stderr.on('data', (chunk: Buffer) => void (stderr = (stderr + chunk.toString()).slice(-2000)));
  child.stdout.on('data', (chunk: Buffer) => {
    let offset = 0;
    while (offset < chunk.length) {
      const n = Math.min(size - filled, chunk.length - offset);
      frame.data.set(chunk.subarray(offset, offset + n), filled);
      filled += n;
      offset += n;
      if (filled === size) {
        try {
          onFrame(frame, count);
        } catch (error) {
          failure ??= error;
          child.kill();
        }
        count++;
        filled = 0;
      }
    }
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  if (failure) throw failure;
  if (code !== 0) throw new Error(`ffmpeg failed on ${path} (exit ${code}): ${stderr.trim()}`);
  if (filled !== 0) throw new Error(`${path}: output is not a whole number of ${width}x${height} frames`);
  return count;
}

/** What native ffprobe says about a clip's first video stream (frames counted by decoding them). */
export interface ProbedVideo {
  frames: number;
  /** The stream's duration, else the container's, else the span of its packets' timestamps. */
  durationS: number;
  /** Presentation time of each packet, in decode order (seconds, as ffprobe gives them after edit lists). */
  packetPts: number[];
}

export function ffprobeVideo(path: string): ProbedVideo {
  const result = spawnSync(
    'ffprobe',
    [
      '-v',
      'error',
      '-select_streams',
      'v:0',
      '-count_frames',
      '-show_entries',
      'stream=nb_read_frames,duration:format=duration:packet=pts_time,duration_time',
      '-of',
      'json',
      path,
    ],
    { maxBuffer: 1 << 28, encoding: 'utf8' },
  );
  if (result.status !== 0) {
    const said = result.stderr?.trim().split('\n').at(-1) ?? String(result.error ?? 'no output');
    throw new Error(`ffprobe failed on ${path}: ${said.replace(`${path}: `, '')}`);
  }
  const json = JSON.parse(result.stdout) as {
    streams?: { nb_read_frames?: string; duration?: string }[];
    format?: { duration?: string };
    packets?: { pts_time?: string; duration_time?: string }[];
  };
  const packets = json.packets ?? [];
  const packetPts = packets.map((p) => Number(p.pts_time));
  const stream = json.streams?.[0];
  let durationS = Number(stream?.duration ?? json.format?.duration ?? NaN);
  if (!Number.isFinite(durationS)) {
    const ends = packets.map((p) => Number(p.pts_time) + Number(p.duration_time ?? 0));
    durationS = Math.max(...ends) - Math.min(...packetPts);
  }
  return { frames: Number(stream?.nb_read_frames ?? NaN), durationS, packetPts };
}
