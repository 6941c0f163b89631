/**
 * The real data worker, driven from tests: files are fetched from URLs the test serves, handed to the
 * worker exactly as a drop would, and results come back as plain data (bytes as base64).
 */
import * as Comlink from 'comlink';
import {
  DEFAULT_PREPROCESS,
  evalClipSpec,
  trainClipSpec,
  type ClipSpec,
  type PreprocessSettings,
} from '../../../src/data/clip-spec.ts';
import { DataClient } from '../../../src/data/client.ts';
import { DEFAULT_SPLIT_OPTIONS } from '../../../src/data/labels.ts';
import type { SourceFile } from '../../../src/data/source-files.ts';
import type { IngestProgress } from '../../../src/data/worker/protocol.ts';

let client = new DataClient();
const progress: IngestProgress[] = [];

function base64(bytes: Uint8Array | Float32Array): string {
  const u8 = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let text = '';
  for (let i = 0; i < u8.length; i += 8192) text += String.fromCharCode(...u8.subarray(i, i + 8192));
  return btoa(text);
}

/** Starts a fresh worker (empty memory cache; OPFS persists). */
export function restartWorker(): void {
  client.terminate();
  client = new DataClient();
}

export async function scan(
  entries: { url: string; path: string }[],
  preprocess: PreprocessSettings = DEFAULT_PREPROCESS,
) {
  const files: SourceFile[] = await Promise.all(
    entries.map(async ({ url, path }) => {
      const blob = await (await fetch(url)).blob();
      return { path, file: new File([blob], path.split('/').pop()!, { lastModified: 1_700_000_000_000 }) };
    }),
  );
  progress.length = 0;
  return client.api.scan(
    files,
    { name: 'test', split: DEFAULT_SPLIT_OPTIONS, preprocess },
    Comlink.proxy((p: IngestProgress) => void progress.push(p)),
  );
}

export async function decodeAll() {
  const report = await client.api.decodeAll(Comlink.proxy((p: IngestProgress) => void progress.push(p)));
  return { ...report, progress: progress.slice() };
}

export function cacheStats() {
  return client.api.cacheStats();
}

export async function frames(clipId: string, indices: number[], maxShortSide: number) {
  const raw = await client.api.getFrames(clipId, indices, maxShortSide);
  return { width: raw.width, height: raw.height, indices: raw.indices, data: base64(raw.data) };
}

/** `copies` reads of the same frames at once, as A/B prefetches make them; and how many decodes they cost. */
export async function framesAtOnce(clipId: string, indices: number[], maxShortSide: number, copies: number) {
  const before = (await client.api.cacheStats()).decodes;
  const raws = await Promise.all(
    Array.from({ length: copies }, () => client.api.getFrames(clipId, indices, maxShortSide)),
  );
  return {
    decodes: (await client.api.cacheStats()).decodes - before,
    data: raws.map((raw) => base64(raw.data)),
  };
}

function specOf(kind: 'train' | 'eval', preprocess: PreprocessSettings): ClipSpec {
  return kind === 'train' ? trainClipSpec(preprocess) : evalClipSpec(preprocess);
}

export async function clip(
  clipId: string,
  kind: 'train' | 'eval',
  preprocess: PreprocessSettings,
  seed: number,
  epoch: number,
) {
  const tensor = await client.api.getClip({ clipId, spec: specOf(kind, preprocess), seed, epoch });
  return { ...tensor, data: base64(tensor.data) };
}

export async function batch(
  clipIds: string[],
  kind: 'train' | 'eval',
  preprocess: PreprocessSettings,
  seed: number,
  epoch: number,
  prefetchFirst: boolean,
) {
  const request = { clipIds, spec: specOf(kind, preprocess), seed, epoch };
  if (prefetchFirst) await client.api.prefetch([request]);
  const b = await client.api.getBatch(request);
  return { ...b, data: base64(b.data), labels: Array.from(b.labels) };
}

/** The same API over a MessagePort, as the compute worker gets it. */
export async function batchOverPort(
  clipIds: string[],
  preprocess: PreprocessSettings,
  seed: number,
  epoch: number,
) {
  const { connectDataApi } = await import('../../../src/data/worker/connect.ts');
  const { release } = await import('../../../src/util/worker-boundary.ts');
  const port = await client.createPort();
  const api = connectDataApi(port);
  const b = await api.getBatch({ clipIds, spec: trainClipSpec(preprocess), seed, epoch });
  release(api);
  return { shape: b.shape, data: base64(b.data) };
}

export async function clipError(clipId: string) {
  try {
    await client.api.getFrames(clipId, [0], 64);
    return null;
  } catch (error) {
    return { name: (error as Error).name, message: (error as Error).message };
  }
}

/** The next `count` decodes of that kind crash their decoder (see DataApi.injectDecoderFaults). */
export function injectDecoderFaults(kind: 'ffmpeg' | 'webcodecs', count: number) {
  return client.api.injectDecoderFaults(kind, count);
}

export function clearCache() {
  return client.api.clearCache();
}
