/**
 * What ffmpeg.wasm's ffprobe says about a clip, and the `select` expressions that make ffmpeg emit just the
 * frames wanted. Pure, so it is tested in Node.
 */
import { ClipRejectedError } from '../errors.ts';
import { normalizeRotation, type Rotation } from '../image.ts';
import { roundFps } from '../mp4-demux.ts';
import { DEFAULT_COLOR, type MatrixName, type YuvColor } from '../yuv.ts';

export interface FfprobeInfo {
  codecName: string;
  /** Human-readable codec. */
  codec: string;
  /** Stored picture size (before sample aspect ratio and rotation). */
  width: number;
  height: number;
  sampleAspect: number;
  rotation: Rotation;
  fps: number;
  frameCount: number;
  frameCountExact: boolean;
  durationS: number;
  formatName: string;
  /** How ffmpeg would convert to RGB: what the stream signals, BT.601 limited range otherwise. */
  color: YuvColor;
}

interface ProbeStream {
  pix_fmt?: string;
  color_space?: string;
  color_range?: string;
  codec_name?: string;
  profile?: string;
  width?: number;
  height?: number;
  sample_aspect_ratio?: string;
  r_frame_rate?: string;
  avg_frame_rate?: string;
  nb_frames?: string;
  nb_read_packets?: string;
  duration?: string;
  side_data_list?: { side_data_type?: string; rotation?: number }[];
  tags?: { rotate?: string };
}

export interface ProbeJson {
  streams?: ProbeStream[];
  format?: { duration?: string; format_name?: string };
}

const CODEC_NAMES: Readonly<Record<string, string>> = {
  mpeg4: 'MPEG-4 Part 2',
  msmpeg4v2: 'MS MPEG-4 v2',
  msmpeg4v3: 'MS MPEG-4 v3 (DivX 3)',
  hevc: 'HEVC',
  vp8: 'VP8',
  vp9: 'VP9',
  av1: 'AV1',
  mjpeg: 'Motion JPEG',
  mpeg1video: 'MPEG-1',
  mpeg2video: 'MPEG-2',
  wmv2: 'WMV 8',
  wmv3: 'WMV 9',
  prores: 'ProRes',
  theora: 'Theora',
};

function codecLabel(stream: ProbeStream): string {
  const name = stream.codec_name ?? 'unknown';
  if (name === 'h264') return `H.264${stream.profile ? ` ${stream.profile}` : ''}`;
  return CODEC_NAMES[name] ?? name.toUpperCase();
}

function ratio(text: string | undefined): number {
  if (!text) return 0;
  const [a, b] = text.split(/[/:]/).map(Number);
  if (!a || !b || !Number.isFinite(a / b)) return 0;
  return a / b;
}

const FFMPEG_MATRICES: Readonly<Record<string, MatrixName>> = {
  bt709: 'bt709',
  smpte170m: 'bt601',
  bt470bg: 'bt601',
  fcc: 'fcc',
  smpte240m: 'smpte240m',
  bt2020nc: 'bt2020',
  bt2020c: 'bt2020',
};

function colorOf(stream: ProbeStream): YuvColor {
  return {
    matrix: FFMPEG_MATRICES[stream.color_space ?? ''] ?? DEFAULT_COLOR.matrix,
    fullRange: stream.color_range === 'pc' || (stream.pix_fmt ?? '').startsWith('yuvj'),
  };
}

/** Interprets ffprobe's JSON for the first video stream. Exported for tests. */
export function parseProbe(json: ProbeJson): FfprobeInfo {
  const stream = json.streams?.[0];
  if (!stream || !stream.width || !stream.height) {
    throw new ClipRejectedError('no video stream found');
  }
  const fps = ratio(stream.avg_frame_rate) || ratio(stream.r_frame_rate);
  const durationS = Number(stream.duration ?? json.format?.duration ?? 0) || 0;
  const packets = Number(stream.nb_read_packets ?? 0);
  const declared = Number(stream.nb_frames ?? 0);
  const estimated = Math.round(durationS * fps);
  const frameCount = packets || declared || estimated;
  if (!(frameCount > 0)) throw new ClipRejectedError('no frames found (empty or too short)');
  // ffprobe reports rotation counter-clockwise (display matrix convention); ours is clockwise.
  const ccw =
    stream.side_data_list?.find((d) => d.rotation !== undefined)?.rotation ??
    -Number(stream.tags?.rotate ?? 0);
  return {
    codecName: stream.codec_name ?? 'unknown',
    codec: codecLabel(stream),
    width: stream.width,
    height: stream.height,
    sampleAspect: ratio(stream.sample_aspect_ratio) || 1,
    rotation: normalizeRotation(-ccw),
    fps: roundFps(fps),
    frameCount,
    frameCountExact: packets > 0,
    durationS: durationS || (fps > 0 ? frameCount / fps : 0),
    formatName: json.format?.format_name ?? '',
    color: colorOf(stream),
  };
}

/** A `select` expression for the given frame numbers: arithmetic runs compress to one term each. */
export function selectExpression(indices: readonly number[]): string {
  const sorted = [...new Set(indices)].sort((a, b) => a - b);
  const terms: string[] = [];
  let i = 0;
  while (i < sorted.length) {
    const start = sorted[i]!;
    const step = i + 1 < sorted.length ? sorted[i + 1]! - start : 0;
    let j = i + 1;
    while (j + 1 < sorted.length && sorted[j + 1]! - sorted[j]! === step) j++;
    if (step > 0 && j - i >= 2) {
      const end = sorted[j]!;
      terms.push(
        step === 1 ? `between(n,${start},${end})` : `between(n,${start},${end})*not(mod(n-${start},${step}))`,
      );
      i = j + 1;
    } else {
      terms.push(`eq(n,${start})`);
      i++;
    }
  }
  return terms.join('+');
}
