/**
 * The data worker against ffmpeg: clips made by Debian's ffmpeg (scripts/test-clips.ts) go through the real
 * ingest and decoders in Chromium; frame counts, frame order (each frame carries its index in binary blocks)
 * and pixels (PSNR against ffmpeg's own decode after the same resize) are checked in Node.
 */
import type { Page } from '@playwright/test';
import { test, expect } from '../fixtures.ts';
import { callHarness, openHarness } from '../harness/harness.ts';
import {
  COUNTER_BITS,
  ensureTestClips,
  ffmpegReferenceFrames,
  ffprobeVideo,
  forEachFfmpegFrame,
  readCounter,
  type TestClipSet,
} from '../../scripts/test-clips.ts';
import { psnr, resizeRgb, type RgbFrame } from '../../src/data/image.ts';
import type { DatasetIndex } from '../../src/data/dataset-index.ts';
import type { PreprocessSettings } from '../../src/data/clip-spec.ts';
import { planSpatial } from '../../src/data/transforms.ts';
import { demuxMp4 } from '../../src/data/mp4-demux.ts';
import { decodeRange } from '../../src/data/decode/webcodecs.ts';
import { readFileSync } from 'node:fs';
import { writeClip, IMAGENET_NORMALIZE } from '../../src/data/transforms.ts';

let set: TestClipSet;
const CLIP_URL = '/__test-clips__/';
const WORKING = 96;

test.beforeAll(() => {
  set = ensureTestClips();
});

async function serveClips(page: Page): Promise<void> {
  await page.route(`**${CLIP_URL}**`, (route) =>
    route.fulfill({
      path: `${set.dir}/${decodeURIComponent(new URL(route.request().url()).pathname.slice(CLIP_URL.length))}`,
    }),
  );
}

function entries(files: string[], folder = 'set/Clips') {
  return files.map((f) => ({ url: `${CLIP_URL}${f}`, path: `${folder}/${f}` }));
}

/** Whether this browser's WebCodecs says it decodes the codec (what the app asks before choosing it). */
function webCodecsDecodes(page: Page, codec: string): Promise<boolean> {
  return page.evaluate(
    async (c) =>
      typeof VideoDecoder !== 'undefined' &&
      (await VideoDecoder.isConfigSupported({ codec: c }).then((r) => r.supported === true)),
    codec,
  );
}

interface RawFramesB64 {
  width: number;
  height: number;
  indices: number[];
  data: string;
}

function unpack(raw: RawFramesB64): RgbFrame[] {
  const bytes = new Uint8Array(Buffer.from(raw.data, 'base64'));
  const size = raw.width * raw.height * 3;
  return raw.indices.map((_, k) => ({
    width: raw.width,
    height: raw.height,
    data: bytes.subarray(k * size, (k + 1) * size),
  }));
}

function floats(b64: string): Float32Array {
  const bytes = Buffer.from(b64, 'base64');
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

test('every codec and container decodes in order, with ffmpeg’s pixels; bad files are named with a reason', async ({
  page,
}) => {
  // About 25 clips, among them 1080p60 and two fragmented ones of 300-500 frames, every frame decoded.
  test.setTimeout(600_000);
  await serveClips(page);
  await openHarness(page, 'data');
  const files = [...set.clips.map((c) => c.file), ...set.bad.map((b) => b.file)];
  const index = await callHarness<DatasetIndex>(page, 'scan', entries(files));

  // Bad files: each listed by name with a plain reason; every good clip still ingested.
  for (const bad of set.bad) {
    const skipped = index.skipped.find((s) => s.path.endsWith(bad.file));
    expect(skipped, bad.file).toBeDefined();
    expect(skipped!.reason, bad.file).toContain(bad.reasonPattern);
  }
  expect(index.clips.map((c) => c.name).sort()).toEqual(set.clips.map((c) => c.file).sort());

  for (const expected of set.clips) {
    const record = index.clips.find((c) => c.name === expected.file)!;
    const path = `${set.dir}/${expected.file}`;
    const [dw, dh] =
      expected.rotation % 180 ? [expected.height, expected.width] : [expected.width, expected.height];
    // Frame count and duration as ffprobe finds them (frames counted by decoding), duration within a frame.
    const probe = ffprobeVideo(path);
    expect(record.frameCount, `${expected.file}: frame count`).toBe(probe.frames);
    expect(record.frameCountExact, expected.file).toBe(true);
    expect(
      Math.abs(record.durationS - probe.durationS),
      `${expected.file}: duration ${record.durationS} s vs ffprobe's ${probe.durationS} s`,
    ).toBeLessThanOrEqual(probe.durationS / probe.frames);
    expect([record.width, record.height, record.rotation], expected.file).toEqual([
      dw,
      dh,
      expected.rotation,
    ]);
    expect(record.codec, expected.file).toBe(expected.codec);
    const refused =
      expected.webcodecsMayRefuse === true && !(await webCodecsDecodes(page, record.codecString!));
    expect(record.decoder, expected.file).toBe(refused ? 'ffmpeg' : expected.decoder);
    expect(record.fps, expected.file).toBe(expected.fps);

    // Every frame, in one request (the decoder sees the whole clip).
    const all = Array.from({ length: probe.frames }, (_, i) => i);
    const ours = unpack(await callHarness<RawFramesB64>(page, 'frames', record.id, all, WORKING));
    expect(ours, expected.file).toHaveLength(probe.frames);
    expect(Math.min(ours[0]!.width, ours[0]!.height), expected.file).toBe(Math.min(WORKING, dw, dh));
    // ffmpeg's frames one at a time (a 1080p clip is over 1 GB decoded), resized like ours.
    let worst = Infinity;
    let previous = -1;
    const referenced = await forEachFfmpegFrame(path, dw, dh, (full, i) => {
      const frame = ours[i];
      if (!frame) return;
      const theirs = resizeRgb(full, frame.width, frame.height);
      const counter = readCounter(frame, expected.rotation);
      expect(counter, `${expected.file} frame ${i}`).toBe(readCounter(theirs, expected.rotation));
      // Presentation order: the counters written at encode time come back increasing, from 0, by small steps
      // (an encoder may drop a frame: libxvid drops trailing B-frames), wrapping at 2^COUNTER_BITS.
      if (i === 0) expect(counter, `${expected.file}: first frame`).toBe(0);
      else {
        const step = (counter - previous + (1 << COUNTER_BITS)) % (1 << COUNTER_BITS);
        expect(step, `${expected.file}: frame ${i} after ${previous}`).toBeGreaterThanOrEqual(1);
        expect(step, `${expected.file}: frame ${i} after ${previous}`).toBeLessThanOrEqual(3);
      }
      previous = counter;
      worst = Math.min(worst, psnr(frame.data, theirs.data));
    });
    expect(referenced, `${expected.file}: ffmpeg's frame count`).toBe(probe.frames);
    expect(worst, `${expected.file}: worst PSNR vs ffmpeg`).toBeGreaterThanOrEqual(30);
  }
});

test('decodes only the range a window needs: from the keyframe before it, mid long GOP and mid B-frame GOP', async ({
  page,
}) => {
  await serveClips(page);
  await openHarness(page, 'data');
  const files = ['h264-long-gop.mp4', 'h264-bframes-2997-322x242.mp4', 'xvid.avi'];
  const index = await callHarness<DatasetIndex>(page, 'scan', entries(files));
  const window = [33, 37, 41, 45, 29, 30];
  for (const file of files) {
    const record = index.clips.find((c) => c.name === file)!;
    const reference = ffmpegReferenceFrames(`${set.dir}/${file}`, record.width, record.height);
    const before = await callHarness<{ chunks: number }>(page, 'cacheStats');
    const ours = unpack(await callHarness<RawFramesB64>(page, 'frames', record.id, window, WORKING));
    const fed = (await callHarness<{ chunks: number }>(page, 'cacheStats')).chunks - before.chunks;
    if (file.endsWith('.mp4')) {
      // Keyframes every 24 frames (B-frame clip) or only at 0 (long GOP): decoding starts at the keyframe
      // before frame 29 and stops at the last sample the window needs, in decode order.
      const track = await demuxMp4(new Blob([readFileSync(`${set.dir}/${file}`)]));
      const [first, last] = decodeRange(track, window);
      expect(track.samples[first]!.isSync).toBe(true);
      expect(first, file).toBe(file === 'h264-long-gop.mp4' ? 0 : 24);
      expect(fed, `${file}: chunks decoded`).toBe(last - first + 1);
      if (first > 0) expect(fed).toBeLessThan(track.samples.length / 2);
    }
    ours.forEach((frame, k) => {
      const theirs = resizeRgb(reference[window[k]!]!, frame.width, frame.height);
      expect(readCounter(frame, 0), `${file} frame ${window[k]}`).toBe(readCounter(theirs, 0));
      expect(psnr(frame.data, theirs.data)).toBeGreaterThanOrEqual(30);
    });
  }
});

test('reads of one clip at once decode it once and all get the same frames', async ({ page }) => {
  await serveClips(page);
  await openHarness(page, 'data');
  const files = ['h264-bframes-2997-322x242.mp4', 'xvid.avi'];
  const index = await callHarness<DatasetIndex>(page, 'scan', entries(files));
  for (const file of files) {
    const record = index.clips.find((c) => c.name === file)!;
    const result = await callHarness<{ decodes: number; data: string[] }>(
      page,
      'framesAtOnce',
      record.id,
      [2, 5, 9],
      WORKING,
      3,
    );
    expect(result.decodes, file).toBe(1);
    expect(new Set(result.data).size, file).toBe(1);
    // A later read of other frames of the same clip decodes again (only what is missing).
    const more = await callHarness<{ decodes: number }>(page, 'framesAtOnce', record.id, [2, 20], WORKING, 2);
    expect(more.decodes, file).toBe(1);
  }
});

test('samples like the reference: short clips repeat their last frame; batches are seeded and match the pure path', async ({
  page,
}) => {
  await serveClips(page);
  await openHarness(page, 'data');
  const preprocess: PreprocessSettings = { imageSize: 64, numFrames: 16, sampleRate: 4 };
  const index = await callHarness<DatasetIndex>(
    page,
    'scan',
    [
      ...entries(['h264-10-frames.mp4', 'vp9.mp4'], 'set/A'),
      ...entries(['xvid.avi', 'h264-long-gop.mp4'], 'set/B'),
    ],
    preprocess,
  );
  expect(index.warnings.map((w) => w.kind)).toContain('short-clips');
  const short = index.clips.find((c) => c.name === 'h264-10-frames.mp4')!;
  const clip = await callHarness<{
    shape: number[];
    sample: { indices: number[]; padded: boolean };
    data: string;
  }>(page, 'clip', short.id, 'eval', preprocess, 1, 0);
  expect(clip.shape).toEqual([16, 3, 64, 64]);
  expect(clip.sample.indices).toEqual([0, 4, 8, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9]);
  expect(clip.sample.padded).toBe(true);
  const values = floats(clip.data);
  const frameSize = 3 * 64 * 64;
  expect(values.subarray(15 * frameSize)).toEqual(values.subarray(3 * frameSize, 4 * frameSize));
  expect(values.subarray(2 * frameSize, 3 * frameSize)).not.toEqual(
    values.subarray(3 * frameSize, 4 * frameSize),
  );

  // A training batch: seeded (same request, same tensor), varies by epoch, and equals the pure transform of
  // the worker's working-resolution frames.
  const ids = index.clips.map((c) => c.id);
  type Batch = {
    shape: number[];
    labels: number[];
    data: string;
    samples: { indices: number[]; plan: ReturnType<typeof planSpatial> }[];
  };
  const a = await callHarness<Batch>(page, 'batch', ids, 'train', preprocess, 7, 3, false);
  const b = await callHarness<Batch>(page, 'batch', ids, 'train', preprocess, 7, 3, true);
  const c = await callHarness<Batch>(page, 'batch', ids, 'train', preprocess, 7, 4, false);
  expect(a.shape).toEqual([4, 16, 3, 64, 64]);
  expect(a.labels).toEqual(index.clips.map((x) => x.labelIndex));
  expect(b.data).toBe(a.data);
  expect(b.samples).toEqual(a.samples);
  expect(c.data).not.toBe(a.data);
  const batch = floats(a.data);
  for (let k = 0; k < ids.length; k++) {
    const { indices, plan } = a.samples[k]!;
    const raw = unpack(await callHarness<RawFramesB64>(page, 'frames', ids[k]!, indices, 73));
    const expected = writeClip(raw, plan, IMAGENET_NORMALIZE);
    const got = batch.subarray(k * expected.length, (k + 1) * expected.length);
    let maxDiff = 0;
    for (let i = 0; i < expected.length; i++) maxDiff = Math.max(maxDiff, Math.abs(expected[i]! - got[i]!));
    expect(maxDiff, ids[k]).toBeLessThan(1e-5);
  }
  // The same API over a MessagePort (how the compute worker reads batches) gives the same tensor.
  const viaPort = await callHarness<{ shape: number[]; data: string }>(
    page,
    'batchOverPort',
    ids,
    preprocess,
    7,
    3,
  );
  expect(viaPort.data).toBe(a.data);
});

test('decoded frames persist in OPFS across workers; MP4-only sets never load ffmpeg.wasm', async ({
  page,
}) => {
  await serveClips(page);
  const wasmRequests: string[] = [];
  page.on('request', (r) => {
    if (/ffmpeg-core/.test(r.url())) wasmRequests.push(r.url());
  });
  await openHarness(page, 'data');
  const files = ['h264-bframes-2997-322x242.mp4', 'vp9.mp4', 'av1.mp4'];
  await callHarness(page, 'scan', entries(files));
  const report = await callHarness<{
    decoded: number;
    failed: number;
    progress: { phase: string; done: number; total: number }[];
  }>(page, 'decodeAll');
  expect(report).toMatchObject({ decoded: 3, failed: 0 });
  const last = report.progress.filter((p) => p.phase === 'decode').at(-1)!;
  expect([last.done, last.total]).toEqual([3, 3]);
  const before = await callHarness<{
    decodes: number;
    disk: { clips: number; available: boolean };
    ffmpegLoaded: boolean;
  }>(page, 'cacheStats');
  expect(before.disk.available).toBe(true);
  expect(before.disk.clips, JSON.stringify(before.disk)).toBe(3);
  expect(before.ffmpegLoaded).toBe(false);
  expect(wasmRequests).toEqual([]);

  await callHarness(page, 'restartWorker');
  const index = await callHarness<DatasetIndex>(page, 'scan', entries(files));
  const again = await callHarness<{ decoded: number; cached: number }>(page, 'decodeAll');
  expect(again).toMatchObject({ decoded: 3, cached: 3 });
  const first = index.clips.find((c) => c.name === files[0])!;
  const preprocess: PreprocessSettings = { imageSize: 224, numFrames: 16, sampleRate: 4 };
  // decodeAll cached what each split samples: random windows for train, the centre window otherwise.
  await callHarness(page, 'clip', first.id, first.split === 'train' ? 'train' : 'eval', preprocess, 1, 0);
  const after = await callHarness<{ decodes: number }>(page, 'cacheStats');
  expect(after.decodes).toBe(0);
});
