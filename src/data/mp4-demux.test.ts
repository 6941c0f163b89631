/**
 * The MP4 demuxer and colour handling against clips made by Debian's ffmpeg (scripts/test-clips.ts),
 * checked with ffprobe / ffmpeg's own decode.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureTestClips, ffprobeVideo, type TestClipSet } from '../../scripts/test-clips.ts';
import { av1SequenceColor, h264SpsColor } from './bitstream-color.ts';
import { psnr } from './image.ts';
import { demuxMp4, Mp4DemuxError, rotationOfMatrix } from './mp4-demux.ts';
import { matrixFromCode, yuvToRgb, type YuvColor } from './yuv.ts';

let set: TestClipSet;

function blob(path: string): Blob {
  return new Blob([readFileSync(path)]);
}

function ffmpegRaw(args: string[]): Buffer {
  return execFileSync('ffmpeg', ['-v', 'error', '-nostdin', ...args], { maxBuffer: 1 << 28 });
}

/** A one-frame clip tagged (or not) with a colour matrix. */
function colourClip(codec: 'libx264' | 'libaom-av1', tag: 'bt709' | null): string {
  const path = join(set.dir, `colour-${codec}-${tag ?? 'untagged'}.mp4`);
  if (existsSync(path)) return path;
  const tags = tag ? ['-colorspace', tag, '-color_primaries', tag, '-color_trc', tag] : [];
  const speed = codec === 'libaom-av1' ? ['-cpu-used', '8', '-usage', 'realtime'] : [];
  ffmpegRaw([
    '-y',
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=96x64:rate=25',
    '-frames:v',
    '2',
    '-c:v',
    codec,
    ...speed,
    '-pix_fmt',
    'yuv420p',
    ...tags,
    path,
  ]);
  return path;
}

/** A Blob that records the byte ranges read from it. */
class CountingBlob extends Blob {
  reads: [number, number][] = [];

  override slice(start = 0, end = this.size, type?: string): Blob {
    this.reads.push([start, end]);
    return super.slice(start, end, type);
  }

  get bytesRead(): number {
    return this.reads.reduce((sum, [a, b]) => sum + (b - a), 0);
  }
}

/** The top-level boxes of an MP4 file (32-bit sizes are enough for the test clips). */
function topLevelBoxes(bytes: Uint8Array): { type: string; start: number; size: number }[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const boxes: { type: string; start: number; size: number }[] = [];
  for (let start = 0; start + 8 <= bytes.length;) {
    const size = view.getUint32(start);
    boxes.push({ type: String.fromCharCode(...bytes.subarray(start + 4, start + 8)), start, size });
    if (size < 8) break;
    start += size;
  }
  return boxes;
}

const isMp4Family = (file: string) => /\.(mp4|mov)$/.test(file);

beforeAll(() => {
  set = ensureTestClips();
}, 300_000);

describe('demuxMp4', () => {
  it('reads every MP4 / MOV test clip: codec, frame count, sizes, rotation, frame rate', async () => {
    for (const clip of set.clips.filter((c) => isMp4Family(c.file))) {
      const track = await demuxMp4(blob(join(set.dir, clip.file)));
      expect(track.codecName, clip.file).toBe(clip.codec);
      expect(track.samples.length, clip.file).toBe(clip.frames);
      // Display size before rotation: the encoded picture.
      expect([track.displayWidth, track.displayHeight], clip.file).toEqual([clip.width, clip.height]);
      expect(track.rotation, clip.file).toBe(clip.rotation);
      expect(track.fps, clip.file).toBe(clip.fps);
      expect(track.samples[0]!.isSync, clip.file).toBe(true);
      expect([...track.presentationOrder].sort((a, b) => a - b)).toEqual(track.samples.map((_, i) => i));
    }
  });

  it('agrees with ffprobe on every MP4 / MOV clip: frames, duration within a frame, presentation order and times', async () => {
    const clips = set.clips.filter((c) => isMp4Family(c.file));
    // The containers this is about must be in the set, or the loop proves nothing about them.
    for (const name of ['h264-fragmented.mp4', 'h264-fragmented.mov', 'h264.mov', 'h264-audio-first.mp4']) {
      expect(clips.map((c) => c.file)).toContain(name);
    }
    for (const clip of clips) {
      const path = join(set.dir, clip.file);
      const track = await demuxMp4(blob(path));
      const probe = ffprobeVideo(path);
      expect(track.samples.length, `${clip.file}: frames`).toBe(probe.frames);
      const frameS = probe.durationS / probe.frames;
      expect(Math.abs(track.durationS - probe.durationS), `${clip.file}: duration`).toBeLessThanOrEqual(
        frameS,
      );
      // ffprobe lists packets in decode order with their presentation times; sorting them by time gives
      // the presentation order, which must be ours, at the same times (ffprobe's start after the edit list).
      expect(probe.packetPts).toHaveLength(track.samples.length);
      const theirOrder = probe.packetPts
        .map((_, i) => i)
        .sort((a, b) => probe.packetPts[a]! - probe.packetPts[b]!);
      expect(track.presentationOrder, `${clip.file}: presentation order`).toEqual(theirOrder);
      const first = track.samples[track.presentationOrder[0]!]!.cts;
      const start = probe.packetPts[theirOrder[0]!]!;
      track.samples.forEach((sample, d) => {
        const ours = (sample.cts - first) / track.timescale;
        expect(Math.abs(ours - (probe.packetPts[d]! - start)), `${clip.file} sample ${d}`).toBeLessThan(2e-3);
      });
    }
  }, 120_000);

  it('reads every fragment of a fragmented file, skipping the frame data', async () => {
    for (const name of ['h264-fragmented.mp4', 'h264-fragmented.mov']) {
      const bytes = readFileSync(join(set.dir, name));
      const clip = set.clips.find((c) => c.file === name)!;
      const whole = await demuxMp4(new CountingBlob([bytes]));
      expect(whole.samples.length, name).toBe(clip.frames);
      expect(whole.durationS, name).toBeCloseTo(clip.frames / clip.fps, 6);
      expect(whole.samples.filter((s) => s.isSync).length, name).toBeGreaterThan(10);
      // Small reads: only box headers and the moofs are read, not the frames.
      const counting = new CountingBlob([bytes]);
      const chunked = await demuxMp4(counting, 2048);
      expect(chunked.samples, name).toEqual(whole.samples);
      expect(counting.bytesRead, name).toBeLessThan(bytes.length * 0.2);
      expect(Math.max(...counting.reads.map(([a, b]) => b - a)), name).toBeLessThanOrEqual(64 << 10);
    }
    // Larger than one early read of 1 MB, which used to end the parse after the first fragments.
    expect(statSync(join(set.dir, 'h264-fragmented.mp4')).size).toBeGreaterThan(1 << 20);
  });

  it('reads a plain file only up to its moov', async () => {
    const bytes = readFileSync(join(set.dir, 'h264-1080p60.mp4'));
    const counting = new CountingBlob([bytes]);
    const track = await demuxMp4(counting);
    expect(track.samples).toHaveLength(180);
    expect(counting.bytesRead).toBeLessThan(bytes.length * 0.1);
  });

  it('puts B-frames in presentation order and finds the only keyframe of a long GOP', async () => {
    const bframes = await demuxMp4(blob(join(set.dir, 'h264-bframes-2997-322x242.mp4')));
    expect(bframes.presentationOrder).not.toEqual(bframes.samples.map((_, i) => i));
    const ctsInOrder = bframes.presentationOrder.map((d) => bframes.samples[d]!.cts);
    expect(ctsInOrder).toEqual([...ctsInOrder].sort((a, b) => a - b));
    expect(bframes.codecString).toMatch(/^avc1\.64/);
    expect(bframes.description?.[0]).toBe(1); // avcC configurationVersion
    const longGop = await demuxMp4(blob(join(set.dir, 'h264-long-gop.mp4')));
    expect(longGop.samples.filter((s) => s.isSync)).toHaveLength(1);
  });

  it('reads the same with small chunks (moov after mdat is found by seeking)', async () => {
    const file = blob(join(set.dir, 'vp9.mp4'));
    const whole = await demuxMp4(file);
    const chunked = await demuxMp4(file, 4096);
    expect(chunked.samples).toEqual(whole.samples);
    expect(whole.codecString).toMatch(/^vp09\./);
  });

  it('explains broken files', async () => {
    await expect(demuxMp4(blob(join(set.dir, 'bad-empty.mp4')))).rejects.toThrow('empty file');
    await expect(demuxMp4(blob(join(set.dir, 'bad-truncated.mp4')))).rejects.toThrow(/truncated/);
    await expect(demuxMp4(blob(join(set.dir, 'bad-text.mp4')))).rejects.toThrow(Mp4DemuxError);
    // Faststart layout (moov first) cut short: the index is there, the frames are not.
    const faststart = join(set.dir, 'faststart.mp4');
    if (!existsSync(faststart)) {
      ffmpegRaw([
        '-y',
        '-i',
        join(set.dir, 'h264-long-gop.mp4'),
        '-c',
        'copy',
        '-movflags',
        '+faststart',
        faststart,
      ]);
    }
    const whole = readFileSync(faststart);
    const cut = new Blob([whole.subarray(0, Math.floor(whole.length * 0.7))]);
    await expect(demuxMp4(cut)).rejects.toThrow(
      /truncated: the file ends before its video data \(\d+ of 150/,
    );
    // A fragmented file cut short (a recorder that crashed): at a fragment boundary it is a shorter file,
    // inside a moof or inside a frame it is truncated.
    const fragmented = readFileSync(join(set.dir, 'h264-fragmented.mp4'));
    const all = await demuxMp4(new Blob([fragmented]));
    const moofs = topLevelBoxes(fragmented).filter((b) => b.type === 'moof');
    const cutAt = moofs[Math.floor(moofs.length / 2)]!.start;
    const before = await demuxMp4(new Blob([fragmented.subarray(0, cutAt)]));
    expect(before.samples.length).toBeGreaterThan(100);
    expect(before.samples).toEqual(all.samples.slice(0, before.samples.length));
    await expect(demuxMp4(new Blob([fragmented.subarray(0, cutAt + 40)]))).rejects.toThrow(
      "truncated: the file ends inside its 'moof' box",
    );
    const inFrame = all.samples[before.samples.length + 3]!;
    await expect(
      demuxMp4(new Blob([fragmented.subarray(0, inFrame.offset + Math.floor(inFrame.size / 2))])),
    ).rejects.toThrow(/truncated: the file ends before its video data/);
  });

  it('turns tkhd matrices into clockwise rotations', () => {
    const fixed = (v: number) => Math.round(v * 65536);
    expect(rotationOfMatrix([fixed(1), 0, 0, 0, fixed(1), 0, 0, 0, 1 << 30])).toBe(0);
    expect(rotationOfMatrix([0, fixed(1), 0, fixed(-1), 0, 0, 0, 0, 1 << 30])).toBe(90);
    expect(rotationOfMatrix([fixed(-1), 0, 0, 0, fixed(-1), 0, 0, 0, 1 << 30])).toBe(180);
    expect(rotationOfMatrix([0, fixed(-1), 0, fixed(1), 0, 0, 0, 0, 1 << 30])).toBe(270);
  });
});

describe('signalled colour', () => {
  it('finds the matrix in colr, the H.264 SPS and the AV1 sequence header, and nothing when untagged', async () => {
    const h264 = await demuxMp4(blob(colourClip('libx264', 'bt709')));
    expect(h264.color).toEqual({ matrixCode: 1, fullRange: false });
    const untagged = await demuxMp4(blob(colourClip('libx264', null)));
    expect(untagged.color.matrixCode).toBeNull();
    const av1 = await demuxMp4(blob(colourClip('libaom-av1', 'bt709')));
    expect(av1.color.matrixCode).toBe(1);
    const av1Untagged = await demuxMp4(blob(colourClip('libaom-av1', null)));
    expect(av1Untagged.color.matrixCode).toBeNull();
  });

  it('parses the SPS VUI and AV1 sequence header directly', async () => {
    // SPS with VUI colour description (x264, -colorspace bt709): taken from the tagged clip's avcC.
    const tagged = await demuxMp4(blob(colourClip('libx264', 'bt709')));
    const avcC = tagged.description!;
    const spsLength = (avcC[6]! << 8) | avcC[7]!;
    expect(h264SpsColor(avcC.subarray(8, 8 + spsLength))).toEqual({ matrixCode: 1, fullRange: false });
    expect(av1SequenceColor(new Uint8Array([0x0a, 0x01, 0xff]))).toEqual({
      matrixCode: null,
      fullRange: null,
    });
  });
});

describe('YUV to RGB agrees with ffmpeg', () => {
  function planesOf(path: string, width: number, height: number) {
    const raw = ffmpegRaw(['-i', path, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'yuv420p', '-']);
    const cw = Math.ceil(width / 2);
    const ch = Math.ceil(height / 2);
    const y = new Uint8Array(raw.subarray(0, width * height));
    const u = new Uint8Array(raw.subarray(width * height, width * height + cw * ch));
    const v = new Uint8Array(raw.subarray(width * height + cw * ch));
    return {
      layout: 'I420' as const,
      bitDepth: 8,
      width,
      height,
      y,
      yStride: width,
      u,
      uStride: cw,
      v,
      vStride: cw,
    };
  }

  function agreement(path: string, color: YuvColor): number {
    const ours = yuvToRgb(planesOf(path, 96, 64), color);
    const theirs = ffmpegRaw(['-i', path, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-']);
    return psnr(ours.data, new Uint8Array(theirs));
  }

  it('BT.601 for untagged streams, the signalled matrix otherwise', () => {
    const untagged = colourClip('libx264', null);
    const tagged = colourClip('libx264', 'bt709');
    expect(agreement(untagged, { matrix: 'bt601', fullRange: false })).toBeGreaterThan(35);
    expect(agreement(tagged, { matrix: matrixFromCode(1)!, fullRange: false })).toBeGreaterThan(35);
    // The wrong matrix is measurably worse: the comparison can fail.
    expect(agreement(untagged, { matrix: 'bt709', fullRange: false })).toBeLessThan(
      agreement(untagged, { matrix: 'bt601', fullRange: false }) - 3,
    );
  });
});
