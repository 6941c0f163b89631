/**
 * A small training task for Node tests of the trainer and the scheduler: three classes that only time
 * tells apart, a tiny VideoMAE, and run settings that learn it in a few steps.
 */
import { presetConfig, type VideoMAEConfig } from '../../model/videomae/config.ts';
import { Rng } from '../../util/rng.ts';
import { defaultsOf } from '../../util/schema.ts';
import { MemoryBatchSource, type MemoryClip } from '../memory-batch-source.ts';
import { RUN_CONFIG_SCHEMA, type RunConfig } from '../run-config.ts';
import type { RunData } from '../trainer.ts';

export const FRAMES = 4;
export const SIZE = 32;
export const CLASSES = ['Brighten', 'Darken', 'Steady'];

/**
 * A task only time tells apart: the clip brightens, darkens, or stays, from a random starting brightness
 * (so no single frame gives the class away), under noise.
 */
export function makeClip(label: number, rng: Rng): Float32Array {
  const data = new Float32Array(FRAMES * 3 * SIZE * SIZE);
  const start = rng.uniform(-1, 1);
  const slope = label === 0 ? 0.5 : label === 1 ? -0.5 : 0;
  for (let t = 0; t < FRAMES; t++) {
    const level = start + slope * (t - (FRAMES - 1) / 2);
    const offset = t * 3 * SIZE * SIZE;
    for (let i = 0; i < 3 * SIZE * SIZE; i++) data[offset + i] = level + 0.3 * rng.normal();
  }
  return data;
}

export function makeDataset(perClass: Record<'train' | 'val' | 'test', number>): {
  source: MemoryBatchSource;
  dataset: RunData;
  clips: Map<string, MemoryClip>;
} {
  const rng = new Rng('trainer-test-data');
  const clips = new Map<string, MemoryClip>();
  const clipIds: RunData['clipIds'] = { train: [], val: [], test: [] };
  for (const split of ['train', 'val', 'test'] as const) {
    for (let label = 0; label < CLASSES.length; label++) {
      for (let i = 0; i < perClass[split]; i++) {
        const id = `${split}/${CLASSES[label]}/${i}`;
        clips.set(id, { data: makeClip(label, rng), label });
        clipIds[split].push(id);
      }
    }
  }
  return {
    clips,
    source: new MemoryBatchSource(clips, [FRAMES, 3, SIZE, SIZE]),
    dataset: { classes: CLASSES, clipIds, paths: new Map([...clips.keys()].map((id) => [id, `${id}.mp4`])) },
  };
}

export function tinyConfig(): VideoMAEConfig {
  return {
    ...presetConfig('tiny', { num_frames: FRAMES, image_size: SIZE }, CLASSES),
    patch_size: 8,
    hidden_size: 32,
    num_hidden_layers: 2,
    num_attention_heads: 2,
    intermediate_size: 64,
  };
}

export function runConfig(overrides: Partial<RunConfig> = {}): RunConfig {
  return { ...defaultsOf(RUN_CONFIG_SCHEMA), batchSize: 4, epochs: 2, lr: 1e-3, seed: 5, ...overrides };
}
