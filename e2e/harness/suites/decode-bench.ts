/**
 * The decode benchmark's browser side (bench/decode.ts): the app's data worker, timed around its public
 * API. Files are fetched into memory first so that network time is not counted.
 */
import { DataClient } from '../../../src/data/client.ts';
import {
  evalClipSpec,
  maxShortSideFor,
  trainClipSpec,
  type PreprocessSettings,
} from '../../../src/data/clip-spec.ts';
import { DEFAULT_SPLIT_OPTIONS } from '../../../src/data/labels.ts';
import type { SourceFile } from '../../../src/data/source-files.ts';

const client = new DataClient();
const files = new Map<string, File>();

export async function load(entries: { url: string; path: string }[]): Promise<number> {
  await Promise.all(
    entries.map(async ({ url, path }) => {
      const blob = await (await fetch(url)).blob();
      files.set(path, new File([blob], path.split('/').pop()!, { lastModified: 1 }));
    }),
  );
  await client.api.clearCache();
  return files.size;
}

export async function scan(paths: string[], preprocess: PreprocessSettings) {
  const sources: SourceFile[] = paths.map((path) => ({ path, file: files.get(path)! }));
  const started = performance.now();
  const index = await client.api.scan(sources, { name: 'bench', split: DEFAULT_SPLIT_OPTIONS, preprocess });
  return {
    ms: performance.now() - started,
    clips: index.clips.map((c) => ({
      id: c.id,
      container: c.container,
      codec: c.codec,
      decoder: c.decoder,
      frameCount: c.frameCount,
      frameCountExact: c.frameCountExact,
      durationS: c.durationS,
      fps: c.fps,
      width: c.width,
      height: c.height,
    })),
    skipped: index.skipped,
  };
}

/** getClip for one clip (what a training step asks for), timed in the page. */
export async function sampleOne(clipId: string, mode: 'train' | 'eval', preprocess: PreprocessSettings) {
  const spec = mode === 'train' ? trainClipSpec(preprocess) : evalClipSpec(preprocess);
  const before = await client.api.cacheStats();
  const started = performance.now();
  const clip = await client.api.getClip({ clipId, spec, seed: 1, epoch: 0 });
  const ms = performance.now() - started;
  const after = await client.api.cacheStats();
  return {
    ms,
    indices: clip.sample.indices,
    decodes: after.decodes - before.decodes,
    chunks: after.chunks - before.chunks,
  };
}

export async function frames(clipId: string, indices: number[], imageSize: number) {
  const raw = await client.api.getFrames(clipId, indices, maxShortSideFor(imageSize));
  let text = '';
  for (let i = 0; i < raw.data.length; i += 8192)
    text += String.fromCharCode(...raw.data.subarray(i, i + 8192));
  return { width: raw.width, height: raw.height, data: btoa(text) };
}
