/**
 * CutMix boxes for clips: pure sampling (no tensors), seeded, so the same run draws the same boxes.
 *
 * timm's `rand_bbox` / `cutmix_bbox_and_lam` carried to video. For each cut axis the side is
 * floor(fraction * length), the centre is uniform over the axis, and the side is clipped to the clip;
 * lambda is then corrected to the exact uncut volume. One difference from timm: timm's box spans
 * centre +/- floor(side / 2), which drops a pixel when the side is odd; here it spans exactly `side`
 * before clipping, so grid-snapped boxes are whole cells.
 *
 * Modes (how lambda's cut share 1 - lambda is spread over the axes):
 * - spatial: the same box through every frame, sides sqrt(1 - lambda) * H and W (the write-up's CutMix);
 * - temporal: a run of frames from the other clip, (1 - lambda) * T frames, full frame area;
 * - cube (VideoMix's spatio-temporal cuboid): sides cbrt(1 - lambda) * T, H and W.
 */
import type { Rng } from '../util/rng.ts';

export type CutMixMode = 'spatial' | 'temporal' | 'cube';

export interface ClipDims {
  frames: number;
  height: number;
  width: number;
}

/** A half-open cuboid [t0, t1) x [y0, y1) x [x0, x1) in frames and pixels. */
export interface CutBox {
  t0: number;
  t1: number;
  y0: number;
  y1: number;
  x0: number;
  x1: number;
}

/** The model's token grid: with it, boxes cover whole patches (and whole tubelets in time). */
export interface TokenGrid {
  patchSize: number;
  tubeletSize: number;
}

export class CutMixConfigError extends Error {
  override name = 'CutMixConfigError';
}

export function boxVolume(box: CutBox): number {
  return Math.max(0, box.t1 - box.t0) * Math.max(0, box.y1 - box.y0) * Math.max(0, box.x1 - box.x0);
}

/** 1 - box volume / clip volume: the share of the clip that stays its own. */
export function lambdaOfBox(box: CutBox, dims: ClipDims): number {
  return 1 - boxVolume(box) / (dims.frames * dims.height * dims.width);
}

/** The cut fraction of each axis for a target cut share 1 - lam. */
export function axisFractions(mode: CutMixMode, lam: number): { t: number; y: number; x: number } {
  const cut = Math.min(1, Math.max(0, 1 - lam));
  switch (mode) {
    case 'spatial':
      return { t: 1, y: Math.sqrt(cut), x: Math.sqrt(cut) };
    case 'temporal':
      return { t: cut, y: 1, x: 1 };
    case 'cube':
      return { t: Math.cbrt(cut), y: Math.cbrt(cut), x: Math.cbrt(cut) };
  }
}

/**
 * A cut of side floor(fraction * cells) centred uniformly over `cells` cells, clipped, returned in units
 * (pixels or frames): cell boundaries times `cellSize`, the last cell ending at `length`.
 */
function cutRange(rng: Rng, length: number, cellSize: number, fraction: number): [number, number] {
  const cells = Math.ceil(length / cellSize);
  if (fraction >= 1) return [0, length];
  const side = Math.floor(fraction * cells);
  const centre = rng.int(0, cells - 1);
  const lo = Math.min(Math.max(centre - Math.floor(side / 2), 0), cells);
  const hi = Math.min(Math.max(centre - Math.floor(side / 2) + side, 0), cells);
  return [Math.min(lo * cellSize, length), Math.min(hi * cellSize, length)];
}

export function validateDims(dims: ClipDims, grid?: TokenGrid): void {
  for (const [name, value] of Object.entries(dims)) {
    if (!Number.isInteger(value) || value < 1)
      throw new CutMixConfigError(`clip ${name} must be >= 1, got ${value}`);
  }
  if (grid && (!(grid.patchSize >= 1) || !(grid.tubeletSize >= 1))) {
    throw new CutMixConfigError(
      `grid sizes must be >= 1, got patch ${grid.patchSize}, tubelet ${grid.tubeletSize}`,
    );
  }
}

/**
 * Samples a box for a drawn `lam` and returns it with lambda corrected to its exact volume. Axes a mode
 * leaves whole take no draw, so the draws per box are fixed by the mode (spatial 2, temporal 1, cube 3).
 */
export function sampleCutBox(
  rng: Rng,
  lam: number,
  dims: ClipDims,
  mode: CutMixMode,
  grid?: TokenGrid,
): { box: CutBox; lam: number } {
  validateDims(dims, grid);
  const fractions = axisFractions(mode, lam);
  const tubelet = grid?.tubeletSize ?? 1;
  const patch = grid?.patchSize ?? 1;
  const [t0, t1] = cutRange(rng, dims.frames, tubelet, fractions.t);
  const [y0, y1] = cutRange(rng, dims.height, patch, fractions.y);
  const [x0, x1] = cutRange(rng, dims.width, patch, fractions.x);
  const box = { t0, t1, y0, y1, x0, x1 };
  return { box, lam: lambdaOfBox(box, dims) };
}
