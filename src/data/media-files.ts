/**
 * What a dropped file is, from its name alone: a clip to ingest, one of UCF101's split lists, or something
 * to ignore (and count). Content checks come later (sniff.ts, the decoders).
 */
import { baseName } from './source-files.ts';

export type ContainerKind = 'mp4' | 'avi' | 'webm' | 'mkv';

const CONTAINER_OF_EXTENSION: Readonly<Record<string, ContainerKind>> = {
  mp4: 'mp4',
  m4v: 'mp4',
  mov: 'mp4',
  '3gp': 'mp4',
  avi: 'avi',
  webm: 'webm',
  mkv: 'mkv',
};

export type FileRole =
  | { kind: 'video'; container: ContainerKind }
  | { kind: 'split-list'; list: SplitListName }
  | { kind: 'ignored' };

/** UCF101's split files: `classInd.txt`, `trainlist0N.txt`, `testlist0N.txt`. */
export type SplitListName =
  { type: 'classes' } | { type: 'train'; fold: number } | { type: 'test'; fold: number };

export function extensionOf(path: string): string {
  const name = baseName(path);
  const dot = name.lastIndexOf('.');
  return dot <= 0 ? '' : name.slice(dot + 1).toLowerCase();
}

export function splitListName(path: string): SplitListName | null {
  const name = baseName(path).toLowerCase();
  if (name === 'classind.txt') return { type: 'classes' };
  const match = /^(train|test)list0?(\d+)\.txt$/.exec(name);
  if (!match) return null;
  return { type: match[1] as 'train' | 'test', fold: Number(match[2]) };
}

export function fileRole(path: string): FileRole {
  const name = baseName(path);
  // macOS resource forks (`._clip.avi`) carry a video extension but no video.
  if (name.startsWith('._') || name.startsWith('.')) return { kind: 'ignored' };
  const container = CONTAINER_OF_EXTENSION[extensionOf(path)];
  if (container) return { kind: 'video', container };
  const list = splitListName(path);
  if (list) return { kind: 'split-list', list };
  return { kind: 'ignored' };
}
