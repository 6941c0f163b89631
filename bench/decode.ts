/**
 * `npm run bench -- decode --dir <folder> [--mode eval|train] [--image-size 224] [--frames 16] [--rate 4]`
 *
 * Decodes and samples every clip of a folder through the app's real pipeline (data worker: probe, WebCodecs
 * or ffmpeg.wasm, working-resolution frames, sampling, transforms) in headless Chromium, from a cold cache,
 * one clip at a time. In the same run, native ffmpeg (`-threads 1`) decodes the same clips and scales every
 * frame to the model's input size, which is what a pipeline without windowed decoding does. Reports clips/s
 * and frames/s for both per decoder path (WebCodecs for MP4, ffmpeg.wasm for AVI and the rest), their ratio,
 * and the mean PSNR of our working-resolution frames against ffmpeg's decode of the same frames, resized by
 * the same resampler.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { BenchArgs } from './run.ts';
import { callHarness, describeBrowser, withHarnessPage } from './browser.ts';
import { fileRole } from '../src/data/media-files.ts';
import { psnr, resizeRgb, type RgbFrame } from '../src/data/image.ts';
import type { PreprocessSettings } from '../src/data/clip-spec.ts';
import type { DecoderKind } from '../src/data/dataset-index.ts';

const URL_PREFIX = '/__bench-clips__/';

function listVideos(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return listVideos(path);
    return fileRole(path).kind === 'video' ? [path] : [];
  });
}

interface ScanResult {
  ms: number;
  clips: { id: string; decoder: DecoderKind; frameCount: number; width: number; height: number }[];
  skipped: { path: string; reason: string }[];
}

interface SampleResult {
  ms: number;
  indices: number[];
  decodes: number;
  chunks: number;
}

/** Native ffmpeg: decode every frame of a clip and scale it to size x size, in its own process. */
function nativeDecode(path: string, size: number): { ms: number; frames: number } {
  const started = performance.now();
  const out = execFileSync(
    'ffmpeg',
    [
      '-v',
      'error',
      '-nostdin',
      '-threads',
      '1',
      '-i',
      path,
      '-vf',
      `scale=${size}:${size}`,
      '-f',
      'rawvideo',
      '-pix_fmt',
      'rgb24',
      '-',
    ],
    { maxBuffer: 1 << 30 },
  );
  return { ms: performance.now() - started, frames: out.length / (size * size * 3) };
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

function nativeFrames(path: string, width: number, height: number): RgbFrame[] {
  const out = execFileSync(
    'ffmpeg',
    ['-v', 'error', '-nostdin', '-i', path, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'],
    {
      maxBuffer: 1 << 30,
    },
  );
  const size = width * height * 3;
  return Array.from({ length: Math.floor(out.length / size) }, (_, i) => ({
    width,
    height,
    data: new Uint8Array(out.buffer, out.byteOffset + i * size, size),
  }));
}

const round = (v: number, digits = 2) => Math.round(v * 10 ** digits) / 10 ** digits;

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
    return { url: URL_PREFIX + rel.split('/').map(encodeURIComponent).join('/'), path: `bench/${rel}` };
  });
  const absolute = new Map(entries.map((e, i) => [e.path, videos[i]!]));

  // A normal profile: OPFS behaves as for a user (an incognito-like context sends every write through the
  // browser process, ~30x slower).
  return withHarnessPage(
    'decode-bench',
    async (page) => {
      await page.route(`**${URL_PREFIX}**`, (route) => {
        const rel = decodeURIComponent(new URL(route.request().url()).pathname.slice(URL_PREFIX.length));
        return route.fulfill({ path: join(dir, rel) });
      });
      await callHarness(page, 'load', entries);
      console.error(`scanning ${entries.length} clips…`);
      // The first scan loads ffmpeg.wasm if any clip needs it: a one-time cost, reported on its own.
      const first = await callHarness<ScanResult>(
        page,
        'scan',
        entries.map((e) => e.path),
        preprocess,
      );
      const byPath: Record<DecoderKind, string[]> = { webcodecs: [], ffmpeg: [] };
      for (const clip of first.clips) byPath[clip.decoder].push(clip.id);
      const paths: Record<string, unknown> = {};
      let psnrSum = 0;
      let psnrCount = 0;
      let minPsnr = Infinity;
      for (const decoder of ['webcodecs', 'ffmpeg'] as const) {
        const ids = byPath[decoder];
        if (ids.length === 0) continue;
        console.error(`${decoder}: ${ids.length} clips`);
        // Scan this group alone (warm: ffmpeg.wasm already loaded), then for each clip sample it from a cold
        // cache and let native ffmpeg decode it, alternating so that both see the same machine load.
        const scan = await callHarness<ScanResult>(page, 'scan', ids, preprocess);
        let sampleMs = 0;
        let chunks = 0;
        const native = { ms: 0, frames: 0, startMs: 0 };
        const samples: { id: string; indices: number[] }[] = [];
        for (const id of ids) {
          const one = await callHarness<SampleResult>(page, 'sampleOne', id, mode, preprocess);
          sampleMs += one.ms;
          chunks += one.chunks;
          samples.push({ id, indices: one.indices });
          const theirs = nativeDecode(absolute.get(id)!, preprocess.imageSize);
          native.ms += theirs.ms;
          native.frames += theirs.frames;
          native.startMs += processStartMs();
        }
        const oursMs = scan.ms + sampleMs;
        const outputFrames = ids.length * preprocess.numFrames;
        for (const { id, indices } of samples) {
          const info = scan.clips.find((c) => c.id === id)!;
          const ours = await callHarness<{ width: number; height: number; data: string }>(
            page,
            'frames',
            id,
            indices,
            preprocess.imageSize,
          );
          const reference = nativeFrames(absolute.get(id)!, info.width, info.height);
          const bytes = new Uint8Array(Buffer.from(ours.data, 'base64'));
          const size = ours.width * ours.height * 3;
          indices.forEach((frameIndex, k) => {
            const theirs = reference[Math.min(frameIndex, reference.length - 1)]!;
            const resized = resizeRgb(theirs, ours.width, ours.height);
            // Identical frames have infinite PSNR; 99 dB stands for them in the mean.
            const value = Math.min(99, psnr(bytes.subarray(k * size, (k + 1) * size), resized.data));
            psnrSum += value;
            psnrCount++;
            minPsnr = Math.min(minPsnr, value);
          });
        }
        const oursClipsPerS = ids.length / (oursMs / 1000);
        const nativeClipsPerS = ids.length / (native.ms / 1000);
        // Native without process start-up (what an in-process decoder such as PyAV would pay), estimated by
        // subtracting a trivial ffmpeg run timed right after each clip.
        const decodeOnlyMs = Math.max(1, native.ms - native.startMs);
        const decodeOnlyClipsPerS = ids.length / (decodeOnlyMs / 1000);
        paths[decoder === 'webcodecs' ? 'mp4_webcodecs' : 'ffmpeg_wasm'] = {
          clips: ids.length,
          ours: {
            clipsPerS: round(oursClipsPerS),
            outputFramesPerS: round(outputFrames / (oursMs / 1000), 1),
            decodedFrames: decoder === 'webcodecs' ? chunks : null,
            scanMs: round(scan.ms, 1),
            sampleMs: round(sampleMs, 1),
          },
          nativeFfmpeg: {
            clipsPerS: round(nativeClipsPerS),
            decodedFramesPerS: round(native.frames / (native.ms / 1000), 1),
            decodedFrames: native.frames,
            ms: round(native.ms, 1),
            processStartMsPerClip: round(native.startMs / ids.length, 1),
            decodeOnlyClipsPerS: round(decodeOnlyClipsPerS),
          },
          ratioClipsPerS: round(oursClipsPerS / nativeClipsPerS, 3),
          ratioVsDecodeOnly: round(oursClipsPerS / decodeOnlyClipsPerS, 3),
        };
      }
      return {
        bench: 'decode',
        dir,
        mode,
        preprocess,
        clips: entries.length,
        skipped: first.skipped,
        firstScanMs: round(first.ms, 1),
        paths,
        psnrVsFfmpeg: { mean: round(psnrSum / psnrCount), min: round(minPsnr), frames: psnrCount },
        browser: await describeBrowser(page),
        note:
          'ours: scan (probe) + getClip per clip, cold cache, one at a time; native: ffmpeg -threads 1 decoding ' +
          'every frame and scaling to image_size, one process per clip; PSNR at working resolution, same resampler',
      };
    },
    { persistentProfile: true },
  );
}
