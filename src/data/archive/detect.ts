/**
 * Which dropped files are archives: by name first (cheap, before reading anything), then by their first
 * bytes, which decide how they are read; a name can lie (browsers that gunzip a download keep `.tar.gz`).
 */
import { baseName } from '../source-files.ts';
import { isTarHeader } from './tar.ts';

export type ArchiveKind = 'tar' | 'tar.gz' | 'zip';

const SUPPORTED = ['.tar.gz', '.tgz', '.tar', '.zip'];

/**
 * Archives we recognise but cannot read: taken over all the same, so that a dropped `UCF101.rar` (how the
 * full dataset ships) is reported with a reason instead of being counted among ignored files.
 */
const UNSUPPORTED: readonly { suffixes: string[]; what: string }[] = [
  { suffixes: ['.rar'], what: 'RAR archives' },
  { suffixes: ['.7z'], what: '7-Zip archives' },
  { suffixes: ['.tar.bz2', '.tbz2', '.tbz'], what: 'bzip2-compressed tar archives' },
  { suffixes: ['.tar.xz', '.txz'], what: 'xz-compressed tar archives' },
  { suffixes: ['.tar.zst', '.tzst'], what: 'Zstandard-compressed tar archives' },
];

/** For a file input's `accept`: the archives that can be expanded. */
export const ARCHIVE_ACCEPT = SUPPORTED.join(',');

function archiveName(path: string): string | null {
  const name = baseName(path).toLowerCase();
  // AppleDouble companions (`._data.zip`, `__MACOSX/...`) carry the name and none of the content.
  if (name.startsWith('._') || path.split('/').includes('__MACOSX')) return null;
  return name;
}

/**
 * True for the files expandArchives takes over, by name alone: `.tar.gz`, `.tgz`, `.tar`, `.zip` (expanded),
 * and `.rar`, `.7z`, `.tar.bz2`, `.tar.xz`, `.tar.zst` (reported as not supported).
 */
export function isArchive(path: string): boolean {
  const name = archiveName(path);
  if (name === null) return false;
  return [...SUPPORTED, ...UNSUPPORTED.flatMap((u) => u.suffixes)].some((suffix) => name.endsWith(suffix));
}

export function unsupportedArchive(path: string): string | null {
  const name = archiveName(path) ?? '';
  return UNSUPPORTED.find((u) => u.suffixes.some((suffix) => name.endsWith(suffix)))?.what ?? null;
}

function startsWith(bytes: Uint8Array, magic: readonly number[], at = 0): boolean {
  return magic.every((byte, i) => bytes[at + i] === byte);
}

const ZIP_MAGICS = [
  [0x50, 0x4b, 0x03, 0x04],
  [0x50, 0x4b, 0x05, 0x06], // empty zip
  [0x50, 0x4b, 0x07, 0x08], // a split zip's first part
];

const OTHER_MAGICS: readonly { magic: number[]; what: string }[] = [
  { magic: [0x42, 0x5a, 0x68], what: 'bzip2 data' },
  { magic: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], what: 'xz data' },
  { magic: [0x28, 0xb5, 0x2f, 0xfd], what: 'Zstandard data' },
  { magic: [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c], what: 'a 7-Zip archive' },
  { magic: [0x52, 0x61, 0x72, 0x21, 0x1a, 0x07], what: 'a RAR archive' },
];

export type Sniffed = { kind: ArchiveKind } | { kind: 'unknown'; what: string | null };

/** From the first 512 bytes of the file. */
export function sniffArchive(head: Uint8Array, path: string): Sniffed {
  if (startsWith(head, [0x1f, 0x8b])) return { kind: 'tar.gz' };
  if (ZIP_MAGICS.some((magic) => startsWith(head, magic))) return { kind: 'zip' };
  // "ustar" at 257 (POSIX and GNU), or a v7 header, which has no magic but a checksum.
  if (startsWith(head, [0x75, 0x73, 0x74, 0x61, 0x72], 257) || isTarHeader(head)) return { kind: 'tar' };
  const other = OTHER_MAGICS.find((m) => startsWith(head, m.magic));
  if (other) return { kind: 'unknown', what: other.what };
  // Self-extracting zips start with a program, the central directory at the end tells; a tar whose first
  // block is zero (an empty archive) has no header to recognise, the tar reader tells.
  const name = baseName(path).toLowerCase();
  if (name.endsWith('.zip')) return { kind: 'zip' };
  if (name.endsWith('.tar')) return { kind: 'tar' };
  return { kind: 'unknown', what: null };
}
