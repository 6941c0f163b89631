/**
 * Which tokens VideoMAE pretraining hides: VideoMAE's `TubeMaskingGenerator` (the same spatial cubes hidden
 * in every temporal slice, so a cube cannot be copied from its neighbour in time) and
 * `RandomMaskingGenerator`, with their counts: tube masks int(ratio * patches per slice) in every slice,
 * random masks int(ratio * seq_len). Every clip of a batch masks the same number, as HF's
 * `VideoMAEForPreTraining` requires. Pure and seeded: a mask is a function of its options and seed.
 */
import { Rng } from '../../util/rng.ts';
import type { VideoMAEConfig } from './config.ts';

export type MaskingKind = 'tube' | 'random';

/** The token grid: (T / tubelet) temporal slices of (H / patch) * (W / patch) cubes, w fastest. */
export interface MaskGrid {
  temporalSlices: number;
  patchesPerSlice: number;
}

export interface MaskingOptions {
  kind: MaskingKind;
  /** Share of tokens to hide, 0 < ratio < 1 (the paper uses 0.75-0.9). */
  ratio: number;
  seed: number | string;
}

export class MaskingError extends Error {
  override name = 'MaskingError';
}

export function maskGrid(
  config: Pick<VideoMAEConfig, 'num_frames' | 'tubelet_size' | 'image_size' | 'patch_size'>,
): MaskGrid {
  const side = config.image_size / config.patch_size;
  return { temporalSlices: config.num_frames / config.tubelet_size, patchesPerSlice: side * side };
}

/** Tokens masked per clip; throws when the ratio leaves no masked or no visible token. */
export function maskedCount(grid: MaskGrid, kind: MaskingKind, ratio: number): number {
  if (!(ratio > 0 && ratio < 1)) throw new MaskingError(`mask ratio must be in (0, 1), got ${ratio}`);
  const seqLen = grid.temporalSlices * grid.patchesPerSlice;
  // Python's int() of a positive float is floor.
  const count =
    kind === 'tube'
      ? Math.floor(ratio * grid.patchesPerSlice) * grid.temporalSlices
      : Math.floor(ratio * seqLen);
  if (count === 0 || count === seqLen) {
    throw new MaskingError(
      `a ${kind} mask with ratio ${ratio} on ${grid.temporalSlices} x ${grid.patchesPerSlice} tokens masks ` +
        `${count} of ${seqLen}: pretraining needs at least one masked and one visible token`,
    );
  }
  return count;
}

/** `count` ones among `length` positions, shuffled (VideoMAE: np.hstack of zeros and ones, then shuffle). */
function shuffledOnes(rng: Rng, length: number, count: number): Uint8Array {
  const base = Array.from({ length }, (_, i) => (i >= length - count ? 1 : 0));
  return Uint8Array.from(rng.shuffle(base));
}

/**
 * Masks for a batch: Uint8Array [batch, seq_len] row-major, 1 = masked (HF's `bool_masked_pos`). Each clip
 * draws from its own stream forked off `seed`, so clip b's mask does not depend on the batch size.
 */
export function makeMasks(batch: number, grid: MaskGrid, options: MaskingOptions): Uint8Array {
  const count = maskedCount(grid, options.kind, options.ratio);
  const seqLen = grid.temporalSlices * grid.patchesPerSlice;
  const out = new Uint8Array(batch * seqLen);
  const root = new Rng(`videomae-mask/${options.seed}`);
  for (let b = 0; b < batch; b++) {
    const rng = root.fork(`clip/${b}`);
    if (options.kind === 'random') out.set(shuffledOnes(rng, seqLen, count), b * seqLen);
    else {
      const perSlice = shuffledOnes(rng, grid.patchesPerSlice, count / grid.temporalSlices);
      for (let t = 0; t < grid.temporalSlices; t++) out.set(perSlice, b * seqLen + t * grid.patchesPerSlice);
    }
  }
  return out;
}

/**
 * Checks a mask read from elsewhere (a file, a caller) against the batch: [batch, seqLen] of 0/1 with the
 * same positive count per clip, some token visible. Returns that count. `what` names the mask in messages.
 */
export function checkMask(mask: Uint8Array, batch: number, seqLen: number, what = 'mask'): number {
  if (mask.length !== batch * seqLen) {
    throw new MaskingError(
      `${what} has ${mask.length} values, expected [${batch}, ${seqLen}] (batch, seq_len) = ${batch * seqLen}`,
    );
  }
  let first = -1;
  for (let b = 0; b < batch; b++) {
    let count = 0;
    for (let i = 0; i < seqLen; i++) {
      const v = mask[b * seqLen + i]!;
      if (v > 1)
        throw new MaskingError(`${what}[${b}, ${i}] is ${v}; a mask holds 0 (visible) or 1 (masked)`);
      count += v;
    }
    if (first < 0) first = count;
    else if (count !== first) {
      throw new MaskingError(
        `${what}: clip ${b} masks ${count} tokens, clip 0 masks ${first}; every clip must mask the same number`,
      );
    }
  }
  if (first <= 0 || first >= seqLen) {
    throw new MaskingError(`${what} masks ${first} of ${seqLen} tokens per clip; it needs some of each kind`);
  }
  return first;
}

/** Per clip, the visible and the masked token indices, each increasing (HF's boolean-indexing order). */
export function maskIndices(
  mask: Uint8Array,
  batch: number,
  seqLen: number,
): { visible: Int32Array; masked: Int32Array; numMasked: number } {
  const numMasked = checkMask(mask, batch, seqLen);
  const numVisible = seqLen - numMasked;
  const visible = new Int32Array(batch * numVisible);
  const masked = new Int32Array(batch * numMasked);
  let v = 0;
  let m = 0;
  for (let b = 0; b < batch; b++)
    for (let i = 0; i < seqLen; i++) {
      if (mask[b * seqLen + i]) masked[m++] = i;
      else visible[v++] = i;
    }
  return { visible, masked, numMasked };
}
