/** Datasets for browser tests, made on disk from the sample the app ships. */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The built-in sample dataset (six motion classes in train/val/test folders), as the app serves it. */
export const SAMPLE_DATASET = 'public/samples/motion6';

/**
 * A folder as a user would drop it: the sample dataset's clips (without its manifest), copied to a new
 * temporary folder; `perClass` keeps only the first few clips of each class in each split.
 */
export function copyOfSample(perClass?: Record<'train' | 'val' | 'test', number>): string {
  const dataset = join(mkdtempSync(join(tmpdir(), 'dropped-')), 'motion6');
  for (const split of ['train', 'val', 'test'] as const) {
    for (const className of readdirSync(join(SAMPLE_DATASET, split))) {
      const from = join(SAMPLE_DATASET, split, className);
      if (!statSync(from).isDirectory()) continue;
      const to = join(dataset, split, className);
      mkdirSync(to, { recursive: true });
      const clips = readdirSync(from).sort();
      for (const clip of perClass ? clips.slice(0, perClass[split]) : clips)
        copyFileSync(join(from, clip), join(to, clip));
    }
  }
  return dataset;
}

/** An MP4 with its headers intact and every byte of its frame data (mdat) replaced by noise. */
export function withNoiseFrames(mp4: Buffer): Buffer {
  const out = Buffer.from(mp4);
  let seed = 12345;
  for (let at = 0; at + 8 <= out.length;) {
    const size = out.readUInt32BE(at);
    if (size < 8) break;
    if (out.toString('latin1', at + 4, at + 8) === 'mdat') {
      for (let i = at + 8; i < Math.min(at + size, out.length); i++) {
        seed = (seed * 1103515245 + 12345) >>> 0;
        out[i] = seed >>> 24;
      }
    }
    at += size;
  }
  return out;
}
