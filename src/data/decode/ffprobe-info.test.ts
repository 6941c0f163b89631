import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureTestClips, ffprobeVideo, type TestClipSet } from '../../../scripts/test-clips.ts';
import { ClipRejectedError } from '../errors.ts';
import { parseProbe, selectExpression, type ProbeJson } from './ffprobe-info.ts';

let set: TestClipSet;

/** Native ffprobe with the same arguments the app gives ffmpeg.wasm's. */
function probe(file: string): ProbeJson {
  const out = execFileSync('ffprobe', [
    '-v',
    'error',
    '-select_streams',
    'v:0',
    '-count_packets',
    '-show_entries',
    'stream=codec_name,profile,width,height,sample_aspect_ratio,r_frame_rate,avg_frame_rate,nb_frames,' +
      'nb_read_packets,duration,pix_fmt,color_space,color_range:stream_tags=rotate:stream_side_data=rotation:format=duration,format_name',
    '-of',
    'json',
    join(set.dir, file),
  ]);
  return JSON.parse(out.toString()) as ProbeJson;
}

beforeAll(() => {
  set = ensureTestClips();
}, 300_000);

describe('parseProbe', () => {
  it('reads codec, size, rate, frames and rotation of the clips ffmpeg.wasm handles', () => {
    for (const clip of set.clips) {
      const info = parseProbe(probe(clip.file));
      expect(info.codec, clip.file).toBe(clip.codec);
      expect([info.width, info.height], clip.file).toEqual([clip.width, clip.height]);
      expect(info.fps, clip.file).toBe(clip.fps);
      expect(info.rotation, clip.file).toBe(clip.rotation);
      expect(info.color, clip.file).toEqual({ matrix: 'bt601', fullRange: false });
    }
    // libxvid dropped two trailing B-frames: the packet count (46) is right, the AVI header (48) is not.
    expect(parseProbe(probe('xvid.avi'))).toMatchObject({ frameCount: 46, frameCountExact: true });
  });

  it('counts the frames of every container as decoding does, and the duration within a frame', () => {
    // MKV and WebM store no frame count, and a WebM written as a stream (MediaRecorder) no duration either.
    const streamed = parseProbe(probe('vp8-streamed.webm'));
    expect(streamed.durationS).toBeGreaterThan(0);
    for (const clip of set.clips) {
      const info = parseProbe(probe(clip.file));
      const decoded = ffprobeVideo(join(set.dir, clip.file));
      expect(info.frameCount, clip.file).toBe(decoded.frames);
      expect(info.frameCountExact, clip.file).toBe(true);
      expect(Math.abs(info.durationS - decoded.durationS), clip.file).toBeLessThanOrEqual(
        decoded.durationS / decoded.frames,
      );
    }
  }, 60_000);

  it('rejects streams without video or frames', () => {
    expect(() => parseProbe({ streams: [] })).toThrow(ClipRejectedError);
    expect(() =>
      parseProbe({ streams: [{ codec_name: 'h264', width: 2, height: 2, nb_read_packets: '0' }] }),
    ).toThrow('no frames');
  });

  it('honours the signalled matrix and range', () => {
    const info = parseProbe({
      streams: [
        {
          codec_name: 'mjpeg',
          width: 4,
          height: 4,
          pix_fmt: 'yuvj420p',
          color_space: 'bt709',
          nb_frames: '3',
        },
      ],
    });
    expect(info.color).toEqual({ matrix: 'bt709', fullRange: true });
    expect(info.frameCountExact).toBe(false);
  });
});

describe('selectExpression', () => {
  it('compresses strided runs and keeps stray frames', () => {
    expect(selectExpression([8, 0, 4, 12, 13])).toBe('between(n,0,12)*not(mod(n-0,4))+eq(n,13)');
    expect(selectExpression([5, 6, 7, 8])).toBe('between(n,5,8)');
    expect(selectExpression([3, 9])).toBe('eq(n,3)+eq(n,9)');
  });

  it('selects exactly the requested frames (checked with native ffmpeg)', () => {
    const wanted = [1, 2, 5, 9, 13, 17, 30, 31];
    const result = spawnSync(
      'ffmpeg',
      [
        '-v',
        'info',
        '-nostdin',
        '-i',
        join(set.dir, 'vp8.webm'),
        '-vf',
        `select='${selectExpression(wanted)}',showinfo`,
        '-fps_mode',
        'passthrough',
        '-f',
        'null',
        '-',
      ],
      { encoding: 'utf8' },
    );
    // showinfo logs each frame that reaches it; at 25 fps its time gives the source frame number.
    const times = [...result.stderr.matchAll(/pts_time:([\d.]+)/g)].map((m) => Math.round(Number(m[1]) * 25));
    expect(times).toEqual(wanted);
  });
});
