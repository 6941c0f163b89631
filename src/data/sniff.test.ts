import { describe, expect, it } from 'vitest';
import { sniffContainer } from './sniff.ts';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('sniffContainer', () => {
  it('recognises containers by their first bytes, whatever the extension says', () => {
    expect(sniffContainer(bytes('\0\0\0\x20ftypisom'), 1000, 'avi')).toEqual({ ok: true, container: 'mp4' });
    expect(sniffContainer(bytes('RIFF\0\0\0\0AVI LIST'), 1000, 'mp4')).toEqual({
      ok: true,
      container: 'avi',
    });
    expect(sniffContainer(new Uint8Array([0x1a, 0x45, 0xdf, 0xa3, 1, 2]), 1000, 'webm')).toEqual({
      ok: true,
      container: 'webm',
    });
  });

  it('gives plain reasons for empty, text and unknown files', () => {
    expect(sniffContainer(new Uint8Array(0), 0, 'mp4')).toEqual({
      ok: false,
      reason: 'empty file (0 bytes)',
    });
    expect(sniffContainer(bytes('hello, this is a note\n'), 22, 'mp4')).toEqual({
      ok: false,
      reason: 'a text file, not a video',
    });
    const junk = new Uint8Array(512).map((_, i) => (i * 37 + 11) % 256);
    expect(sniffContainer(junk, 40_000, 'avi')).toEqual({
      ok: false,
      reason: 'not a video file: no AVI header (unknown or corrupt data)',
    });
  });
});
