import { describe, expect, it } from 'vitest';
import type { ClipRecord } from './dataset-index.ts';
import { datasetWarnings, summarizeDataset } from './summary.ts';
import type { SplitName } from './ucf101.ts';

const TEMPORAL = { numFrames: 16, sampleRate: 4 };

function clip(path: string, label: string, split: SplitName, extra: Partial<ClipRecord> = {}): ClipRecord {
  return {
    id: path,
    path,
    name: path.split('/').pop()!,
    size: 1000,
    lastModified: 0,
    label,
    labelIndex: 0,
    split,
    group: null,
    fingerprint: path,
    container: 'mp4',
    codec: 'H.264 High',
    codecString: 'avc1.640015',
    decoder: 'webcodecs',
    width: 320,
    height: 240,
    rotation: 0,
    fps: 25,
    frameCount: 100,
    frameCountExact: true,
    durationS: 4,
    ...extra,
  };
}

describe('dataset summary', () => {
  it('counts clips per class and split and tallies media facts', () => {
    const clips = [
      clip('a1', 'A', 'train'),
      clip('a2', 'A', 'train', { width: 160, height: 120, codec: 'MPEG-4 Part 2', container: 'avi' }),
      clip('a3', 'A', 'test', { fps: 29.97 }),
      clip('b1', 'B', 'train', { durationS: 2, frameCount: 50 }),
    ];
    const summary = summarizeDataset({ classes: ['A', 'B'], clips }, TEMPORAL);
    expect(summary.counts).toEqual({ A: { train: 2, val: 0, test: 1 }, B: { train: 1, val: 0, test: 0 } });
    expect(summary.splits).toEqual(['train', 'test']);
    expect(summary.totalDurationS).toBe(14);
    expect(summary.resolutions).toEqual([
      { value: '320x240', count: 3 },
      { value: '160x120', count: 1 },
    ]);
    expect(summary.codecs[1]).toEqual({ value: 'MPEG-4 Part 2', count: 1 });
    expect(summary.frameRates).toEqual([
      { value: '25 fps', count: 3 },
      { value: '29.97 fps', count: 1 },
    ]);
    expect(summary.shortClips).toBe(1);
  });

  it('warns about missing classes, few clips, duplicates, leaking groups and short clips', () => {
    const many = Array.from({ length: 6 }, (_, i) => clip(`a${i}`, 'A', 'train', { group: `a/g${i}` }));
    const clips = [
      ...many,
      clip('a-test', 'A', 'test', { group: 'a/g1' }),
      clip('b1', 'B', 'train'),
      clip('b2', 'B', 'train', { fingerprint: 'b1' }),
      clip('b3', 'B', 'train', { frameCount: 10 }),
    ];
    const warnings = datasetWarnings({ classes: ['A', 'B'], clips }, TEMPORAL);
    expect(Object.fromEntries(warnings.map((w) => [w.kind, w.message]))).toEqual({
      'missing-from-split': 'B has no clips in test.',
      'few-clips': 'B: fewer than 5 training clips.',
      duplicates: '1 file appears more than once: b1 = b2.',
      'group-leak':
        '1 UCF101 group is in more than one split (same actor and scene in training and test): a/g1.',
      'short-clips':
        '1 clip is shorter than the 61-frame sampling window (16 frames every 4): their last frame is repeated.',
    });
    expect(datasetWarnings({ classes: ['A'], clips: many }, TEMPORAL).map((w) => w.kind)).toEqual([
      'single-class',
    ]);
  });
});
