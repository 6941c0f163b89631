import { describe, expect, it } from 'vitest';
import { FrameCache, frameCacheKey } from './frame-cache.ts';

function frames(indices: number[], bytes: number): Map<number, Uint8Array> {
  return new Map(indices.map((i) => [i, new Uint8Array(bytes).fill(i)]));
}

describe('FrameCache', () => {
  it('returns cached frames and lists the missing ones', () => {
    const cache = new FrameCache(1 << 20);
    cache.put('a', 4, 2, frames([0, 4, 8], 24));
    const hit = cache.lookup('a', [0, 4, 5, 8, 4]);
    expect([...hit.found.keys()]).toEqual([0, 4, 8]);
    expect(hit.missing).toEqual([5]);
    expect([hit.width, hit.height]).toEqual([4, 2]);
    expect(cache.lookup('b', [1]).missing).toEqual([1]);
    expect(cache.stats()).toMatchObject({ bytes: 72, clips: 1, frames: 3, hits: 3, misses: 2 });
  });

  it('evicts least recently used clips to stay within the budget', () => {
    const cache = new FrameCache(300);
    cache.put('a', 1, 1, frames([0], 100));
    cache.put('b', 1, 1, frames([0], 100));
    cache.put('c', 1, 1, frames([0], 100));
    cache.lookup('a', [0]); // a is now the most recent
    cache.put('d', 1, 1, frames([0], 100));
    expect(cache.has('b', 0)).toBe(false);
    expect(cache.has('a', 0) && cache.has('c', 0) && cache.has('d', 0)).toBe(true);
    expect(cache.stats()).toMatchObject({ bytes: 300, clips: 3, evictions: 1 });
    cache.setBudget(150);
    expect(cache.stats()).toMatchObject({ bytes: 100, clips: 1 });
    expect(cache.has('d', 0)).toBe(true);
  });

  it('keeps a clip larger than the whole budget while it is in use, and adds frames to a clip', () => {
    const cache = new FrameCache(100);
    cache.put('big', 1, 1, frames([0, 1, 2], 60));
    expect(cache.stats().bytes).toBe(180);
    cache.put('big', 1, 1, frames([2, 3], 60));
    expect(cache.stats()).toMatchObject({ bytes: 240, frames: 4 });
    cache.put('small', 1, 1, frames([0], 10));
    expect(cache.has('big', 0)).toBe(false);
  });

  it('keys on name, size, modification time and working resolution', () => {
    const base = { name: 'v_A_g01_c01.avi', size: 1000, lastModified: 5, maxShortSide: 256 };
    const key = frameCacheKey(base);
    expect(key).toMatch(/^[0-9a-f]{32}$/);
    expect(frameCacheKey({ ...base })).toBe(key);
    for (const change of [{ name: 'x.avi' }, { size: 1001 }, { lastModified: 6 }, { maxShortSide: 128 }]) {
      expect(frameCacheKey({ ...base, ...change })).not.toBe(key);
    }
  });
});
