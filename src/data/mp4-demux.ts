/**
 * MP4 / MOV demuxing with mp4box: the video track's sample table (decode order, presentation times, sync
 * samples, byte ranges), decoder configuration, display size, rotation and signalled colour. Reads the file
 * in chunks until the `moov` box is parsed (mdat payloads are skipped), so probing a large file reads little.
 * Runs in Node too, which is how it is tested.
 */
import {
  createFile,
  DataStream,
  Endianness,
  type ISOFile,
  type MP4BoxBuffer,
  type Movie,
  type Track,
  type VisualSampleEntry,
} from 'mp4box';
import { av1SequenceColor, h264SpsColor, type SignalledColor } from './bitstream-color.ts';
import { normalizeRotation, type Rotation } from './image.ts';

export interface Mp4Sample {
  /** Position in decode order. */
  decodeIndex: number;
  /** Presentation / decode time in track timescale units. */
  cts: number;
  dts: number;
  duration: number;
  offset: number;
  size: number;
  isSync: boolean;
}

export interface Mp4VideoTrack {
  /** Sample entry four-character code: avc1, hvc1, vp09, av01, mp4v, ... */
  fourcc: string;
  /** RFC 6381 codec string (WebCodecs). */
  codecString: string;
  /** Human-readable codec. */
  codecName: string;
  /** avcC / hvcC payload for VideoDecoderConfig.description, when the codec needs one. */
  description: Uint8Array | null;
  codedWidth: number;
  codedHeight: number;
  /** Display size before rotation (sample aspect ratio applied). */
  displayWidth: number;
  displayHeight: number;
  rotation: Rotation;
  timescale: number;
  /** Samples in decode order. */
  samples: Mp4Sample[];
  /** presentationOrder[k] = decode index of the k-th frame shown. */
  presentationOrder: number[];
  durationS: number;
  fps: number;
  color: SignalledColor;
}

export class Mp4DemuxError extends Error {
  override name = 'Mp4DemuxError';
}

const PROBE_CHUNK = 1 << 20;

const H264_PROFILES: Readonly<Record<number, string>> = {
  66: 'Baseline',
  77: 'Main',
  88: 'Extended',
  100: 'High',
  110: 'High 10',
  122: 'High 4:2:2',
  244: 'High 4:4:4',
};

/** MPEG-4 systems objectTypeIndication values of video streams found in `mp4v` entries. */
const MP4V_OBJECT_TYPES: Readonly<Record<number, string>> = {
  0x20: 'MPEG-4 Part 2',
  0x60: 'MPEG-2',
  0x61: 'MPEG-2',
  0x62: 'MPEG-2',
  0x63: 'MPEG-2',
  0x64: 'MPEG-2',
  0x65: 'MPEG-2',
  0x6a: 'MPEG-1',
  0x6c: 'JPEG',
};

async function parseMoov(file: Blob, chunkSize: number): Promise<{ iso: ISOFile; info: Movie }> {
  const iso = createFile(false);
  let info: Movie | null = null;
  let failure: string | null = null;
  iso.onReady = (movie) => {
    info = movie;
  };
  iso.onError = (module, message) => {
    failure = `${module}: ${message}`;
  };
  let position = 0;
  let reads = 0;
  while (!info && position < file.size) {
    const end = Math.min(file.size, position + chunkSize);
    const buffer = (await file.slice(position, end).arrayBuffer()) as MP4BoxBuffer;
    buffer.fileStart = position;
    let next: number;
    try {
      next = iso.appendBuffer(buffer, end === file.size);
    } catch (error) {
      throw new Mp4DemuxError(
        `not a readable MP4 (${error instanceof Error ? error.message : String(error)})`,
      );
    }
    if (failure) throw new Mp4DemuxError(`not a readable MP4 (${failure})`);
    // mp4box asks for the next byte it needs; it may jump over a large mdat.
    position = next > position ? next : end;
    if (++reads > 100_000) break;
  }
  iso.flush();
  if (!info) {
    const found = iso.boxes.map((b) => b.type).filter(Boolean);
    if (found.length === 0) throw new Mp4DemuxError('no MP4 boxes found: not an MP4/MOV file');
    throw new Mp4DemuxError(
      `no movie header (moov): the file is truncated or incomplete (found ${[...new Set(found)].join(', ')})`,
    );
  }
  return { iso, info };
}

function serializeConfigBox(entry: VisualSampleEntry): Uint8Array | null {
  const box = entry.avcC ?? entry.hvcC;
  if (!box) return null;
  const stream = new DataStream(undefined, 0, Endianness.BIG_ENDIAN);
  // avcC's typings ask for a MultiBufferStream; writing only needs the DataStream it extends.
  (box as unknown as { write(s: DataStream): void }).write(stream);
  // Skip the box header (size + type): WebCodecs wants the record itself.
  return new Uint8Array(stream.buffer, 8);
}

function codecNameOf(entry: VisualSampleEntry, fourcc: string): string {
  if (fourcc === 'avc1' || fourcc === 'avc3') {
    const profile = entry.avcC?.AVCProfileIndication ?? 0;
    return `H.264 ${H264_PROFILES[profile] ?? `profile ${profile}`}`;
  }
  if (fourcc === 'hvc1' || fourcc === 'hev1') return 'HEVC';
  if (fourcc === 'vp09') return 'VP9';
  if (fourcc === 'vp08') return 'VP8';
  if (fourcc === 'av01') return 'AV1';
  if (fourcc === 'mp4v') {
    const esds = (entry as unknown as { esds?: { esd?: { descs?: { oti?: number }[] } } }).esds;
    const oti = esds?.esd?.descs?.[0]?.oti;
    return (oti !== undefined ? MP4V_OBJECT_TYPES[oti] : undefined) ?? 'MPEG-4 Part 2';
  }
  return fourcc;
}

function signalledColor(entry: VisualSampleEntry): SignalledColor {
  const colr = (
    entry as unknown as {
      colr?: { colour_type: string; matrix_coefficients: number; full_range_flag: number };
    }
  ).colr;
  if (colr && colr.colour_type === 'nclx' && colr.matrix_coefficients !== 2) {
    return { matrixCode: colr.matrix_coefficients, fullRange: colr.full_range_flag === 1 };
  }
  if (entry.avcC?.SPS[0]) return h264SpsColor(entry.avcC.SPS[0].data);
  if (entry.vpcC) {
    const code = entry.vpcC.matrixCoefficients;
    return { matrixCode: code === 2 ? null : code, fullRange: entry.vpcC.videoFullRangeFlag === 1 };
  }
  if (entry.av1C?.configOBUs) return av1SequenceColor(entry.av1C.configOBUs);
  return { matrixCode: null, fullRange: null };
}

/** Clockwise display rotation from a tkhd matrix (16.16 fixed point a, b, u, c, d, v, x, y, w). */
export function rotationOfMatrix(matrix: ArrayLike<number>): Rotation {
  const a = matrix[0]! / 65536;
  const b = matrix[1]! / 65536;
  return normalizeRotation((Math.atan2(b, a) * 180) / Math.PI);
}

function displaySize(entry: VisualSampleEntry, track: Track): [number, number] {
  const pasp = (entry as unknown as { pasp?: { hSpacing: number; vSpacing: number } }).pasp;
  if (pasp && pasp.hSpacing > 0 && pasp.vSpacing > 0 && pasp.hSpacing !== pasp.vSpacing) {
    return [Math.round((entry.width * pasp.hSpacing) / pasp.vSpacing), entry.height];
  }
  // tkhd holds the display size in 16.16 fixed point; mp4box's Track has it as an integer.
  const w = track.track_width;
  const h = track.track_height;
  if (w > 0 && h > 0 && Math.abs(w / h - entry.width / entry.height) > 0.01) return [w, h];
  return [entry.width, entry.height];
}

export async function demuxMp4(file: Blob, chunkSize = PROBE_CHUNK): Promise<Mp4VideoTrack> {
  if (file.size === 0) throw new Mp4DemuxError('empty file');
  const { iso, info } = await parseMoov(file, chunkSize);
  const track = info.videoTracks[0];
  if (!track) throw new Mp4DemuxError('no video track (audio only?)');
  const trak = iso.getTrackById(track.id);
  const entry = trak.mdia.minf.stbl.stsd.entries[0] as VisualSampleEntry | undefined;
  if (!entry) throw new Mp4DemuxError('the video track has no sample description');
  const raw = iso.getTrackSamplesInfo(track.id);
  if (raw.length === 0) throw new Mp4DemuxError('the video track has no frames');
  const samples: Mp4Sample[] = raw.map((s, i) => ({
    decodeIndex: i,
    cts: s.cts,
    dts: s.dts,
    duration: s.duration,
    offset: s.offset,
    size: s.size,
    isSync: s.is_sync,
  }));
  const complete = samples.filter((s) => s.offset + s.size <= file.size).length;
  if (complete < samples.length) {
    throw new Mp4DemuxError(
      `truncated: the file ends before its video data (${complete} of ${samples.length} frames present)`,
    );
  }
  const presentationOrder = samples
    .map((s) => s.decodeIndex)
    .sort((a, b) => samples[a]!.cts - samples[b]!.cts || a - b);
  const totalTicks = samples.reduce((sum, s) => sum + s.duration, 0);
  const durationS = totalTicks > 0 ? totalTicks / track.timescale : track.duration / track.timescale;
  const fourcc = entry.type;
  const [displayWidth, displayHeight] = displaySize(entry, track);
  return {
    fourcc,
    codecString: track.codec,
    codecName: codecNameOf(entry, fourcc),
    description: serializeConfigBox(entry),
    codedWidth: entry.width,
    codedHeight: entry.height,
    displayWidth,
    displayHeight,
    rotation: rotationOfMatrix(track.matrix),
    timescale: track.timescale,
    samples,
    presentationOrder,
    durationS,
    fps: durationS > 0 ? roundFps(samples.length / durationS) : 0,
    color: signalledColor(entry),
  };
}

/** 29.97002997 -> 29.97: frame rates are shown and compared at two decimals. */
export function roundFps(fps: number): number {
  return Math.round(fps * 100) / 100;
}
