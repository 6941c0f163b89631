/**
 * `npm run bench -- decode --dir <folder> [--mode eval|train] [--image-size 224] [--frames 16] [--rate 4]`
 *
 * Decodes and samples every clip of a folder through the app's real pipeline (data worker: probe, WebCodecs
 * or ffmpeg.wasm, working-resolution frames, sampling, transforms) in headless Chromium, from a cold cache,
 * one clip at a time. In the same run, native ffmpeg (`-threads 1`) decodes the same clips and scales every
 * frame to the model's input size, which is what a pipeline without windowed decoding does.
 *
 * Reports, per clip: container, codec, the decoder the app chose, frames and duration as our index and as
 * ffprobe (frames counted by decoding) have them, our and native time, and the PSNR of our working-resolution
 * frames against ffmpeg's decode of the same frames resized by the same resampler. Clips that failed at any
 * stage are listed with the stage and the reason. Aggregates (clips/s and frames/s per decoder path and their
 * ratio to native, PSNR) are over the clips measured at every stage, and say how many that is out of how many.
 *
 * ffmpeg's output is streamed, never held whole: 3 s of 1080p60 is over 1 GB of RGB, more than a pipe buffer.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { BenchArgs } from './run.ts';
import { callHarness, describeBrowser, withHarnessPage } from './browser.ts';
import { fileRole } from '../src/data/media-files.ts';
import { psnr, resizeRgb } from '../src/data/image.ts';
import type { PreprocessSettings } from '../src/data/clip-spec.ts';
import type { ClipMedia, DecoderKind } from '../src/data/dataset-index.ts';
import { ffprobeVideo, forEachFfmpegFrame } from '../scripts/test-clips.ts';

const URL_PREFIX = '/__bench-clips__/';

function listVideos(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return listVideos(path);
    return fileRole(path).kind === 'video' ? [path] : [];
  });
}

type ScannedClip = Pick<
  ClipMedia,
  | 'container'
  | 'codec'
  | 'decoder'
  | 'frameCount'
  | 'frameCountExact'
  | 'durationS'
  | 'fps'
  | 'width'
  | 'height'
> & {
  id: string;
};

interface ScanResult {
  ms: number;
  clips: ScannedClip[];
  skipped: { path: string; reason: string }[];
}

interface SampleResult {
  ms: number;
  indices: number[];
  decodes: number;
  chunks: number;
}

type Stage = 'scan' | 'ffprobe' | 'decode' | 'native' | 'psnr';

interface ClipReport {
  /** Relative to --dir. */
  path: string;
  container: string | null;
  codec: string | null;
  decoder: 'webcodecs' | 'ffmpeg.wasm' | null;
  width: number | null;
  height: number | null;
  frames: { ours: number | null; oursExact: boolean | null; ffprobe: number | null };
  durationS: { ours: number | null; ffprobe: number | null };
  /** Why ffprobe's figures are missing, when they are. */
  ffprobeError: string | null;
  /** getClip of one sample, cold cache (the probe is timed per decoder path, in the aggregate). */
  oursSampleMs: number | null;
  /** Compressed frames fed to WebCodecs for that sample (null for ffmpeg.wasm). */
  oursDecodedChunks: number | null;
  /** Native ffmpeg decoding every frame and scaling it to image_size, process start included. */
  nativeMs: number | null;
  nativeFrames: number | null;
  /** `pastEnd`: sampled indices past ffmpeg's last frame (compared with that frame). */
  psnrVsNative: { mean: number; min: number; frames: number; pastEnd?: number } | null;
  /** Where it failed, if it did; the other fields hold what was measured before. */
  failure: { stage: Stage; reason: string } | null;
}

function messageOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  // Playwright prefixes page errors with the call and appends a call log; the first line is the reason.
  return text
    .replace(/^page\.evaluate: /, '')
    .split('\n')[0]!
    .trim();
}

/** Native ffmpeg: decode every frame of a clip and scale it to size x size, in its own process. */
async function nativeDecode(path: string, size: number): Promise<{ ms: number; frames: number }> {
  const started = performance.now();
  const frames = await forEachFfmpegFrame(path, size, size, () => undefined, {
    vf: `scale=${size}:${size}`,
    threads: 1,
  });
  return { ms: performance.now() - started, frames };
}

/** What starting an ffmpeg process costs here (one trivial run): part of native's time, dominant on small clips. */
function processStartMs(): number {
  const t = performance.now();
  spawnSync('ffmpeg', [
    '-v',
    'error',
    '-nostdin',
    '-f',
    'lavfi',
    '-i',
    'nullsrc=s=16x16',
    '-frames:v',
    '1',
    '-f',
    'null',
    '-',
  ]);
  return performance.now() - t;
}

/**
 * PSNR of our frames (presentation indices `indices`, packed RGB at `width` x `height`) against ffmpeg's decode
 * of the same frames resized by our resampler. ffmpeg's frames are streamed and only the wanted ones resized.
 * An index at or past ffmpeg's last frame (`lastIndex`, from ffprobe) compares with that last frame, as the
 * sampler pads a short clip with its last frame; `pastEnd` counts indices beyond it (our count too high).
 */
async function psnrVsNative(
  path: string,
  clip: ScannedClip,
  lastIndex: number,
  indices: number[],
  ours: { width: number; height: number; data: Uint8Array },
): Promise<{ mean: number; min: number; frames: number; pastEnd: number }> {
  const size = ours.width * ours.height * 3;
  const values: number[] = [];
  const wanted = indices.map((index) => Math.min(index, lastIndex));
  const count = await forEachFfmpegFrame(path, clip.width, clip.height, (frame, i) => {
    if (!wanted.includes(i)) return;
    const theirs = resizeRgb(frame, ours.width, ours.height);
    wanted.forEach((index, k) => {
      if (index !== i) return;
      // Identical frames have infinite PSNR; 99 dB stands for them in the mean.
      values.push(Math.min(99, psnr(ours.data.subarray(k * size, (k + 1) * size), theirs.data)));
    });
  });
  if (values.length !== indices.length) {
    throw new Error(`compared ${values.length} of ${indices.length} frames (ffmpeg decoded ${count})`);
  }
  return {
    mean: mean(values),
    min: Math.min(...values),
    frames: values.length,
    pastEnd: indices.filter((index) => index > lastIndex).length,
  };
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
const round = (v: number, digits = 2) => Math.round(v * 10 ** digits) / 10 ** digits;
const decoderName = (kind: DecoderKind) => (kind === 'webcodecs' ? 'webcodecs' : 'ffmpeg.wasm');

function emptyReport(path: string): ClipReport {
  return {
    path,
    container: null,
    codec: null,
    decoder: null,
    width: null,
    height: null,
    frames: { ours: null, oursExact: null, ffprobe: null },
    durationS: { ours: null, ffprobe: null },
    ffprobeError: null,
    oursSampleMs: null,
    oursDecodedChunks: null,
    nativeMs: null,
    nativeFrames: null,
    psnrVsNative: null,
    failure: null,
  };
}

export async function run(args: BenchArgs): Promise<unknown> {
  if (typeof args.dir !== 'string') throw new Error('usage: npm run bench -- decode --dir <folder>');
  const dir = resolve(args.dir);
  const mode = args.mode === 'train' ? 'train' : 'eval';
  const preprocess: PreprocessSettings = {
    imageSize: Number(args['image-size'] ?? 224),
    numFrames: Number(args.frames ?? 16),
    sampleRate: Number(args.rate ?? 4),
  };
  const videos = listVideos(dir).sort();
  if (videos.length === 0) throw new Error(`no video files under ${dir}`);
  const entries = videos.map((path) => {
    const rel = relative(dir, path).split('\\').join('/');
    return { url: URL_PREFIX + rel.split('/').map(encodeURIComponent).join('/'), path: `bench/${rel}`, rel };
  });
  const byId = new Map(entries.map((e, i) => [e.path, { abs: videos[i]!, rel: e.rel }]));
  const reports = new Map(entries.map((e) => [e.path, emptyReport(e.rel)]));
  const fail = (id: string, stage: Stage, error: unknown) => {
    const report = reports.get(id)!;
    report.failure ??= { stage, reason: messageOf(error) };
    console.error(`  ${report.path}: failed at ${stage}: ${report.failure.reason}`);
  };

  // ffprobe first, in Node: what the clip holds, whatever our pipeline makes of it.
  for (const entry of entries) {
    const report = reports.get(entry.path)!;
    try {
      const probe = ffprobeVideo(byId.get(entry.path)!.abs);
      if (!(probe.frames > 0)) throw new Error('ffprobe found no video frames');
      report.frames.ffprobe = probe.frames;
      report.durationS.ffprobe = round(probe.durationS, 4);
    } catch (error) {
      // Not a failure of ours: the clip may still be measured; the comparison is what is missing.
      report.ffprobeError = messageOf(error);
    }
  }

  // A normal profile: OPFS behaves as for a user (an incognito-like context sends every write through the
  // browser process, ~30x slower).
  return withHarnessPage(
    'decode-bench',
    async (page) => {
      await page.route(`**${URL_PREFIX}**`, (route) => {
        const rel = decodeURIComponent(new URL(route.request().url()).pathname.slice(URL_PREFIX.length));
        return route.fulfill({ path: join(dir, rel) });
      });
      await callHarness(
        page,
        'load',
        entries.map(({ url, path }) => ({ url, path })),
      );
      console.error(`scanning ${entries.length} clips…`);
      // The first scan loads ffmpeg.wasm if any clip needs it: a one-time cost, reported on its own.
      const first = await callHarness<ScanResult>(
        page,
        'scan',
        entries.map((e) => e.path),
        preprocess,
      );
      for (const skipped of first.skipped) {
        if (reports.has(skipped.path)) fail(skipped.path, 'scan', skipped.reason);
      }
      for (const clip of first.clips) {
        const report = reports.get(clip.id)!;
        Object.assign(report, {
          container: clip.container,
          codec: clip.codec,
          decoder: decoderName(clip.decoder),
          width: clip.width,
          height: clip.height,
        });
        report.frames.ours = clip.frameCount;
        report.frames.oursExact = clip.frameCountExact;
        report.durationS.ours = round(clip.durationS, 4);
      }

      const paths: Record<string, unknown> = {};
      const allPsnr: { mean: number; min: number; frames: number }[] = [];
      for (const decoder of ['webcodecs', 'ffmpeg'] as const) {
        const group = first.clips.filter((c) => c.decoder === decoder);
        if (group.length === 0) continue;
        console.error(`${decoderName(decoder)}: ${group.length} clips`);
        // Scan this group alone (warm: ffmpeg.wasm already loaded), then for each clip sample it from a cold
        // cache and let native ffmpeg decode it, alternating so that both see the same machine load.
        const scan = await callHarness<ScanResult>(
          page,
          'scan',
          group.map((c) => c.id),
          preprocess,
        );
        const measured: { clip: ScannedClip; sample: SampleResult }[] = [];
        let nativeStartMs = 0;
        for (const clip of group) {
          const report = reports.get(clip.id)!;
          const path = byId.get(clip.id)!.abs;
          let sample: SampleResult;
          try {
            sample = await callHarness<SampleResult>(page, 'sampleOne', clip.id, mode, preprocess);
          } catch (error) {
            fail(clip.id, 'decode', error);
            continue;
          }
          report.oursSampleMs = round(sample.ms, 1);
          report.oursDecodedChunks = decoder === 'webcodecs' ? sample.chunks : null;
          try {
            const native = await nativeDecode(path, preprocess.imageSize);
            report.nativeMs = round(native.ms, 1);
            report.nativeFrames = native.frames;
            nativeStartMs += processStartMs();
          } catch (error) {
            fail(clip.id, 'native', error);
            continue;
          }
          try {
            const ours = await callHarness<{ width: number; height: number; data: string }>(
              page,
              'frames',
              clip.id,
              sample.indices,
              preprocess.imageSize,
            );
            const data = new Uint8Array(Buffer.from(ours.data, 'base64'));
            const lastIndex = (report.frames.ffprobe ?? clip.frameCount) - 1;
            const result = await psnrVsNative(path, clip, lastIndex, sample.indices, { ...ours, data });
            report.psnrVsNative = {
              mean: round(result.mean),
              min: round(result.min),
              frames: result.frames,
              ...(result.pastEnd ? { pastEnd: result.pastEnd } : {}),
            };
            allPsnr.push(result);
          } catch (error) {
            fail(clip.id, 'psnr', error);
            continue;
          }
          measured.push({ clip, sample });
        }
        const total = group.length;
        if (measured.length === 0) {
          paths[decoderName(decoder)] = { clips: { measured: 0, of: total }, note: 'no clip measured' };
          continue;
        }
        const ids = new Set(measured.map((m) => m.clip.id));
        const mine = [...ids].map((id) => reports.get(id)!);
        // The probe is timed for the whole group; on an incomplete group it includes the failed clips' probes.
        const sampleMs = measured.reduce((sum, m) => sum + m.sample.ms, 0);
        const oursMs = scan.ms + sampleMs;
        const nativeMs = mine.reduce((sum, r) => sum + r.nativeMs!, 0);
        const nativeFrames = mine.reduce((sum, r) => sum + r.nativeFrames!, 0);
        const oursClipsPerS = measured.length / (oursMs / 1000);
        const nativeClipsPerS = measured.length / (nativeMs / 1000);
        // Native without process start-up (what an in-process decoder such as PyAV would pay), estimated by
        // subtracting a trivial ffmpeg run timed right after each clip.
        const decodeOnlyClipsPerS = measured.length / (Math.max(1, nativeMs - nativeStartMs) / 1000);
        paths[decoderName(decoder)] = {
          clips: { measured: measured.length, of: total, complete: measured.length === total },
          ours: {
            clipsPerS: round(oursClipsPerS),
            outputFramesPerS: round((measured.length * preprocess.numFrames) / (oursMs / 1000), 1),
            decodedChunks:
              decoder === 'webcodecs' ? measured.reduce((sum, m) => sum + m.sample.chunks, 0) : null,
            scanMs: round(scan.ms, 1),
            sampleMs: round(sampleMs, 1),
          },
          nativeFfmpeg: {
            clipsPerS: round(nativeClipsPerS),
            decodedFramesPerS: round(nativeFrames / (nativeMs / 1000), 1),
            decodedFrames: nativeFrames,
            ms: round(nativeMs, 1),
            processStartMsPerClip: round(nativeStartMs / measured.length, 1),
            decodeOnlyClipsPerS: round(decodeOnlyClipsPerS),
          },
          ratioClipsPerS: round(oursClipsPerS / nativeClipsPerS, 3),
          ratioVsDecodeOnly: round(oursClipsPerS / decodeOnlyClipsPerS, 3),
          ...(measured.length < total
            ? { note: `over ${measured.length} of ${total} clips: the others failed (see failed)` }
            : {}),
        };
      }

      const clips = [...reports.values()];
      const failed = clips.filter((c) => c.failure).map((c) => ({ path: c.path, ...c.failure! }));
      const measuredCount = clips.filter((c) => c.psnrVsNative !== null).length;
      const countMismatch = clips
        .filter(
          (c) => c.frames.ours !== null && c.frames.ffprobe !== null && c.frames.ours !== c.frames.ffprobe,
        )
        .map((c) => ({ path: c.path, ours: c.frames.ours, ffprobe: c.frames.ffprobe }));
      return {
        bench: 'decode',
        dir,
        mode,
        preprocess,
        clips: {
          total: clips.length,
          measured: measuredCount,
          failed: failed.length,
          complete: measuredCount === clips.length,
        },
        ...(measuredCount < clips.length
          ? {
              incomplete: `aggregates are over ${measuredCount} of ${clips.length} clips; ${failed.length} failed (see failed)`,
            }
          : {}),
        failed,
        frameCountMismatches: countMismatch,
        firstScanMs: round(first.ms, 1),
        paths,
        psnrVsFfmpeg: allPsnr.length
          ? {
              clips: allPsnr.length,
              mean: round(
                allPsnr.reduce((sum, p) => sum + p.mean * p.frames, 0) /
                  allPsnr.reduce((sum, p) => sum + p.frames, 0),
              ),
              min: round(Math.min(...allPsnr.map((p) => p.min))),
              frames: allPsnr.reduce((sum, p) => sum + p.frames, 0),
            }
          : null,
        perClip: clips,
        browser: await describeBrowser(page),
        note:
          'ours: scan (probe) + getClip per clip, cold cache, one at a time; native: ffmpeg -threads 1 decoding ' +
          'every frame and scaling to image_size, one process per clip; PSNR at working resolution, same ' +
          'resampler; ffprobe frames counted by decoding (-count_frames)',
      };
    },
    { persistentProfile: true },
  );
}
