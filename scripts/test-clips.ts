/**
 * Test clips made with Debian's ffmpeg, for the decoder tests (Node and browser) and the decode benchmark.
 * Every frame carries its own index as 8 binary blocks in the top quarter (bit 0 on the left), over smooth
 * moving colour so that colour-matrix and ordering mistakes both show. Clips are cached in a temp folder
 * keyed by this file's generator version.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rotateRgb, type RgbFrame, type Rotation } from '../src/data/image.ts';

const GENERATOR_VERSION = 3;
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
  decoder: 'webcodecs' | 'ffmpeg';
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
}

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
  const frames = Buffer.alloc(recipe.width * recipe.height * 3 * recipe.frames);
  for (let i = 0; i < recipe.frames; i++) {
    const frame = syntheticFrame(i, recipe.width, recipe.height);
    frames.set(frame.data, i * frame.data.length);
  }
  const raw = [
    '-f',
    'rawvideo',
    '-pix_fmt',
    'rgb24',
    '-s',
    `${recipe.width}x${recipe.height}`,
    '-r',
    recipe.rate,
  ];
  const threads = ['-threads', '1'];
  if (recipe.rotateTag === undefined) {
    ffmpeg([...raw, '-i', '-', ...threads, ...recipe.args, out], frames);
    return;
  }
  const plain = `${out}.plain.mp4`;
  ffmpeg([...raw, '-i', '-', ...threads, ...recipe.args, plain], frames);
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
    clips: recipes.map(({ name, args: _a, rate: _r, rotateTag: _t, ...rest }) => ({ file: name, ...rest })),
    bad: BAD_FILES,
  };
}

/** ffmpeg's own decode of every frame, display-oriented (autorotate), as packed RGB. */
export function ffmpegReferenceFrames(path: string, width: number, height: number): RgbFrame[] {
  const out = execFileSync(
    'ffmpeg',
    ['-v', 'error', '-nostdin', '-i', path, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'],
    {
      maxBuffer: 1 << 30,
    },
  );
  const size = width * height * 3;
  if (out.length % size !== 0)
    throw new Error(`${path}: ${out.length} bytes is not a whole number of ${width}x${height} frames`);
  const frames: RgbFrame[] = [];
  for (let o = 0; o < out.length; o += size) {
    frames.push({ width, height, data: new Uint8Array(out.buffer, out.byteOffset + o, size) });
  }
  return frames;
}
