/**
 * Generates the built-in sample dataset with Debian's ffmpeg: synthetic clips whose class can only be told
 * from motion, laid out like Hugging Face's UCF101_subset (`<split>/<Class>/v_<Class>_gNN_cNN.<ext>`).
 *
 *   npx tsx scripts/make-sample-dataset.ts [--out public/samples/motion6] [--seed 7] [--groups 24] [--clips 2]
 *     [--width 128] [--height 96]
 *
 * Why these classes: each is unchanged by a horizontal flip and by random crops (the standard training
 * augmentations), and only the motion tells them apart. Group g of every class is the same scene (one dimmed,
 * blurred background and one bright object style, like one UCF101 actor and scene), so a background or an
 * object says nothing about the class; its clips vary placement, speed and extent. Every motion runs through
 * the whole clip (36-44 frames) and is large between the frames the default sampling takes (every 4th): a
 * slide crosses most of the frame, growth goes from a speck to most of the frame, a fade from invisible to
 * opaque. So the `tiny` preset learns it from scratch in a few minutes at 8 frames x 64 px.
 * Groups never cross splits. Output is deterministic for a given seed (x264 and xvid run single-threaded).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Rng } from '../src/util/rng.ts';
import { randomHue } from './lib/colors.ts';
import { formatUcf101Name, type SplitName } from '../src/data/ucf101.ts';

export const SAMPLE_CLASSES = ['SlideUp', 'SlideDown', 'Grow', 'Shrink', 'FadeIn', 'FadeOut'] as const;
type SampleClass = (typeof SAMPLE_CLASSES)[number];

interface Options {
  out: string;
  seed: number;
  groupsPerClass: number;
  clipsPerGroup: number;
  width: number;
  height: number;
}

function parseArgs(argv: string[]): Options {
  const options: Options = {
    out: 'public/samples/motion6',
    seed: 7,
    groupsPerClass: 24,
    clipsPerGroup: 2,
    width: 128,
    height: 96,
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--out') options.out = value;
    else if (flag === '--seed') options.seed = Number(value);
    else if (flag === '--groups') options.groupsPerClass = Number(value);
    else if (flag === '--clips') options.clipsPerGroup = Number(value);
    else if (flag === '--width') options.width = Number(value);
    else if (flag === '--height') options.height = Number(value);
    else throw new Error(`unknown flag ${flag}`);
    i++;
  }
  if (options.groupsPerClass < 3) throw new Error('--groups must be at least 3 (one per split)');
  return options;
}

/** Groups 1..n split about 70% / 12% / 18%, at least one group per split. */
export function splitOfGroup(group: number, groupsPerClass: number): SplitName {
  const test = Math.max(1, Math.round(groupsPerClass * 0.18));
  const val = Math.max(1, Math.round(groupsPerClass * 0.12));
  const train = groupsPerClass - val - test;
  if (group <= train) return 'train';
  if (group <= train + val) return 'val';
  return 'test';
}

/** One scene: a background and an object style, filmed doing every motion. */
interface Scene {
  objectColor: string;
  objectShape: 'circle' | 'square' | 'ring' | 'diamond';
  /** Object side as a fraction of the frame height (slides and fades). */
  objectSize: number;
  fps: number;
  rng: Rng;
}

function hex(n: number): string {
  return Math.round(Math.max(0, Math.min(255, n)))
    .toString(16)
    .padStart(2, '0');
}

/** A light, saturated colour so the object stands out on the (dimmed) backgrounds. */
function objectColor(rng: Rng): string {
  return `0x${randomHue(rng)
    .map((c) => hex(120 + c * 135))
    .join('')}`;
}

function objectColorlessTint(rng: Rng): string {
  const v = rng.int(120, 200);
  return `${hex(v)}${hex(v * rng.uniform(0.7, 1))}${hex(v * rng.uniform(0.7, 1))}`;
}

/**
 * A static or slowly changing textured background, as a lavfi filter chain ending in rgb24 frames. Its
 * contrast is squeezed into a dim band so that the texture is varied but never looks like the object.
 */
function backgroundChain(rng: Rng, w: number, h: number, frames: number, fps: number): string {
  const tint = `colorchannelmixer=rr=${rng.uniform(0.4, 1).toFixed(2)}:gg=${rng.uniform(0.4, 1).toFixed(2)}:bb=${rng.uniform(0.4, 1).toFixed(2)}`;
  const still = `trim=end_frame=1,loop=loop=${frames}:size=1,setpts=N/${fps}/TB`;
  const low = rng.int(10, 40);
  const span = rng.uniform(0.25, 0.4).toFixed(2);
  const dim = `lutrgb=r='${low}+val*${span}':g='${low}+val*${span}':b='${low}+val*${span}'`;
  const kind = rng.int(0, 5);
  let chain: string;
  switch (kind) {
    case 0:
      chain = `cellauto=rule=${rng.pick([18, 30, 45, 60, 90, 110, 150])}:s=${w}x${h}:rate=${fps}:random_seed=${rng.int(1, 1e6)}:scroll=0,${still},format=rgb24,${tint},gblur=sigma=${rng.uniform(0.8, 2).toFixed(2)}`;
      break;
    case 1: {
      // A smooth interference pattern ("plasma"): sums of sines with random frequencies and phases.
      const wave = () =>
        `${rng.uniform(20, 50).toFixed(1)}*sin(X/${rng.uniform(4, 20).toFixed(2)}+Y/${rng.uniform(6, 30).toFixed(2)}+${rng.uniform(0, 6).toFixed(2)})`;
      chain = `color=c=black:s=${w}x${h}:r=${fps},format=rgb24,geq=r='128+${wave()}+${wave()}':g='128+${wave()}+${wave()}':b='128+${wave()}+${wave()}',${still}`;
      break;
    }
    case 2:
      chain = `life=s=${w}x${h}:rate=${fps}:ratio=${rng.uniform(0.3, 0.6).toFixed(2)}:seed=${rng.int(1, 1e6)}:mold=10:life_color=#${objectColorlessTint(rng)}:death_color=#202020:mold_color=#506070,trim=start_frame=${rng.int(3, 12)},setpts=PTS-STARTPTS,${still},format=rgb24,gblur=sigma=1.2`;
      break;
    case 3:
      chain = `gradients=s=${w}x${h}:rate=${fps}:speed=${rng.uniform(0.005, 0.02).toFixed(4)}:seed=${rng.int(1, 1e6)}:n=${rng.int(2, 5)},format=rgb24,${tint}`;
      break;
    case 4:
      chain = `sierpinski=s=${w}x${h}:rate=${fps}:seed=${rng.int(1, 1e6)}:jump=${rng.int(1, 10)}:type=${rng.pick(['carpet', 'triangle'])},${still},format=rgb24,${tint},gblur=sigma=1.2`;
      break;
    default:
      chain = `color=c=0x808080:s=${w}x${h}:r=${fps},noise=alls=${rng.int(40, 90)}:allf=0:all_seed=${rng.int(1, 1e6)},${still},format=rgb24,gblur=sigma=${rng.uniform(1.5, 3).toFixed(2)},${tint}`;
  }
  return `${chain},${dim}`;
}

/** Alpha mask expression for the object's shape, drawn in a square canvas of side W. */
function shapeAlpha(shape: Scene['objectShape']): string {
  const dx = 'abs(X-W/2+0.5)';
  const dy = 'abs(Y-H/2+0.5)';
  switch (shape) {
    case 'circle':
      return `if(lte(hypot(${dx},${dy}),W/2),255,0)`;
    case 'ring':
      return `if(between(hypot(${dx},${dy}),W/5,W/2),255,0)`;
    case 'diamond':
      return `if(lte(${dx}+${dy},W/2),255,0)`;
    case 'square':
      return `if(lte(max(${dx},${dy}),W/2-1),255,0)`;
  }
}

interface ClipPlan {
  className: SampleClass;
  split: SplitName;
  group: number;
  clip: number;
  extension: 'mp4' | 'avi';
  frames: number;
  fps: number;
  filter: string;
}

/**
 * The filtergraph that draws one clip: the scene's background (the same for every clip of the scene) and
 * the object moving by the clip's own random draws. Every motion runs through the whole clip and is large
 * from one sampled frame to the next (the default sampling takes every 4th frame): a slide crosses the
 * frame, growth goes from a speck to most of the frame, a fade from invisible to opaque.
 */
function clipFilter(
  className: SampleClass,
  scene: Scene,
  rng: Rng,
  w: number,
  h: number,
  frames: number,
): string {
  const fps = scene.fps;
  const last = frames - 1;
  const object = (side: number) =>
    `color=c=${scene.objectColor}:s=${side}x${side}:r=${fps},format=rgba,geq=r='r(X,Y)':g='g(X,Y)':b='b(X,Y)':a='${shapeAlpha(scene.objectShape)}'`;
  const background = backgroundChain(scene.rng.fork('background'), w, h, frames, fps);
  switch (className) {
    case 'SlideUp':
    case 'SlideDown': {
      const size = Math.round(scene.objectSize * h);
      // The object's centre travels 70% to 100% of the frame height over the clip, never wrapping around, and
      // starts anywhere that keeps it at least half visible: then every vertical position is about equally
      // likely in both classes, and only the direction of travel tells them apart.
      const travel = rng.uniform(0.7, 1) * h;
      const start = rng.uniform(0, h - travel);
      const [from, to] =
        className === 'SlideDown' ? [start, start + travel] : [h - start, h - start - travel];
      const x = rng.int(Math.round(w * 0.15), Math.round(w * 0.85) - size);
      const y = `${(from - size / 2).toFixed(1)}+(${(to - from).toFixed(2)})*n/${last}`;
      return `${background}[bg];${object(size)}[obj];[bg][obj]overlay=x=${x}:y='${y}':eval=frame:shortest=1`;
    }
    case 'Grow':
    case 'Shrink': {
      const small = rng.uniform(0.05, 0.1) * h;
      const large = rng.uniform(0.85, 0.95) * h;
      const [from, to] = className === 'Grow' ? [small, large] : [large, small];
      const cx = rng.uniform(w * 0.35, w * 0.65);
      const cy = rng.uniform(h * 0.4, h * 0.6);
      const side = `max(2,trunc(${from.toFixed(2)}+(${(to - from).toFixed(2)})*n/${last}))`;
      return `${background}[bg];${object(Math.round(h))},scale=w='${side}':h='${side}':eval=frame[obj];[bg][obj]overlay=x='${cx.toFixed(1)}-w/2':y='${cy.toFixed(1)}-h/2':eval=frame:shortest=1`;
    }
    case 'FadeIn':
    case 'FadeOut': {
      // Larger than the sliding object: a fade lights many patches at once, where growth spreads from one.
      const size = Math.round(scene.objectSize * h * 1.6);
      const low = rng.uniform(0, 0.05);
      const high = rng.uniform(0.95, 1);
      const [from, to] = className === 'FadeIn' ? [low, high] : [high, low];
      const x = rng.int(Math.round(w * 0.15), Math.round(w * 0.85) - size);
      const y = rng.int(Math.round(h * 0.15), Math.round(h * 0.85) - size);
      const alpha = `alpha(X,Y)*(${from.toFixed(3)}+(${(to - from).toFixed(3)})*N/${last})`;
      return `${background}[bg];${object(size)},geq=r='r(X,Y)':g='g(X,Y)':b='b(X,Y)':a='${alpha}'[obj];[bg][obj]overlay=x=${x}:y=${y}:shortest=1`;
    }
  }
}

/**
 * Group g of every class is the same scene: then a background or an object tells nothing about the class,
 * only the motion does (within a class, groups still differ, and no group crosses splits).
 */
function planDataset(options: Options): { plans: ClipPlan[] } {
  const root = new Rng(options.seed);
  const scenes: Scene[] = [];
  for (let group = 1; group <= options.groupsPerClass; group++) {
    const rng = root.fork(`scene${group}`);
    scenes.push({
      objectColor: objectColor(rng),
      objectShape: rng.pick(['circle', 'square', 'ring', 'diamond'] as const),
      objectSize: rng.uniform(0.3, 0.4),
      fps: rng.pick([25, 25, 25, 30]),
      rng,
    });
  }
  const plans: ClipPlan[] = [];
  for (const className of SAMPLE_CLASSES) {
    const classRng = root.fork(className);
    for (let group = 1; group <= options.groupsPerClass; group++) {
      const scene = scenes[group - 1]!;
      const split = splitOfGroup(group, options.groupsPerClass);
      for (let clip = 1; clip <= options.clipsPerGroup; clip++) {
        const clipRng = classRng.fork(`g${group}c${clip}`);
        const frames = clipRng.int(36, 44);
        const filter = clipFilter(className, scene, clipRng, options.width, options.height, frames);
        // Like UCF101, a few clips are XviD in AVI: the last group of each class in the test split, clip 1.
        const extension = group === options.groupsPerClass && clip === 1 ? 'avi' : 'mp4';
        plans.push({ className, split, group, clip, extension, frames, fps: scene.fps, filter });
      }
    }
  }
  return { plans };
}

function encode(plan: ClipPlan, path: string): void {
  const codec =
    plan.extension === 'avi'
      ? ['-c:v', 'libxvid', '-q:v', '6', '-threads', '1', '-pix_fmt', 'yuv420p']
      : [
          '-c:v',
          'libx264',
          '-preset',
          'slow',
          '-crf',
          '31',
          '-threads',
          '1',
          '-x264-params',
          'bframes=2',
          '-pix_fmt',
          'yuv420p',
          '-movflags',
          '+faststart',
        ];
  execFileSync(
    'ffmpeg',
    [
      '-hide_banner',
      '-loglevel',
      'error',
      '-y',
      '-filter_complex',
      `${plan.filter},format=yuv420p,trim=end_frame=${plan.frames}[out]`,
      '-map',
      '[out]',
      '-frames:v',
      String(plan.frames),
      '-an',
      '-fflags',
      '+bitexact',
      '-flags:v',
      '+bitexact',
      '-map_metadata',
      '-1',
      ...codec,
      path,
    ],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
}

export interface SampleManifest {
  name: string;
  description: string;
  classes: string[];
  files: { path: string; size: number }[];
}

function main(): void {
  const options = parseArgs(process.argv.slice(2));
  rmSync(options.out, { recursive: true, force: true });
  const { plans } = planDataset(options);
  const files: SampleManifest['files'] = [];
  for (const plan of plans) {
    const dir = join(options.out, plan.split, plan.className);
    mkdirSync(dir, { recursive: true });
    const path = join(dir, formatUcf101Name(plan.className, plan.group, plan.clip, plan.extension));
    encode(plan, path);
    files.push({ path: relative(options.out, path).split('\\').join('/'), size: statSync(path).size });
  }
  const manifest: SampleManifest = {
    name: 'motion6',
    description:
      'Six synthetic motion classes (slide up/down, grow/shrink, fade in/out) over varied textures, ' +
      'laid out like Hugging Face UCF101_subset. Generated by scripts/make-sample-dataset.ts.',
    classes: [...SAMPLE_CLASSES],
    files,
  };
  writeFileSync(join(options.out, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  const total = files.reduce((sum, f) => sum + f.size, 0);
  console.log(JSON.stringify({ clips: files.length, bytes: total, out: options.out }));
}

main();
