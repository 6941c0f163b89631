/**
 * The frame source's caching and single-flight logic in Node. The decoder here draws each frame from its
 * index (the real decoders are tested in the browser: e2e/dev/decode.spec.ts), and counts its calls.
 */
import { describe, expect, it } from 'vitest';
import type { ClipRecord } from '../dataset-index.ts';
import { FrameCache, type ClipFrames } from '../frame-cache.ts';
import type { RgbFrame } from '../image.ts';
import { FrameSource, type ClipDecoder, type FrameStore } from './frame-source.ts';
import { Semaphore } from './ingest-helpers.ts';

const W = 4;
const H = 3;

function clip(frameCount: number, name = 'v_Grow_g01_c01.avi'): ClipRecord {
  return {
    container: 'avi',
    codec: 'MPEG-4 Part 2',
    codecString: null,
    decoder: 'ffmpeg',
    width: W,
    height: H,
    rotation: 0,
    fps: 25,
    frameCount,
    frameCountExact: false,
    durationS: frameCount / 25,
    id: `train/Grow/${name}`,
    path: `train/Grow/${name}`,
    name,
    size: 1000,
    lastModified: 1,
    label: 'Grow',
    labelIndex: 0,
    split: 'train',
    group: 'grow/g1',
    fingerprint: '',
  };
}

function frameOf(index: number): RgbFrame {
  return { width: W, height: H, data: new Uint8Array(W * H * 3).fill(index) };
}

/** A decoder of a file that really holds `realFrames` frames; it resolves when `gate` does. */
function decoder(realFrames: number, gate: Promise<void> = Promise.resolve()) {
  const calls: number[][] = [];
  const decode: ClipDecoder = async (_clip, indices) => {
    calls.push([...indices]);
    await gate;
    const frames = new Map(indices.filter((i) => i < realFrames).map((i) => [i, frameOf(i)]));
    return {
      frames,
      width: W,
      height: H,
      frameCount: indices.some((i) => i >= realFrames) ? realFrames : null,
      chunks: null,
    };
  };
  return { calls, decode };
}

class MemoryStore implements FrameStore {
  readonly files = new Map<string, ClipFrames>();
  reads = 0;
  async read(key: string, indices: readonly number[]): Promise<ClipFrames | null> {
    this.reads++;
    const file = this.files.get(key);
    if (!file) return null;
    return {
      ...file,
      frames: new Map(indices.filter((i) => file.frames.has(i)).map((i) => [i, file.frames.get(i)!])),
    };
  }
  async write(key: string, width: number, height: number, frames: ReadonlyMap<number, Uint8Array>) {
    const file = this.files.get(key) ?? { width, height, frames: new Map() };
    for (const [i, f] of frames) file.frames.set(i, f);
    this.files.set(key, file);
  }
}

const source = (decode: ClipDecoder, store = new MemoryStore()) =>
  new FrameSource(new FrameCache(), store, decode, new Semaphore(2));

describe('FrameSource', () => {
  it('decodes a clip once for reads of it at once, and each gets the same frames', async () => {
    let open = () => {};
    const gate = new Promise<void>((resolve) => (open = resolve));
    const d = decoder(100, gate);
    const s = source(d.decode);
    const c = clip(100);
    const reads = [s.read(c, [0, 4, 8], 96), s.read(c, [0, 4, 8], 96), s.read(c, [4, 8], 96)];
    await new Promise((resolve) => setTimeout(resolve, 5));
    // While the first decodes, the others say what they wait on.
    expect(
      s
        .activity()
        .map((a) => a.stage)
        .sort(),
    ).toEqual(['decode', 'same-clip', 'same-clip']);
    open();
    const results = await Promise.all(reads);
    expect(d.calls).toEqual([[0, 4, 8]]);
    expect(results.map((r) => r.frames.get(8)![0])).toEqual([8, 8, 8]);
    // A read that took another's fresh decode counts as decoded: "from cache" means stored before.
    expect(results.map((r) => r.decoded)).toEqual([true, true, true]);
    expect(s.decodes).toBe(1);
    expect(s.activity()).toEqual([]);
  });

  it('decodes only the frames missing from memory and disk, and a new source finds them on disk', async () => {
    const d = decoder(100);
    const store = new MemoryStore();
    const first = source(d.decode, store);
    const c = clip(100);
    await first.read(c, [0, 4], 96);
    const more = await first.read(c, [0, 4, 8, 12], 96);
    expect(d.calls).toEqual([
      [0, 4],
      [8, 12],
    ]);
    expect(more.decoded).toBe(true);
    // A fresh worker (empty memory) reads them from disk without decoding.
    const second = source(d.decode, store);
    const again = await second.read(c, [4, 8], 96);
    expect(again.decoded).toBe(false);
    expect(d.calls).toHaveLength(2);
    expect(again.frames.get(4)![0]).toBe(4);
  });

  it('repeats the last frame past the end of a file shorter than its headers, and corrects its frame count', async () => {
    const d = decoder(10);
    const s = source(d.decode);
    const c = clip(40);
    const result = await s.read(c, [0, 8, 12, 16], 96);
    expect([0, 8, 12, 16].map((i) => result.frames.get(i)![0])).toEqual([0, 8, 8, 8]);
    expect(c.frameCount).toBe(10);
    expect(c.frameCountExact).toBe(true);
  });

  it('keeps clips apart by file and working size, and lets a failed decode free the clip for the next read', async () => {
    let fail = true;
    const d = decoder(100);
    const s = source(async (c, indices, size, signal) => {
      if (fail) {
        fail = false;
        throw new Error('decoder crashed');
      }
      return d.decode(c, indices, size, signal);
    });
    const c = clip(100);
    await expect(s.read(c, [0], 96)).rejects.toThrow('decoder crashed');
    expect(s.activity()).toEqual([]);
    await s.read(c, [0], 96);
    await s.read(c, [0], 128);
    await s.read(clip(100, 'v_Grow_g01_c02.avi'), [0], 96);
    expect(d.calls).toEqual([[0], [0], [0]]);
  });
});
