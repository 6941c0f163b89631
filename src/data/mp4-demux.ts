/**
 * MP4 / MOV demuxing with mp4box: the video track's sample table (decode order, presentation times, sync
 * samples, byte ranges), decoder configuration, display size, rotation and signalled colour. Plain files are
 * read up to their `moov`; fragmented ones (screen recorders, MediaRecorder, many cameras: an empty `moov`,
 * then a `moof` per fragment) to their end, since every fragment adds frames. Either way frame data (`mdat`)
 * is skipped unread, so probing a large file reads little. Runs in Node too, which is how it is tested.
 */
import {
  createFile,
  DataStream,
  Endianness,
  type ISOFile,
  MP4BoxBuffer,
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

/** Bytes read at a time while walking the boxes: a moof with its neighbours, or a box header and more. */
const READ_AHEAD = 64 << 10;

const H264_PROFILES: Readonly<Record<number, string>> = {
  66: 'Baseline',
  77: 'Main',
  88: 'Extended',
  100: 'High',
  110: 'High 10',
  122: 'High 4:2:2',
  244: 'High 4:4:4 Predictive',
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

/** Boxes an MP4 / MOV file starts with. */
const FIRST_BOXES = new Set(['ftyp', 'styp', 'moov', 'mdat', 'free', 'skip', 'wide', 'pnot', 'uuid', 'sidx']);
/** Top-level boxes that are never read: frame data, and padding (a `free` box can be large). */
const UNREAD_BOXES = new Set(['mdat', 'free', 'skip', 'wide']);
/**
 * Metadata boxes inside `moov` and `trak`. Nothing here reads them, and mp4box logs a console error for every
 * QuickTime `©xyz` atom in them (every MOV ffmpeg or a phone writes has some), so they are renamed `free`.
 */
const METADATA_BOXES = new Set(['udta', 'meta']);

/** Reads a file through one window of at least `readAhead` bytes, so that neighbouring small boxes cost one read. */
class WindowReader {
  private start = 0;
  private bytes = new Uint8Array(0);

  constructor(
    private readonly file: Blob,
    private readonly readAhead: number,
  ) {}

  /** Bytes [position, position + length), fewer at the end of the file. */
  async read(position: number, length: number): Promise<Uint8Array> {
    const end = Math.min(this.file.size, position + length);
    if (position < this.start || end > this.start + this.bytes.length) {
      const windowEnd = Math.min(this.file.size, position + Math.max(length, this.readAhead));
      this.bytes = new Uint8Array(await this.file.slice(position, windowEnd).arrayBuffer());
      this.start = position;
    }
    return this.bytes.subarray(position - this.start, end - this.start);
  }
}

interface BoxHeader {
  type: string;
  /** Whole box, header included; a size-0 box runs to the end of its container. */
  size: number;
  headerSize: number;
}

function readBoxHeader(bytes: Uint8Array, offset: number, containerEnd: number): BoxHeader | null {
  if (containerEnd - offset < 8 || bytes.length - offset < 8) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset);
  let size = view.getUint32(0);
  const type = String.fromCharCode(...bytes.subarray(offset + 4, offset + 8));
  let headerSize = 8;
  if (size === 1) {
    if (bytes.length - offset < 16) return null;
    size = Number(view.getBigUint64(8));
    headerSize = 16;
  } else if (size === 0) {
    size = containerEnd - offset;
  }
  return { type, size, headerSize };
}

/** Renames the metadata boxes among `box`'s children (and its `trak`s' children) to `free`, in place. */
function neutraliseMetadata(box: Uint8Array, headerSize: number): void {
  let offset = headerSize;
  while (offset < box.length) {
    const child = readBoxHeader(box, offset, box.length);
    if (!child || child.size < child.headerSize || offset + child.size > box.length) return;
    if (METADATA_BOXES.has(child.type)) box.set([0x66, 0x72, 0x65, 0x65], offset + 4);
    else if (child.type === 'trak') {
      neutraliseMetadata(box.subarray(offset, offset + child.size), child.headerSize);
    }
    offset += child.size;
  }
}

function feed(iso: ISOFile, bytes: Uint8Array, fileStart: number): void {
  const buffer = new MP4BoxBuffer(bytes.length);
  new Uint8Array(buffer).set(bytes);
  buffer.fileStart = fileStart;
  iso.appendBuffer(buffer);
}

/** An `mdat` header standing for a box of `size` bytes whose payload mp4box is not given. */
function skippedBoxHeader(size: number): Uint8Array {
  const large = size > 0xffffffff;
  const header = new Uint8Array(large ? 16 : 8);
  const view = new DataView(header.buffer);
  view.setUint32(0, large ? 1 : size);
  header.set([0x6d, 0x64, 0x61, 0x74], 4);
  if (large) view.setBigUint64(8, BigInt(size));
  return header;
}

/**
 * Walks the top-level boxes and gives mp4box every one except frame data and padding, whose payloads are
 * skipped unread (mp4box gets a bare `mdat` header for each, which is all it needs to keep its place). A
 * plain file stops at its `moov`; a fragmented one (`mvex` in `moov`) goes on to the end, since every
 * `moof` adds frames.
 */
async function parseMovie(file: Blob, readAhead: number): Promise<{ iso: ISOFile; info: Movie }> {
  const iso = createFile(false);
  let failure: string | null = null;
  iso.onError = (module, message) => {
    failure = `${module}: ${message}`;
  };
  const reader = new WindowReader(file, readAhead);
  const found: string[] = [];
  let position = 0;
  while (position < file.size) {
    const head = await reader.read(position, 16);
    const header = readBoxHeader(head, 0, file.size - position);
    // A few stray bytes after the last box are not worth rejecting a clip over.
    if (!header) break;
    const { type, size, headerSize } = header;
    if (found.length === 0 && !FIRST_BOXES.has(type)) {
      throw new Mp4DemuxError('no MP4 boxes found: not an MP4/MOV file');
    }
    if (!/^[\x20-\x7e]{4}$/.test(type) || size < headerSize) {
      throw new Mp4DemuxError(`not a readable MP4 (broken '${type}' box at byte ${position})`);
    }
    found.push(type);
    try {
      if (UNREAD_BOXES.has(type)) {
        feed(iso, skippedBoxHeader(size), position);
      } else {
        if (position + size > file.size) {
          throw new Mp4DemuxError(`truncated: the file ends inside its '${type}' box`);
        }
        const box = (await reader.read(position, size)).slice();
        if (type === 'moov') neutraliseMetadata(box, headerSize);
        feed(iso, box, position);
      }
    } catch (error) {
      if (error instanceof Mp4DemuxError) throw error;
      throw new Mp4DemuxError(
        `not a readable MP4 (${error instanceof Error ? error.message : String(error)})`,
      );
    }
    if (failure) throw new Mp4DemuxError(`not a readable MP4 (${failure})`);
    position += size;
    if (type === 'moov' && !iso.getInfo().isFragmented) break;
  }
  iso.flush();
  if (!iso.moov) {
    if (found.length === 0) throw new Mp4DemuxError('no MP4 boxes found: not an MP4/MOV file');
    throw new Mp4DemuxError(
      `no movie header (moov): the file is truncated or incomplete (found ${[...new Set(found)].join(', ')})`,
    );
  }
  return { iso, info: iso.getInfo() };
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

export async function demuxMp4(file: Blob, readAhead = READ_AHEAD): Promise<Mp4VideoTrack> {
  if (file.size === 0) throw new Mp4DemuxError('empty file');
  const { iso, info } = await parseMovie(file, readAhead);
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
