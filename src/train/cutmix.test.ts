import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../util/rng.ts';
import type { ClipDims, CutBox } from './cutmix-boxes.ts';
import { applyMix, describeMix, MixShapeError, previewMix } from './cutmix.ts';
import { planMix, type MixConfig, type MixPlan, type SampleMix } from './mix-plan.ts';

const CHANNELS = 3;

/** Every pixel holds its own flat index, so a copied pixel says exactly where it came from. */
function indexedClips(batch: number, dims: ClipDims): tf.Tensor5D {
  const size = batch * dims.frames * CHANNELS * dims.height * dims.width;
  return tf.tensor5d(
    Float32Array.from({ length: size }, (_, i) => i),
    [batch, dims.frames, CHANNELS, dims.height, dims.width],
  );
}

function inside(box: CutBox, t: number, y: number, x: number): boolean {
  return t >= box.t0 && t < box.t1 && y >= box.y0 && y < box.y1 && x >= box.x0 && x < box.x1;
}

/** The value a reference per-pixel loop expects at (b, t, c, y, x). */
function expectedPixel(
  sample: SampleMix,
  dims: ClipDims,
  t: number,
  c: number,
  y: number,
  x: number,
): number {
  const flat = (b: number) => (((b * dims.frames + t) * CHANNELS + c) * dims.height + y) * dims.width + x;
  const own = flat(sample.index);
  const paired = flat(sample.pairedIndex);
  if (sample.kind === 'cutmix') return inside(sample.box!, t, y, x) ? paired : own;
  if (sample.kind === 'mixup') return sample.lam * own + (1 - sample.lam) * paired;
  return own;
}

async function checkPixels(plan: MixPlan, mixed: tf.Tensor): Promise<void> {
  const values = await mixed.data();
  const { frames, height, width } = plan.dims;
  let i = 0;
  for (const sample of plan.samples) {
    for (let t = 0; t < frames; t++) {
      for (let c = 0; c < CHANNELS; c++) {
        for (let y = 0; y < height; y++) {
          for (let x = 0; x < width; x++, i++) {
            const expected = expectedPixel(sample, plan.dims, t, c, y, x);
            if (sample.kind === 'mixup') {
              expect(Math.abs(values[i]! - expected)).toBeLessThanOrEqual(4e-7 * Math.max(1, expected));
            } else if (values[i] !== expected) {
              throw new Error(
                `clip ${sample.index} (${sample.kind}) t${t} c${c} y${y} x${x}: ${values[i]} != ${expected}`,
              );
            }
          }
        }
      }
    }
  }
}

const BASE: MixConfig = {
  mixupAlpha: 0,
  cutmixAlpha: 1,
  prob: 1,
  switchProb: 0.5,
  mode: 'elem',
  cutmixMode: 'spatial',
  snapToGrid: false,
  grid: { patchSize: 4, tubeletSize: 2 },
  correctLam: true,
};

describe('applying CutMix / Mixup to a batch of clips', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  for (const cutmixMode of ['spatial', 'temporal', 'cube'] as const) {
    for (const batch of [4, 5]) {
      it(`${cutmixMode}, batch ${batch}: the paired clip's pixels inside the box, its own outside`, async () => {
        const dims: ClipDims = { frames: 6, height: 10, width: 12 };
        const clips = indexedClips(batch, dims);
        const plan = planMix(new Rng(`${cutmixMode}-${batch}`), { ...BASE, cutmixMode }, batch, dims);
        expect(plan.samples.filter((s) => s.kind === 'cutmix' && s.lam < 1).length).toBeGreaterThan(2);
        const labels = [0, 1, 2, 3, 4].slice(0, batch);
        const { inputs, targets, samples } = applyMix(clips, labels, plan, 5);
        await checkPixels(plan, inputs);
        // Each clip's pixels from its pair are exactly its 1 - lambda share.
        const values = await inputs.data();
        const perClip = dims.frames * CHANNELS * dims.height * dims.width;
        samples.forEach((sample, b) => {
          let fromPair = 0;
          for (let i = 0; i < perClip; i++) {
            if (Math.floor(values[b * perClip + i]! / perClip) !== b) fromPair += 1;
          }
          expect(fromPair / perClip).toBeCloseTo(sample.selfPaired ? 0 : 1 - sample.lam, 12);
        });
        const rows = (await targets.array()) as number[][];
        samples.forEach((sample, b) => {
          const expected = new Array<number>(5).fill(0);
          expected[sample.label]! += sample.lam;
          expected[sample.pairedLabel]! += 1 - sample.lam;
          rows[b]!.forEach((value, c) => expect(value).toBeCloseTo(expected[c]!, 6));
        });
        if (batch === 5) {
          expect(samples[2]).toMatchObject({ selfPaired: true, lam: 1, label: 2, pairedLabel: 2 });
          expect(rows[2]).toEqual([0, 0, 1, 0, 0]);
        }
        tf.dispose([clips, inputs, targets]);
      });
    }
  }

  it('snapped boxes replace whole patches and tubelets', async () => {
    const dims: ClipDims = { frames: 8, height: 16, width: 16 };
    const clips = indexedClips(4, dims);
    const plan = planMix(new Rng('grid'), { ...BASE, cutmixMode: 'cube', snapToGrid: true }, 4, dims);
    const { inputs, targets } = applyMix(clips, [0, 1, 2, 3], plan, 4);
    await checkPixels(plan, inputs);
    for (const sample of plan.samples) {
      const { t0, t1, y0, y1, x0, x1 } = sample.box!;
      expect([y0, y1, x0, x1].every((e) => e % 4 === 0) && [t0, t1].every((e) => e % 2 === 0)).toBe(true);
    }
    tf.dispose([clips, inputs, targets]);
  });

  it('Mixup blends every pixel with the paired clip by lambda', async () => {
    const dims: ClipDims = { frames: 2, height: 3, width: 4 };
    const clips = indexedClips(4, dims);
    const plan = planMix(new Rng('mixup'), { ...BASE, mixupAlpha: 0.8, cutmixAlpha: 0 }, 4, dims);
    expect(plan.samples.every((s) => s.kind === 'mixup')).toBe(true);
    const { inputs, targets } = applyMix(clips, [0, 1, 2, 3], plan, 4);
    await checkPixels(plan, inputs);
    tf.dispose([clips, inputs, targets]);
  });

  it('an unmixed batch passes through, with label-smoothed targets', async () => {
    const dims: ClipDims = { frames: 2, height: 2, width: 2 };
    const clips = indexedClips(2, dims);
    const plan = planMix(new Rng(0), { ...BASE, prob: 0 }, 2, dims);
    const { inputs, targets } = applyMix(clips, [1, 0], plan, 2, 0.1);
    expect(Array.from(await inputs.data())).toEqual(Array.from(await clips.data()));
    expect(Array.from(await targets.data())).toEqual([0.05, 0.95, 0.95, 0.05].map(Math.fround));
    tf.dispose([clips, inputs, targets]);
  });

  it('mixes label smoothing in before mixing the labels (timm)', async () => {
    const dims: ClipDims = { frames: 2, height: 8, width: 8 };
    const clips = indexedClips(2, dims);
    const plan = planMix(new Rng('smooth'), BASE, 2, dims);
    const { targets, samples } = applyMix(clips, [0, 2], plan, 4, 0.2);
    const lam = samples[0]!.lam;
    const smooth = (label: number) => [0, 1, 2, 3].map((c) => (c === label ? 0.8 : 0) + 0.05);
    const expected = smooth(0).map((v, c) => lam * v + (1 - lam) * smooth(2)[c]!);
    const row = Array.from(await targets.data()).slice(0, 4);
    row.forEach((v, c) => expect(v).toBeCloseTo(expected[c]!, 6));
    tf.dispose([clips, targets]);
  });

  it('reports both labels and the dominant one per clip', () => {
    const plan: MixPlan = {
      dims: { frames: 1, height: 1, width: 1 },
      samples: [
        { index: 0, pairedIndex: 1, kind: 'mixup', lam: 0.3, box: null, selfPaired: false },
        { index: 1, pairedIndex: 0, kind: 'mixup', lam: 0.9, box: null, selfPaired: false },
      ],
    };
    expect(describeMix(plan, [7, 4])).toMatchObject([
      { label: 7, pairedLabel: 4, dominantLabel: 4 },
      { label: 4, pairedLabel: 7, dominantLabel: 4 },
    ]);
  });

  it('gives a preview: the mixed pixels, boxes, lambdas and labels', async () => {
    const dims: ClipDims = { frames: 2, height: 4, width: 4 };
    const clips = indexedClips(2, dims);
    const plan = planMix(new Rng('preview'), { ...BASE, mode: 'batch' }, 2, dims);
    const before = tf.memory().numTensors;
    const preview = await previewMix(clips, [3, 1], plan, 4);
    expect(tf.memory().numTensors).toBe(before);
    expect(preview.shape).toEqual([2, 2, 3, 4, 4]);
    expect(preview.samples[0]).toMatchObject({ label: 3, pairedLabel: 1, box: plan.samples[0]!.box });
    const { inputs, targets } = applyMix(clips, [3, 1], plan, 4);
    expect(preview.frames).toEqual(Float32Array.from(await inputs.data()));
    tf.dispose([clips, inputs, targets]);
  });

  it('names mismatched shapes', () => {
    const clips = indexedClips(2, { frames: 2, height: 4, width: 4 });
    const plan = planMix(new Rng(0), BASE, 2, { frames: 2, height: 4, width: 5 });
    expect(() => applyMix(clips, [0, 1], plan, 2)).toThrow(MixShapeError);
    const fits = planMix(new Rng(0), BASE, 2, { frames: 2, height: 4, width: 4 });
    expect(() => applyMix(clips, [0], fits, 2)).toThrow(/1 labels for a plan of 2 clips/);
    clips.dispose();
  });

  it('leaks no tensors over many batches', () => {
    const dims: ClipDims = { frames: 4, height: 8, width: 8 };
    const clips = indexedClips(4, dims);
    const rng = new Rng('leak');
    const before = tf.memory().numTensors;
    for (let i = 0; i < 50; i++) {
      const plan = planMix(rng, { ...BASE, mixupAlpha: 0.8, prob: 0.7 }, 4, dims);
      const { inputs, targets } = applyMix(clips, [0, 1, 2, 3], plan, 4, 0.1);
      tf.dispose([inputs, targets]);
    }
    expect(tf.memory().numTensors).toBe(before);
    clips.dispose();
  });
});
