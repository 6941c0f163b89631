/**
 * Checks the committed output of scripts/make-sample-dataset.ts: UCF101_subset layout and naming, no group
 * in two splits, a manifest that matches the files, real H.264 / XviD streams, and a small footprint.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkUcf101SplitLayout, parseUcf101Name } from '../src/data/ucf101.ts';
import type { SampleManifest } from '../src/data/sample-dataset.ts';

const ROOT = 'public/samples/motion6';

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? listFiles(path) : [path];
  });
}

const clips = listFiles(ROOT)
  .map((p) => relative(ROOT, p).split('\\').join('/'))
  .filter((p) => p !== 'manifest.json' && p !== 'README.md')
  .sort();
const manifest = JSON.parse(readFileSync(join(ROOT, 'manifest.json'), 'utf8')) as SampleManifest;

function probe(path: string): { codec: string; frames: number; width: number; height: number } {
  const out = execFileSync(
    'ffprobe',
    [
      '-v',
      'error',
      '-select_streams',
      'v:0',
      '-count_frames',
      '-show_entries',
      'stream=codec_name,width,height,nb_read_frames',
      '-of',
      'json',
      path,
    ],
    { encoding: 'utf8' },
  );
  const stream = (JSON.parse(out) as { streams: Record<string, string | number>[] }).streams[0]!;
  return {
    codec: String(stream.codec_name),
    frames: Number(stream.nb_read_frames),
    width: Number(stream.width),
    height: Number(stream.height),
  };
}

describe('the built-in sample dataset', () => {
  it('follows UCF101_subset layout and naming, with no group in two splits', () => {
    // 24 groups x 2 clips per class, groups split 17 / 3 / 4.
    expect(clips.length).toBe(288);
    const count = (split: string) => clips.filter((p) => p.startsWith(`${split}/`)).length;
    expect([count('train'), count('val'), count('test')]).toEqual([204, 36, 48]);
    expect(checkUcf101SplitLayout(clips)).toEqual([]);
    const splits = new Set(clips.map((p) => p.split('/')[0]));
    expect([...splits].sort()).toEqual(['test', 'train', 'val']);
  });

  it('has every class in every split', () => {
    for (const split of ['train', 'val', 'test']) {
      const classes = new Set(clips.filter((p) => p.startsWith(`${split}/`)).map((p) => p.split('/')[1]));
      expect([...classes].sort()).toEqual([...manifest.classes].sort());
    }
  });

  it('lists exactly the files on disk, with their sizes', () => {
    expect(manifest.files.map((f) => f.path).sort()).toEqual(clips);
    for (const file of manifest.files) expect(statSync(join(ROOT, file.path)).size).toBe(file.size);
  });

  it('is mostly H.264 MP4 plus a few XviD AVI, and stays small', () => {
    const avi = clips.filter((p) => p.endsWith('.avi'));
    const mp4 = clips.filter((p) => p.endsWith('.mp4'));
    expect(avi.length).toBeGreaterThanOrEqual(3);
    expect(mp4.length).toBeGreaterThan(avi.length * 5);
    expect(avi.length + mp4.length).toBe(clips.length);
    const bytes = manifest.files.reduce((sum, f) => sum + f.size, 0);
    expect(bytes).toBeLessThan(2.5 * 1024 * 1024);
  });

  it('holds real, decodable 128x96 streams longer than a window of 8 frames at sample rate 4', () => {
    // One clip per class and container keeps this quick; the codec check covers every AVI.
    const sample = [
      ...new Map(
        clips.map((p) => [`${parseUcf101Name(p.split('/')[2]!)!.className}.${p.slice(-3)}`, p]),
      ).values(),
    ];
    for (const path of sample) {
      const info = probe(join(ROOT, path));
      expect(info.codec, path).toBe(path.endsWith('.avi') ? 'mpeg4' : 'h264');
      expect(info.frames, path).toBeGreaterThanOrEqual(36);
      expect([info.width, info.height], path).toEqual([128, 96]);
    }
  });
});
