/**
 * The dataset index: every usable clip with its label, split and media facts, plus what was skipped and
 * why. It is plain data (structured-cloneable, JSON-serialisable) so it crosses worker boundaries and can
 * be saved. The data worker owns the authoritative copy.
 */
import type { Rotation } from './image.ts';
import type { LabelRule, SplitOptions } from './labels.ts';
import type { ContainerKind } from './media-files.ts';
import type { SplitName } from './ucf101.ts';

export type DecoderKind = 'webcodecs' | 'ffmpeg';

/** What probing a file tells about its video stream. */
export interface ClipMedia {
  /** The container found in the bytes (not the extension). */
  container: ContainerKind;
  /** Human-readable codec, e.g. "H.264 High", "MPEG-4 Part 2", "VP9". */
  codec: string;
  /** RFC 6381 codec string for WebCodecs, when the container gives one. */
  codecString: string | null;
  decoder: DecoderKind;
  /** Display size, after sample aspect ratio and rotation. */
  width: number;
  height: number;
  /** Clockwise rotation applied for display. */
  rotation: Rotation;
  fps: number;
  frameCount: number;
  /** False when the count is an estimate (containers without a frame index); decoding corrects it. */
  frameCountExact: boolean;
  durationS: number;
}

export interface ClipRecord extends ClipMedia {
  /** Stable id: the relative path. */
  id: string;
  path: string;
  name: string;
  size: number;
  lastModified: number;
  label: string;
  labelIndex: number;
  split: SplitName;
  group: string | null;
  /** Content fingerprint (size + hash of the first and last bytes), for duplicate detection. */
  fingerprint: string;
}

export interface SkippedFile {
  path: string;
  reason: string;
}

export interface DatasetWarning {
  kind: 'missing-from-split' | 'few-clips' | 'duplicates' | 'short-clips' | 'single-class' | 'group-leak';
  message: string;
}

export interface DatasetIndex {
  /** Name of what was dropped (the folder, or "3 files"). */
  name: string;
  classes: string[];
  clips: ClipRecord[];
  rule: LabelRule;
  ruleText: string;
  splitSource: 'folders' | 'lists' | 'generated';
  fold: number | null;
  splitOptions: SplitOptions;
  skipped: SkippedFile[];
  /** Files that are not video (text, images, .DS_Store) and not split lists. */
  ignoredCount: number;
  ignoredExamples: string[];
  warnings: DatasetWarning[];
}

export function clipsOfSplit(index: DatasetIndex, split: SplitName): ClipRecord[] {
  return index.clips.filter((c) => c.split === split);
}
