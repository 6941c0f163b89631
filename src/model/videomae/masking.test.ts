import { describe, expect, it } from 'vitest';
import { checkMask, makeMasks, maskedCount, maskGrid, maskIndices, MaskingError } from './masking.ts';

const grid = maskGrid({ num_frames: 16, tubelet_size: 2, image_size: 224, patch_size: 16 });

function rows(mask: Uint8Array, seqLen: number): Uint8Array[] {
  return Array.from({ length: mask.length / seqLen }, (_, b) => mask.subarray(b * seqLen, (b + 1) * seqLen));
}

describe('masking', () => {
  it('reads the token grid off the config', () => {
    expect(grid).toEqual({ temporalSlices: 8, patchesPerSlice: 196 });
  });

  it("counts like VideoMAE's generators: int() per slice for tube, int() of the total for random", () => {
    expect(maskedCount(grid, 'tube', 0.9)).toBe(176 * 8); // int(0.9 * 196) = 176
    expect(maskedCount(grid, 'random', 0.9)).toBe(1411); // int(0.9 * 1568) = 1411
    expect(maskedCount({ temporalSlices: 2, patchesPerSlice: 16 }, 'tube', 0.75)).toBe(24);
    expect(() => maskedCount(grid, 'tube', 1)).toThrow(MaskingError);
    expect(() => maskedCount(grid, 'random', 0)).toThrow(/\(0, 1\)/);
    expect(() => maskedCount({ temporalSlices: 2, patchesPerSlice: 4 }, 'tube', 0.2)).toThrow(/masks 0 of 8/);
  });

  for (const kind of ['tube', 'random'] as const) {
    it(`${kind}: the same count in every clip, 0/1 only, reproducible from the seed`, () => {
      const seqLen = grid.temporalSlices * grid.patchesPerSlice;
      const mask = makeMasks(5, grid, { kind, ratio: 0.9, seed: 'x' });
      expect(mask.length).toBe(5 * seqLen);
      const count = maskedCount(grid, kind, 0.9);
      for (const row of rows(mask, seqLen)) expect(row.reduce((a, b) => a + b, 0)).toBe(count);
      expect(mask.every((v) => v === 0 || v === 1)).toBe(true);
      expect(makeMasks(5, grid, { kind, ratio: 0.9, seed: 'x' })).toEqual(mask);
      expect(makeMasks(5, grid, { kind, ratio: 0.9, seed: 'y' })).not.toEqual(mask);
      // Clips differ from each other, and clip b does not depend on the batch size.
      const [a, b] = rows(mask, seqLen);
      expect(a).not.toEqual(b);
      expect(makeMasks(2, grid, { kind, ratio: 0.9, seed: 'x' })).toEqual(mask.subarray(0, 2 * seqLen));
    });
  }

  it('tube: every temporal slice hides the same spatial cubes; random does not', () => {
    const seqLen = grid.temporalSlices * grid.patchesPerSlice;
    const sliceEqual = (row: Uint8Array): boolean =>
      Array.from({ length: grid.temporalSlices }, (_, t) =>
        row.subarray(t * grid.patchesPerSlice, (t + 1) * grid.patchesPerSlice),
      ).every((slice, _, all) => slice.every((v, i) => v === all[0]![i]));
    const tube = makeMasks(3, grid, { kind: 'tube', ratio: 0.75, seed: 1 });
    expect(rows(tube, seqLen).every(sliceEqual)).toBe(true);
    const random = makeMasks(3, grid, { kind: 'random', ratio: 0.75, seed: 1 });
    expect(rows(random, seqLen).some(sliceEqual)).toBe(false);
  });

  it('checks foreign masks and lists visible and masked tokens in increasing order', () => {
    const mask = Uint8Array.from([1, 0, 1, 1, 1, 1, 1, 0]);
    expect(checkMask(mask, 2, 4)).toBe(3);
    const { visible, masked, numMasked } = maskIndices(mask, 2, 4);
    expect(numMasked).toBe(3);
    expect([...visible]).toEqual([1, 3]);
    expect([...masked]).toEqual([0, 2, 3, 0, 1, 2]);
    expect(() => checkMask(Uint8Array.from([1, 0, 0, 0, 1, 1, 0, 0]), 2, 4, 'mask.bin')).toThrow(
      /mask\.bin: clip 1 masks 2 tokens, clip 0 masks 1/,
    );
    expect(() => checkMask(mask, 2, 5)).toThrow(/expected \[2, 5\]/);
    expect(() => checkMask(Uint8Array.from([1, 1, 1, 1]), 1, 4)).toThrow(/needs some of each kind/);
    expect(() => checkMask(Uint8Array.from([2, 0]), 1, 2)).toThrow(/0 \(visible\) or 1 \(masked\)/);
  });
});
