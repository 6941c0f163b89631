import { describe, expect, it } from 'vitest';
import { Rng } from '../util/rng.ts';
import {
  axisFractions,
  boxVolume,
  CutMixConfigError,
  lambdaOfBox,
  sampleCutBox,
  type ClipDims,
  type CutBox,
  type CutMixMode,
  type TokenGrid,
} from './cutmix-boxes.ts';

const MODES: CutMixMode[] = ['spatial', 'temporal', 'cube'];
// Deliberately not multiples of the grid (120 = 7.5 patches of 16) and an odd frame count.
const ODD_DIMS: ClipDims = { frames: 9, height: 120, width: 160 };
const GRID: TokenGrid = { patchSize: 16, tubeletSize: 2 };

function expectInside(box: CutBox, dims: ClipDims): void {
  expect(box.t0).toBeGreaterThanOrEqual(0);
  expect(box.y0).toBeGreaterThanOrEqual(0);
  expect(box.x0).toBeGreaterThanOrEqual(0);
  expect(box.t1).toBeLessThanOrEqual(dims.frames);
  expect(box.y1).toBeLessThanOrEqual(dims.height);
  expect(box.x1).toBeLessThanOrEqual(dims.width);
  expect(box.t0).toBeLessThanOrEqual(box.t1);
  expect(box.y0).toBeLessThanOrEqual(box.y1);
  expect(box.x0).toBeLessThanOrEqual(box.x1);
}

/**
 * E[kept length] of one axis for a given fraction, by enumerating every centre the sampler can pick (a
 * second statement of the semantics: side floor(f * cells), centred, clipped, in cells of `cell` units).
 */
function expectedAxisLength(length: number, cell: number, fraction: number): number {
  if (fraction >= 1) return length;
  const cells = Math.ceil(length / cell);
  const side = Math.floor(fraction * cells);
  let total = 0;
  for (let centre = 0; centre < cells; centre++) {
    const lo = Math.max(0, centre - Math.floor(side / 2));
    const hi = Math.min(cells, centre - Math.floor(side / 2) + side);
    total += Math.max(0, Math.min(hi * cell, length) - Math.min(lo * cell, length));
  }
  return total / cells;
}

/** E over lambda ~ Beta(alpha, alpha) (alpha >= 1: a bounded density) of the corrected cut share. */
function expectedCutShare(mode: CutMixMode, dims: ClipDims, alpha: number, grid?: TokenGrid): number {
  const n = 20_000;
  let weighted = 0;
  let mass = 0;
  for (let i = 0; i < n; i++) {
    const lam = (i + 0.5) / n;
    const density = Math.pow(lam * (1 - lam), alpha - 1);
    const f = axisFractions(mode, lam);
    const volume =
      expectedAxisLength(dims.frames, grid?.tubeletSize ?? 1, f.t) *
      expectedAxisLength(dims.height, grid?.patchSize ?? 1, f.y) *
      expectedAxisLength(dims.width, grid?.patchSize ?? 1, f.x);
    weighted += density * (volume / (dims.frames * dims.height * dims.width));
    mass += density;
  }
  return weighted / mass;
}

describe('CutMix boxes', () => {
  for (const mode of MODES) {
    for (const grid of [undefined, GRID]) {
      it(`${mode}${grid ? ' on the grid' : ''}: inside the clip, lambda exactly 1 - box share`, () => {
        const rng = new Rng(`boxes-${mode}-${Boolean(grid)}`);
        for (let i = 0; i < 2000; i++) {
          const drawn = rng.beta(1, 1);
          const { box, lam } = sampleCutBox(rng, drawn, ODD_DIMS, mode, grid);
          expectInside(box, ODD_DIMS);
          expect(lam).toBe(1 - boxVolume(box) / (9 * 120 * 160));
          expect(lam).toBe(lambdaOfBox(box, ODD_DIMS));
          if (mode === 'spatial') expect([box.t0, box.t1]).toEqual([0, 9]);
          if (mode === 'temporal') expect([box.y0, box.y1, box.x0, box.x1]).toEqual([0, 120, 0, 160]);
          if (grid) {
            for (const edge of [box.y0, box.y1, box.x0, box.x1]) {
              expect(edge % 16 === 0 || edge === 120 || edge === 160, `edge ${edge}`).toBe(true);
            }
            for (const edge of [box.t0, box.t1])
              expect(edge % 2 === 0 || edge === 9, `frame ${edge}`).toBe(true);
          }
        }
      });
    }
  }

  for (const [mode, alpha, grid] of [
    ['spatial', 1, undefined],
    ['spatial', 2, undefined],
    ['spatial', 1, GRID],
    ['temporal', 1, undefined],
    ['cube', 1, undefined],
    ['cube', 2, GRID],
  ] as const) {
    it(`${mode}, alpha ${alpha}${grid ? ', grid' : ''}: mean box share matches 1 - E[lambda] over many draws`, () => {
      const dims: ClipDims = { frames: 16, height: 112, width: 112 };
      const rng = new Rng(`area-${mode}-${alpha}-${Boolean(grid)}`);
      const draws = 20_000;
      let sum = 0;
      let sumSq = 0;
      let lamSum = 0;
      for (let i = 0; i < draws; i++) {
        const { box, lam } = sampleCutBox(rng, rng.beta(alpha, alpha), dims, mode, grid);
        const share = boxVolume(box) / (16 * 112 * 112);
        sum += share;
        sumSq += share * share;
        lamSum += lam;
      }
      const mean = sum / draws;
      const standardError = Math.sqrt((sumSq / draws - mean * mean) / draws);
      // The corrected lambdas average to 1 - mean share exactly (each one is 1 - its box's share) ...
      expect(lamSum / draws).toBeCloseTo(1 - mean, 10);
      // ... and that mean is what Beta(alpha, alpha) with centred, clipped boxes predicts.
      expect(Math.abs(mean - expectedCutShare(mode, dims, alpha, grid))).toBeLessThan(4 * standardError);
    });
  }

  it('uncut share before clipping follows lambda: sides are sqrt / cbrt / linear in 1 - lambda', () => {
    const dims: ClipDims = { frames: 16, height: 100, width: 200 };
    for (const lam of [0.1, 0.36, 0.75]) {
      const spatial = axisFractions('spatial', lam);
      expect(spatial.y * spatial.x).toBeCloseTo(1 - lam, 12);
      const cube = axisFractions('cube', lam);
      expect(cube.t * cube.y * cube.x).toBeCloseTo(1 - lam, 12);
      expect(axisFractions('temporal', lam).t).toBeCloseTo(1 - lam, 12);
    }
    // Sides floor(0.8 * 100) and floor(0.8 * 200) before clipping; clipping only shortens them, and some
    // centres leave them whole.
    const rng = new Rng(1);
    const sides = Array.from({ length: 200 }, () => {
      const { box } = sampleCutBox(rng, 0.36, dims, 'spatial');
      return [box.y1 - box.y0, box.x1 - box.x0] as const;
    });
    expect(Math.max(...sides.map(([h]) => h))).toBe(80);
    expect(Math.max(...sides.map(([, w]) => w))).toBe(160);
    expect(Math.min(...sides.map(([h]) => h))).toBeGreaterThanOrEqual(40);
  });

  it('temporal mode takes a run of consecutive frames, lambda the frame share', () => {
    const rng = new Rng('temporal');
    const dims: ClipDims = { frames: 16, height: 8, width: 8 };
    for (let i = 0; i < 200; i++) {
      const { box, lam } = sampleCutBox(rng, rng.next(), dims, 'temporal');
      expect(lam).toBe(1 - (box.t1 - box.t0) / 16);
    }
  });

  it('lambda 1 cuts nothing; lambda 0 takes the whole clip', () => {
    const rng = new Rng('edges');
    for (const mode of MODES) {
      expect(sampleCutBox(rng, 1, ODD_DIMS, mode).lam).toBe(1);
      expect(sampleCutBox(rng, 0, ODD_DIMS, mode).lam).toBe(0);
    }
  });

  it('is deterministic per seed and differs between seeds', () => {
    const draw = (seed: string) => {
      const rng = new Rng(seed);
      return Array.from({ length: 20 }, () => sampleCutBox(rng, rng.beta(1, 1), ODD_DIMS, 'cube', GRID));
    };
    expect(draw('a')).toEqual(draw('a'));
    expect(draw('a')).not.toEqual(draw('b'));
  });

  it('refuses impossible clips and grids', () => {
    const rng = new Rng(0);
    expect(() => sampleCutBox(rng, 0.5, { frames: 0, height: 8, width: 8 }, 'spatial')).toThrow(
      CutMixConfigError,
    );
    expect(() => sampleCutBox(rng, 0.5, ODD_DIMS, 'spatial', { patchSize: 0, tubeletSize: 2 })).toThrow(
      /grid/,
    );
  });
});
