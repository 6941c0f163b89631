/**
 * Generates the built-in sample dataset with Debian's ffmpeg: synthetic clips whose class can only be told
 * from motion, laid out like Hugging Face's UCF101_subset (`<split>/<Class>/v_<Class>_gNN_cNN.<ext>`).
 *
 *   npx tsx scripts/make-sample-dataset.ts [--out public/samples/motion6] [--seed 7] [--groups 11]
 *
 * Why these classes: each is unchanged by a horizontal flip and by random crops (the standard training
 * augmentations), and a single frame says little about the class: slides wrap around the frame so every
 * position is equally likely in both directions, and growth / fade ranges are drawn at random. A group is
 * one background and one object style (like one UCF101 actor and scene); its clips vary speed and placement.
 * Groups never cross splits. Output is deterministic for a given seed (x264 and xvid run single-threaded).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Rng } from '../src/util/rng.ts';
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
    groupsPerClass: 11,
    clipsPerGroup: 2,
    width: 160,
    height: 120,
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--out') options.out = value;
    else if (flag === '--seed') options.seed = Number(value);
    else if (flag === '--groups') options.groupsPerClass = Number(value);
    else if (flag === '--clips') options.clipsPerGroup = Number(value);
    else throw new Error(`unknown flag ${flag}`);
    i++;
  }
  if (options.groupsPerClass < 3) throw new Error('--groups must be at least 3 (one per split)');
  return options;
}

/** Groups 1..n split about 64% / 18% / 18%, at least one group per split. */
export function splitOfGroup(group: number, groupsPerClass: number): SplitName {
  const test = Math.max(1, Math.round(groupsPerClass * 0.18));
  const val = Math.max(1, Math.round(groupsPerClass * 0.18));
  const train = groupsPerClass - val - test;
  if (group <= train) return 'train';
  if (group <= train + val) return 'val';
  return 'test';
}

interface GroupStyle {
  objectColor: string;
  objectShape: 'circle' | 'square' | 'ring' | 'diamond';
  objectSize: number;
}

function hex(n: number): string {
  return Math.round(Math.max(0, Math.min(255, n)))
    .toString(16)
    .padStart(2, '0');
}

/** A bright, saturated colour so the object stands out on any background. */
function objectColor(rng: Rng): string {
  const hue = rng.uniform(0, 6);
  const i = Math.floor(hue);
  const f = hue - i;
  const rgb = [
    [1, f, 0],
    [1 - f, 1, 0],
    [0, 1, f],
    [0, 1 - f, 1],
    [f, 0, 1],
    [1, 0, 1 - f],
  ][i % 6]!;
  return `0x${rgb.map((c) => hex(40 + c * 215)).join('')}`;
}

/** A static or slowly changing textured background, as a lavfi filter chain ending in rgb24 frames. */
function backgroundChain(rng: Rng, w: number, h: number, frames: number, fps: number): string {
  const tint = `colorchannelmixer=rr=${rng.uniform(0.4, 1).toFixed(2)}:gg=${rng.uniform(0.4, 1).toFixed(2)}:bb=${rng.uniform(0.4, 1).toFixed(2)}`;
  const still = `trim=end_frame=1,loop=loop=${frames}:size=1,setpts=N/${fps}/TB`;
  const kind = rng.int(0, 5);
  switch (kind) {
    case 0:
      return `cellauto=rule=${rng.pick([18, 30, 45, 60, 90, 110, 150])}:s=${w}x${h}:rate=${fps}:random_seed=${rng.int(1, 1e6)}:scroll=0,${still},format=rgb24,${tint},gblur=sigma=${rng.uniform(0.5, 1.5).toFixed(2)}`;
    case 1: {
      // A smooth interference pattern ("plasma"): sums of sines with random frequencies and phases.
      const wave = () =>
        `${rng.uniform(20, 50).toFixed(1)}*sin(X/${rng.uniform(4, 20).toFixed(2)}+Y/${rng.uniform(6, 30).toFixed(2)}+${rng.uniform(0, 6).toFixed(2)})`;
      return `color=c=black:s=${w}x${h}:r=${fps},format=rgb24,geq=r='128+${wave()}+${wave()}':g='128+${wave()}+${wave()}':b='128+${wave()}+${wave()}',${still}`;
    }
    case 2:
      return `life=s=${w}x${h}:rate=${fps}:ratio=${rng.uniform(0.3, 0.6).toFixed(2)}:seed=${rng.int(1, 1e6)}:mold=10:life_color=#${objectColorlessTint(rng)}:death_color=#202020:mold_color=#506070,trim=start_frame=${rng.int(3, 12)},setpts=PTS-STARTPTS,${still},format=rgb24,gblur=sigma=1`;
    case 3:
      return `gradients=s=${w}x${h}:rate=${fps}:speed=${rng.uniform(0.005, 0.02).toFixed(4)}:seed=${rng.int(1, 1e6)}:n=${rng.int(2, 5)},format=rgb24,${tint}`;
    case 4:
      return `sierpinski=s=${w}x${h}:rate=${fps}:seed=${rng.int(1, 1e6)}:jump=${rng.int(1, 10)}:type=${rng.pick(['carpet', 'triangle'])},${still},format=rgb24,${tint},gblur=sigma=0.8`;
    default:
      return `color=c=0x808080:s=${w}x${h}:r=${fps},noise=alls=${rng.int(40, 90)}:allf=0:all_seed=${rng.int(1, 1e6)},${still},format=rgb24,gblur=sigma=${rng.uniform(1, 3).toFixed(2)},${tint}`;
  }
}

function objectColorlessTint(rng: Rng): string {
  const v = rng.int(120, 200);
  return `${hex(v)}${hex(v * rng.uniform(0.7, 1))}${hex(v * rng.uniform(0.7, 1))}`;
}

/** Alpha mask expression for the object's shape, drawn in a square canvas of side W. */
function shapeAlpha(shape: GroupStyle['objectShape']): string {
  const dx = 'abs(X-W/2+0.5)';
  const dy = 'abs(Y-H/2+0.5)';
  switch (shape) {
    case 'circle':
      return `if(lte(hypot(${dx},${dy}),W/2),255,0)`;
    case 'ring':
      return `if(between(hypot(${dx},${dy}),W/4,W/2),255,0)`;
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
 * The filtergraph that draws one clip. The scene (background) comes from the group's stream so that clips of
 * a group share it; the motion comes from the clip's own stream.
 */
function clipFilter(
  className: SampleClass,
  style: GroupStyle,
  sceneRng: Rng,
  rng: Rng,
  w: number,
  h: number,
  frames: number,
  fps: number,
): string {
  const duration = frames / fps;
  const size = style.objectSize;
  const object = (side: number) =>
    `color=c=${style.objectColor}:s=${side}x${side}:r=${fps},format=rgba,geq=r='r(X,Y)':g='g(X,Y)':b='b(X,Y)':a='${shapeAlpha(style.objectShape)}'`;
  const background = backgroundChain(sceneRng, w, h, frames, fps);
  switch (className) {
    case 'SlideUp':
    case 'SlideDown': {
      const speed = rng.uniform(25, 55) * (className === 'SlideUp' ? -1 : 1);
      const x = rng.int(4, w - size - 4);
      const y0 = rng.uniform(0, h + size);
      // Wrapping around the frame makes every vertical position equally likely for both classes.
      const y = `mod(${y0.toFixed(1)}+(${speed.toFixed(2)})*t+2*(H+h),H+h)-h`;
      return `${background}[bg];${object(size)}[obj];[bg][obj]overlay=x=${x}:y='${y}':shortest=1`;
    }
    case 'Grow':
    case 'Shrink': {
      const small = rng.uniform(6, 16);
      const large = rng.uniform(36, 56);
      const [from, to] = className === 'Grow' ? [small, large] : [large, small];
      const cx = rng.uniform(w * 0.3, w * 0.7);
      const cy = rng.uniform(h * 0.3, h * 0.7);
      const side = `max(2,trunc(${from.toFixed(2)}+(${(to - from).toFixed(2)})*t/${duration.toFixed(3)}))`;
      return `${background}[bg];${object(64)},scale=w='${side}':h='${side}':eval=frame[obj];[bg][obj]overlay=x='${cx.toFixed(1)}-w/2':y='${cy.toFixed(1)}-h/2':eval=frame:shortest=1`;
    }
    case 'FadeIn':
    case 'FadeOut': {
      const low = rng.uniform(0, 0.15);
      const high = rng.uniform(0.85, 1);
      const [from, to] = className === 'FadeIn' ? [low, high] : [high, low];
      const x = rng.int(4, w - size - 4);
      const y = rng.int(4, h - size - 4);
      const alpha = `alpha(X,Y)*(${from.toFixed(3)}+(${(to - from).toFixed(3)})*T/${duration.toFixed(3)})`;
      return `${background}[bg];${object(size)},geq=r='r(X,Y)':g='g(X,Y)':b='b(X,Y)':a='${alpha}'[obj];[bg][obj]overlay=x=${x}:y=${y}:shortest=1`;
    }
  }
}

function planDataset(options: Options): { plans: ClipPlan[] } {
  const root = new Rng(options.seed);
  const plans: ClipPlan[] = [];
  for (const className of SAMPLE_CLASSES) {
    const classRng = root.fork(className);
    for (let group = 1; group <= options.groupsPerClass; group++) {
      const groupRng = classRng.fork(`g${group}`);
      const style: GroupStyle = {
        objectColor: objectColor(groupRng),
        objectShape: groupRng.pick(['circle', 'square', 'ring', 'diamond'] as const),
        objectSize: groupRng.int(20, 34),
      };
      const fps = groupRng.pick([25, 25, 25, 30]);
      const split = splitOfGroup(group, options.groupsPerClass);
      for (let clip = 1; clip <= options.clipsPerGroup; clip++) {
        const clipRng = groupRng.fork(`c${clip}`);
        const frames = clipRng.int(72, 96);
        const filter = clipFilter(
          className,
          style,
          groupRng.fork('scene'),
          clipRng,
          options.width,
          options.height,
          frames,
          fps,
        );
        // Like UCF101, a few clips are XviD in AVI: the last group of each class in the test split, clip 1.
        const extension = group === options.groupsPerClass && clip === 1 ? 'avi' : 'mp4';
        plans.push({ className, split, group, clip, extension, frames, fps, filter });
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
