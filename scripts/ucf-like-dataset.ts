/**
 * A dataset with the shape of Hugging Face's `UCF101_subset`, for tests and benchmarks at the user's scale:
 * `UCF101_subset/{train,val,test}/<Class>/v_<Class>_gNN_cNN.avi`, 10 classes, 400 clips, all XviD AVI at
 * 320x240 and 25 fps, 4-10 s each (UCF101's own encoding), plus the same folder as `.tar.gz`, as the Hub
 * ships it. Made with Debian's ffmpeg from frames drawn here, cached in a temp folder keyed by the options
 * and this file's generator version (never committed).
 *
 *   npx tsx scripts/ucf-like-dataset.ts [--out <dir>] [--groups 10] [--clips 4] [--seconds 4-10]
 *
 * Learnable by motion only, like the built-in sample: group g of every class is one scene (background,
 * object colour and shape), so neither says anything about the class. The ten motions are periodic (a
 * period of 28-44 frames), so any window the sampler takes (16 frames every 4 = 61 frames, or 8 every 4)
 * shows a whole cycle however long the clip, and each is unchanged by a horizontal flip and a crop, the
 * training augmentations.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Rng } from '../src/util/rng.ts';
import { randomHue } from './lib/colors.ts';
import { formatUcf101Name, type SplitName } from '../src/data/ucf101.ts';

const GENERATOR_VERSION = 1;

export const UCF_LIKE_CLASSES = [
  'Blink',
  'Bounce',
  'FadeIn',
  'FadeOut',
  'Grow',
  'Pulse',
  'Shrink',
  'SlideDown',
  'SlideUp',
  'Still',
] as const;
type MotionClass = (typeof UCF_LIKE_CLASSES)[number];

export interface UcfLikeOptions {
  /** Groups (scenes) per class; the last fifth are test, the one before val (at least one each). */
  groupsPerClass: number;
  clipsPerGroup: number;
  width: number;
  height: number;
  fps: number;
  minSeconds: number;
  maxSeconds: number;
  seed: number;
}

export const UCF_LIKE_DEFAULTS: UcfLikeOptions = {
  groupsPerClass: 10,
  clipsPerGroup: 4,
  width: 320,
  height: 240,
  fps: 25,
  minSeconds: 4,
  maxSeconds: 10,
  seed: 101,
};

export interface UcfLikeClip {
  /** Path relative to the dataset folder's parent, starting with `UCF101_subset/`. */
  path: string;
  className: MotionClass;
  split: SplitName;
  group: number;
  frames: number;
}

export interface UcfLikeDataset {
  /** The `UCF101_subset` folder. */
  dir: string;
  /** `UCF101_subset.tar.gz` of that folder (top folder inside, as the Hub's archive). */
  archive: string;
  clips: UcfLikeClip[];
  classes: readonly string[];
  countBySplit: Record<SplitName, number>;
}

export function splitOfUcfLikeGroup(group: number, groups: number): SplitName {
  const test = Math.max(1, Math.round(groups / 5));
  const val = Math.max(1, Math.round(groups / 10));
  if (group > groups - test) return 'test';
  if (group > groups - test - val) return 'val';
  return 'train';
}

interface Scene {
  background: Uint8Array;
  /** A few frames of sensor noise, cycled, so that the encoder has texture to code as in real footage. */
  noise: Int8Array[];
  color: [number, number, number];
  shape: 'circle' | 'square' | 'diamond' | 'ring';
  /** Object radius as a fraction of the frame height. */
  size: number;
}

function makeScene(rng: Rng, w: number, h: number): Scene {
  const background = new Uint8Array(w * h * 3);
  const waves = Array.from({ length: 3 }, () =>
    Array.from({ length: 3 }, () => ({
      fx: rng.uniform(0.01, 0.08),
      fy: rng.uniform(0.01, 0.08),
      phase: rng.uniform(0, 6.28),
      amp: rng.uniform(0.5, 1),
    })),
  );
  const low = rng.int(15, 45);
  const span = rng.uniform(35, 60);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < 3; c++) {
        let v = 0;
        for (const wave of waves[c]!) v += wave.amp * Math.sin(x * wave.fx + y * wave.fy + wave.phase);
        background[(y * w + x) * 3 + c] = low + span * (0.5 + v / 6);
      }
    }
  }
  const noise = Array.from({ length: 4 }, () => {
    const n = new Int8Array(w * h);
    for (let i = 0; i < n.length; i++) n[i] = rng.int(-5, 6);
    return n;
  });
  const rgb = randomHue(rng);
  return {
    background,
    noise,
    color: rgb.map((c) => Math.round(150 + c * 105)) as [number, number, number],
    shape: rng.pick(['circle', 'square', 'diamond', 'ring'] as const),
    size: rng.uniform(0.1, 0.16),
  };
}

interface ObjectState {
  cx: number;
  cy: number;
  r: number;
  alpha: number;
}

/** Where the object is, how big and how opaque at frame t: the class is in how these change. */
function motionOf(className: MotionClass, scene: Scene, rng: Rng, w: number, h: number) {
  const period = rng.uniform(28, 44);
  const phase = rng.uniform(0, period);
  const base = scene.size * h;
  const cx = rng.uniform(0.25, 0.75) * w;
  const cy = rng.uniform(0.3, 0.7) * h;
  const frac = (t: number) => ((((t + phase) / period) % 1) + 1) % 1;
  const wave = (t: number) => Math.sin((2 * Math.PI * (t + phase)) / period);
  const span = h + 2 * base;
  return (t: number): ObjectState => {
    switch (className) {
      case 'SlideUp':
        return { cx, cy: h + base - frac(t) * span, r: base, alpha: 1 };
      case 'SlideDown':
        return { cx, cy: -base + frac(t) * span, r: base, alpha: 1 };
      case 'Grow':
        return { cx, cy, r: base * (0.15 + 2.2 * frac(t)), alpha: 1 };
      case 'Shrink':
        return { cx, cy, r: base * (2.35 - 2.2 * frac(t)), alpha: 1 };
      case 'FadeIn':
        return { cx, cy, r: 1.5 * base, alpha: frac(t) };
      case 'FadeOut':
        return { cx, cy, r: 1.5 * base, alpha: 1 - frac(t) };
      case 'Bounce':
        return { cx, cy: h / 2 + 0.3 * h * wave(t), r: base, alpha: 1 };
      case 'Pulse':
        return { cx, cy, r: base * (1.2 + 0.9 * wave(t)), alpha: 1 };
      case 'Blink':
        return { cx, cy, r: 1.5 * base, alpha: frac(t * 3) < 0.5 ? 1 : 0 };
      case 'Still':
        return { cx, cy, r: 1.5 * base, alpha: 1 };
    }
  };
}

function inside(shape: Scene['shape'], dx: number, dy: number, r: number): boolean {
  switch (shape) {
    case 'circle':
      return dx * dx + dy * dy <= r * r;
    case 'square':
      return Math.abs(dx) <= r * 0.85 && Math.abs(dy) <= r * 0.85;
    case 'diamond':
      return Math.abs(dx) + Math.abs(dy) <= r * 1.2;
    case 'ring': {
      const d = dx * dx + dy * dy;
      return d <= r * r && d >= 0.3 * r * r;
    }
  }
}

function drawFrame(out: Uint8Array, scene: Scene, state: ObjectState, t: number, w: number, h: number): void {
  const noise = scene.noise[t % scene.noise.length]!;
  const bg = scene.background;
  for (let p = 0; p < w * h; p++) {
    const n = noise[p]!;
    out[p * 3] = bg[p * 3]! + n;
    out[p * 3 + 1] = bg[p * 3 + 1]! + n;
    out[p * 3 + 2] = bg[p * 3 + 2]! + n;
  }
  if (state.alpha <= 0) return;
  const r = state.r;
  const y0 = Math.max(0, Math.floor(state.cy - 1.3 * r));
  const y1 = Math.min(h - 1, Math.ceil(state.cy + 1.3 * r));
  const x0 = Math.max(0, Math.floor(state.cx - 1.3 * r));
  const x1 = Math.min(w - 1, Math.ceil(state.cx + 1.3 * r));
  const a = state.alpha;
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      if (!inside(scene.shape, x - state.cx, y - state.cy, r)) continue;
      const o = (y * w + x) * 3;
      for (let c = 0; c < 3; c++) out[o + c] = out[o + c]! * (1 - a) + scene.color[c]! * a;
    }
  }
}

function run(command: string, args: string[], input?: Buffer): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { stdio: [input ? 'pipe' : 'ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolvePromise() : reject(new Error(`${command} exited ${code}: ${stderr.slice(-500)}`)),
    );
    if (input) {
      child.stdin!.on('error', () => undefined);
      child.stdin!.end(input);
    }
  });
}

interface ClipJob extends UcfLikeClip {
  scene: Scene;
  rng: Rng;
}

async function encodeClip(job: ClipJob, out: string, options: UcfLikeOptions): Promise<void> {
  const { width: w, height: h } = options;
  const frameBytes = w * h * 3;
  const raw = Buffer.alloc(frameBytes * job.frames);
  const motion = motionOf(job.className, job.scene, job.rng, w, h);
  const frame = new Uint8Array(frameBytes);
  for (let t = 0; t < job.frames; t++) {
    drawFrame(frame, job.scene, motion(t), t, w, h);
    raw.set(frame, t * frameBytes);
  }
  // UCF101's clips: XviD (MPEG-4 Part 2, Advanced Simple), B-frames, a keyframe every 12 frames or so.
  await run(
    'ffmpeg',
    [
      '-v',
      'error',
      '-nostdin',
      '-y',
      '-f',
      'rawvideo',
      '-pix_fmt',
      'rgb24',
      '-s',
      `${w}x${h}`,
      '-r',
      String(options.fps),
      '-i',
      '-',
      '-threads',
      '1',
      '-c:v',
      'libxvid',
      '-q:v',
      '4',
      '-bf',
      '2',
      '-g',
      '12',
      '-pix_fmt',
      'yuv420p',
      '-f',
      'avi',
      out,
    ],
    raw,
  );
}

function plan(options: UcfLikeOptions): ClipJob[] {
  const root = new Rng(`ucf-like/${options.seed}`);
  const jobs: ClipJob[] = [];
  for (let g = 1; g <= options.groupsPerClass; g++) {
    // One scene per group, the same for every class: only the motion differs.
    const scene = makeScene(root.fork(`scene/${g}`), options.width, options.height);
    const split = splitOfUcfLikeGroup(g, options.groupsPerClass);
    for (const className of UCF_LIKE_CLASSES) {
      for (let c = 1; c <= options.clipsPerGroup; c++) {
        const rng = root.fork(`clip/${className}/${g}/${c}`);
        const seconds = rng.uniform(options.minSeconds, options.maxSeconds);
        jobs.push({
          path: `UCF101_subset/${split}/${className}/${formatUcf101Name(className, g, c, 'avi')}`,
          className,
          split,
          group: g,
          frames: Math.round(seconds * options.fps),
          scene,
          rng,
        });
      }
    }
  }
  return jobs;
}

function cacheDir(options: UcfLikeOptions): string {
  const key = [
    GENERATOR_VERSION,
    options.groupsPerClass,
    options.clipsPerGroup,
    `${options.width}x${options.height}`,
    options.fps,
    `${options.minSeconds}-${options.maxSeconds}s`,
    options.seed,
  ].join('-');
  return join(tmpdir(), `videomae-ucf-like-v${key}`);
}

/** Makes (or reuses) the dataset and its archive; `out` puts them elsewhere than the temp cache. */
export async function ensureUcfLikeDataset(
  overrides: Partial<UcfLikeOptions> = {},
  out?: string,
  log: (line: string) => void = () => undefined,
): Promise<UcfLikeDataset> {
  const options = { ...UCF_LIKE_DEFAULTS, ...overrides };
  const base = out ? resolve(out) : cacheDir(options);
  const dir = join(base, 'UCF101_subset');
  const archive = join(base, 'UCF101_subset.tar.gz');
  const jobs = plan(options);
  const countBySplit: Record<SplitName, number> = { train: 0, val: 0, test: 0 };
  for (const job of jobs) countBySplit[job.split]++;
  const result: UcfLikeDataset = {
    dir,
    archive,
    clips: jobs.map(({ scene: _s, rng: _r, ...clip }) => clip),
    classes: UCF_LIKE_CLASSES,
    countBySplit,
  };
  if (existsSync(archive)) return result;
  const todo = jobs.filter((job) => !existsSync(join(base, job.path)));
  log(`making ${todo.length} XviD clips in ${dir}`);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < todo.length) {
      const job = todo[next++]!;
      const target = join(base, job.path);
      mkdirSync(join(target, '..'), { recursive: true });
      const partial = `${target}.partial-${process.pid}.avi`;
      await encodeClip(job, partial, options);
      renameSync(partial, target);
      if (++done % 50 === 0) log(`${done} / ${todo.length} clips`);
    }
  };
  await Promise.all([worker(), worker()]);
  const partialArchive = `${archive}.partial-${process.pid}`;
  await run('tar', ['czf', partialArchive, '-C', base, 'UCF101_subset']);
  renameSync(partialArchive, archive);
  return result;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  let out: string | undefined;
  const overrides: Partial<UcfLikeOptions> = {};
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--out') out = value;
    else if (flag === '--groups') overrides.groupsPerClass = Number(value);
    else if (flag === '--clips') overrides.clipsPerGroup = Number(value);
    else if (flag === '--seed') overrides.seed = Number(value);
    else if (flag === '--seconds') {
      const [lo, hi] = value.split('-').map(Number);
      overrides.minSeconds = lo!;
      overrides.maxSeconds = hi ?? lo!;
    } else throw new Error(`unknown flag ${flag}`);
  }
  if (out) rmSync(join(resolve(out), 'UCF101_subset.tar.gz'), { force: true });
  const started = Date.now();
  const dataset = await ensureUcfLikeDataset(overrides, out, (line) => console.error(line));
  console.log(
    JSON.stringify(
      {
        dir: dataset.dir,
        archive: dataset.archive,
        clips: dataset.clips.length,
        countBySplit: dataset.countBySplit,
        seconds: (Date.now() - started) / 1000,
      },
      null,
      2,
    ),
  );
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
