/**
 * What a file's first bytes say it is, so that junk gets a plain reason ("empty", "a text file", "not a
 * video container") before any decoder is loaded, and a clip with the wrong extension still finds its
 * demuxer.
 */
import type { ContainerKind } from './media-files.ts';

export type SniffResult = { ok: true; container: ContainerKind } | { ok: false; reason: string };

export const SNIFF_BYTES = 512;

const MP4_BOXES = new Set(['ftyp', 'moov', 'mdat', 'free', 'wide', 'skip', 'pnot', 'uuid', 'styp']);

function ascii(bytes: Uint8Array, start: number, length: number): string {
  return String.fromCharCode(...bytes.subarray(start, start + length));
}

function looksLikeText(bytes: Uint8Array): boolean {
  if (bytes.length === 0) return false;
  let printable = 0;
  for (const b of bytes) {
    if (b === 9 || b === 10 || b === 13 || (b >= 32 && b < 127) || b >= 0xc2) printable++;
    else if (b === 0) return false;
  }
  return printable / bytes.length > 0.95;
}

/** `head` is the file's first bytes (SNIFF_BYTES is enough); `hint` is what the extension suggests. */
export function sniffContainer(head: Uint8Array, fileSize: number, hint: ContainerKind): SniffResult {
  if (fileSize === 0) return { ok: false, reason: 'empty file (0 bytes)' };
  if (head.length >= 8 && MP4_BOXES.has(ascii(head, 4, 4))) return { ok: true, container: 'mp4' };
  if (head.length >= 12 && ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 4) === 'AVI ') {
    return { ok: true, container: 'avi' };
  }
  if (head.length >= 4 && head[0] === 0x1a && head[1] === 0x45 && head[2] === 0xdf && head[3] === 0xa3) {
    return { ok: true, container: hint === 'webm' ? 'webm' : 'mkv' };
  }
  if (looksLikeText(head)) return { ok: false, reason: 'a text file, not a video' };
  if (fileSize < 32) return { ok: false, reason: `too small to be a video (${fileSize} bytes)` };
  const expected = { mp4: 'MP4/MOV', avi: 'AVI', webm: 'WebM', mkv: 'Matroska' }[hint];
  return { ok: false, reason: `not a video file: no ${expected} header (unknown or corrupt data)` };
}
