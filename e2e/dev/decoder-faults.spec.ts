/**
 * A decoder failure is never data loss: decoders made to crash (an ffmpeg.wasm instance that aborts, a
 * WebCodecs decoder that is reclaimed mid-clip) cost a retry alone on a fresh decoder, and the clips come
 * out with the same frames as a clean decode. A clip that is really broken is rejected only after failing
 * alone on a fresh decoder, and its reason says so.
 */
import { test, expect } from '../fixtures.ts';
import { callHarness, openHarness } from '../harness/harness.ts';
import { ensureTestClips, type TestClipSet } from '../../scripts/test-clips.ts';
import type { DatasetIndex } from '../../src/data/dataset-index.ts';
import type { CacheStats } from '../../src/data/worker/protocol.ts';

let set: TestClipSet;
const CLIP_URL = '/__fault-clips__/';
const FILES = ['h264-bframes-2997-322x242.mp4', 'vp9.mp4', 'xvid.avi', 'mpeg4-part2.mp4', 'vp8.webm'];
const WORKING = 96;

test.beforeAll(() => {
  set = ensureTestClips(FILES);
});

interface RawFramesB64 {
  data: string;
}

async function decodeEveryClip(
  page: import('@playwright/test').Page,
  faults: { ffmpeg: number; webcodecs: number },
) {
  await page.route(`**${CLIP_URL}**`, (route) =>
    route.fulfill({ path: `${set.dir}/${new URL(route.request().url()).pathname.slice(CLIP_URL.length)}` }),
  );
  await openHarness(page, 'data');
  await callHarness(page, 'clearCache');
  // Crashes before the scan: probes go through ffmpeg.wasm too, and must not lose a clip either.
  await callHarness(page, 'injectDecoderFaults', 'ffmpeg', faults.ffmpeg);
  await callHarness(page, 'injectDecoderFaults', 'webcodecs', faults.webcodecs);
  const index = await callHarness<DatasetIndex>(
    page,
    'scan',
    FILES.map((f) => ({ url: `${CLIP_URL}${f}`, path: `set/Clips/${f}` })),
  );
  const frames: Record<string, string> = {};
  for (const clip of index.clips) {
    const raw = await callHarness<RawFramesB64>(page, 'frames', clip.id, [0, 5, 11, 17], WORKING);
    frames[clip.name] = raw.data;
  }
  const stats = await callHarness<CacheStats>(page, 'cacheStats');
  return { index, frames, stats };
}

test('crashed decoders cost a retry on a fresh decoder, never a clip, and the frames are the same', async ({
  page,
  browser,
}) => {
  test.setTimeout(240_000);
  const crashed = await decodeEveryClip(page, { ffmpeg: 3, webcodecs: 2 });
  expect(crashed.index.skipped).toEqual([]);
  expect(crashed.index.clips.map((c) => c.name).sort()).toEqual([...FILES].sort());
  const { retries, ffmpeg } = crashed.stats.decoders;
  // Every injected crash was met, and each was recovered by a retry on a fresh decoder.
  expect(retries).toEqual({ retried: 5, recovered: 5, rejected: 0 });
  expect(ffmpeg?.discarded, 'ffmpeg.wasm instances thrown away after their crash').toBe(3);

  // The same clips decoded cleanly in a new page (fresh workers, empty cache) give the same bytes.
  const clean = await decodeEveryClip(await browser.newPage(), { ffmpeg: 0, webcodecs: 0 });
  expect(clean.stats.decoders.retries.retried).toBe(0);
  expect(Object.keys(crashed.frames).sort()).toEqual(Object.keys(clean.frames).sort());
  for (const name of Object.keys(clean.frames)) {
    expect(crashed.frames[name] === clean.frames[name], `${name}: same frames after a crash`).toBe(true);
  }
});

/** An AVI header (RIFF ... AVI ) over noise: it passes the sniffing, and only a decoder can tell. */
function aviHeaderOverNoise(): Buffer {
  const bytes = Buffer.alloc(40_000);
  let seed = 2024;
  for (let i = 0; i < bytes.length; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    bytes[i] = seed >>> 24;
  }
  bytes.write('RIFF', 0, 'latin1');
  bytes.writeUInt32LE(bytes.length - 8, 4);
  bytes.write('AVI ', 8, 'latin1');
  return bytes;
}

test('a clip that is really broken is rejected only after failing alone on a fresh decoder', async ({
  page,
}) => {
  test.setTimeout(120_000);
  const broken = aviHeaderOverNoise();
  await page.route(`**${CLIP_URL}**`, (route) => {
    const name = new URL(route.request().url()).pathname.slice(CLIP_URL.length);
    if (name === 'v_Noise_g01_c01.avi') return route.fulfill({ body: broken });
    return route.fulfill({ path: `${set.dir}/${name}` });
  });
  await openHarness(page, 'data');
  const index = await callHarness<DatasetIndex>(page, 'scan', [
    { url: `${CLIP_URL}v_Noise_g01_c01.avi`, path: 'set/Clips/v_Noise_g01_c01.avi' },
    { url: `${CLIP_URL}xvid.avi`, path: 'set/Clips/v_Good_g01_c01.avi' },
  ]);
  expect(index.clips.map((c) => c.name)).toEqual(['v_Good_g01_c01.avi']);
  const bad = index.skipped.find((s) => s.path.endsWith('v_Noise_g01_c01.avi'));
  expect(bad?.reason).toMatch(/not a readable video .*again alone on a fresh decoder/);
  const stats = await callHarness<CacheStats>(page, 'cacheStats');
  expect(stats.decoders.retries).toEqual({ retried: 1, recovered: 0, rejected: 1 });
});
