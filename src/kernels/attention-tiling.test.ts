import { describe, expect, it } from 'vitest';
import {
  DEFAULT_WORKGROUP_LIMITS,
  GPU_TILING,
  SOFTWARE_TILING,
  THREADS,
  isSoftwareAdapter,
  keyGroups,
  planAttention,
  planTile,
  preferStockAttention,
  registersPerThread,
  workgroupStorageBytes,
  type AttentionProgramKind,
  type WorkgroupLimits,
} from './attention-tiling.ts';
import {
  AttentionForwardProgram,
  AttentionRowDotProgram,
  AttentionRowsProgram,
  type AttentionDims,
} from './attention-programs.ts';
import { AttentionBackwardProgram } from './attention-backward-programs.ts';
import { MAX_STORAGE_BUFFERS_PER_STAGE, storageBindings } from './webgpu-program.ts';

/** What the SwiftShader adapter in headless Chromium reports. */
const SWIFTSHADER: WorkgroupLimits = {
  maxComputeWorkgroupStorageSize: 32768,
  maxComputeInvocationsPerWorkgroup: 256,
  maxComputeWorkgroupSizeX: 256,
};
const SMALL_DEVICE: WorkgroupLimits = {
  maxComputeWorkgroupStorageSize: 16384,
  maxComputeInvocationsPerWorkgroup: 128,
  maxComputeWorkgroupSizeX: 128,
};
const LARGE_DEVICE: WorkgroupLimits = {
  maxComputeWorkgroupStorageSize: 65536,
  maxComputeInvocationsPerWorkgroup: 1024,
  maxComputeWorkgroupSizeX: 1024,
};
/** Lavapipe under ANGLE (compatibility mode), as Chromium reports it. */
const LAVAPIPE: WorkgroupLimits = {
  maxComputeWorkgroupStorageSize: 32768,
  maxComputeInvocationsPerWorkgroup: 1024,
  maxComputeWorkgroupSizeX: 1024,
};
const KINDS: AttentionProgramKind[] = ['forward', 'backward'];

describe('attention tile planning', () => {
  it('counts workgroup memory: Q tile, padded K and V tiles, the score tiles and row statistics', () => {
    // forward, d=64 (stride 65), 64 queries x 16 keys: 64*65 + 2*16*65 + 64*16 + 3*64 floats.
    expect(workgroupStorageBytes('forward', 64, 64, 16)).toBe((4160 + 2080 + 1024 + 192) * 4);
    // backward, d=64, 32 keys x 16 queries: K,V 2*32*65, Q,dO 2*16*65, P,dS 2*16*32, lse,delta 2*16, range 2.
    expect(workgroupStorageBytes('backward', 64, 32, 16)).toBe((4160 + 2080 + 1024 + 32 + 2) * 4);
    // d=40 pads rows to 40 (a multiple of 8) + 1; d=33 to 40 + 1.
    expect(workgroupStorageBytes('forward', 33, 8, 8)).toBe((3 * 8 * 41 + 64 + 24) * 4);
  });

  it('picks the largest tiles that fit 32 KiB for VideoMAE head dims', () => {
    for (const limits of [SWIFTSHADER, LAVAPIPE]) {
      const plan = planAttention(64, limits)!;
      expect([plan.forward.rows, plan.forward.cols]).toEqual([64, 16]);
      expect([plan.backward.rows, plan.backward.cols]).toEqual([32, 16]);
    }
  });

  it('stays within every limit and keeps its registers bounded; fits d <= 112 in 16 KiB, d <= 224 in 32 KiB', () => {
    for (const [limits, preferences] of [
      [SWIFTSHADER, GPU_TILING],
      [SWIFTSHADER, SOFTWARE_TILING],
      [LAVAPIPE, GPU_TILING],
      [SMALL_DEVICE, GPU_TILING],
      [LARGE_DEVICE, GPU_TILING],
      [DEFAULT_WORKGROUP_LIMITS, GPU_TILING],
    ] as const) {
      for (let headDim = 1; headDim <= 256; headDim++) {
        const plan = planAttention(headDim, limits, preferences);
        const storage = Math.min(limits.maxComputeWorkgroupStorageSize, preferences.storageBudget);
        // Larger head dims take the stock path, with the reason (fusedAttentionUnsupportedReason).
        if (headDim <= (storage >= 32768 ? 224 : 112)) expect(plan, `d=${headDim}`).not.toBeNull();
        if (!plan) continue;
        for (const kind of KINDS) {
          const tile = plan[kind];
          expect(tile.storageBytes).toBeLessThanOrEqual(limits.maxComputeWorkgroupStorageSize);
          expect(tile.storageBytes).toBeLessThanOrEqual(preferences.storageBudget);
          expect(tile.storageBytes).toBe(workgroupStorageBytes(kind, headDim, tile.rows, tile.cols));
          expect(tile.threads).toBe(THREADS);
          expect(tile.threads).toBeLessThanOrEqual(limits.maxComputeInvocationsPerWorkgroup);
          expect((tile.rows % 8) + (tile.cols % 8)).toBe(0);
          expect(tile.registersPerThread).toBe(registersPerThread(kind, headDim, tile.rows, tile.cols));
          if (tile.rows * tile.cols > 64) {
            expect(tile.registersPerThread).toBeLessThanOrEqual(preferences.maxRegisters ?? 160);
          }
        }
      }
    }
  });

  it('honours a smaller storage budget, and gives up only when nothing fits', () => {
    const plan = planAttention(64, SWIFTSHADER, SOFTWARE_TILING)!;
    for (const kind of KINDS) expect(plan[kind].storageBytes).toBeLessThanOrEqual(16384);
    expect(planTile('forward', 64, { ...SWIFTSHADER, maxComputeWorkgroupStorageSize: 64 })).toBeNull();
    expect(planTile('forward', 64, { ...SWIFTSHADER, maxComputeInvocationsPerWorkgroup: 32 })).toBeNull();
    expect(planAttention(0, SWIFTSHADER)).toBeNull();
    expect(planAttention(2.5, SWIFTSHADER)).toBeNull();
  });

  it('splits the backward key blocks into groups only while matrices are few, never leaving one empty', () => {
    const tile = planAttention(64, LAVAPIPE)!.backward; // 32 keys per block
    expect(keyGroups(tile, 12, 1568)).toBe(4); // 49 blocks: 13, 13, 13, 10
    expect(keyGroups(tile, 24, 392)).toBe(2);
    expect(keyGroups(tile, 96, 392)).toBe(1);
    expect(keyGroups(tile, 1, 40)).toBe(2); // 2 blocks
    expect(keyGroups(tile, 1, 5)).toBe(1);
    for (let blocks = 1; blocks <= 60; blocks++) {
      const groups = keyGroups(tile, 1, blocks * 32);
      const perGroup = Math.ceil(blocks / groups);
      expect((groups - 1) * perGroup, `${blocks} blocks`).toBeLessThan(blocks);
    }
  });

  it('recognises CPU-emulated adapters', () => {
    expect(isSoftwareAdapter({ vendor: 'google', architecture: 'swiftshader' })).toBe(true);
    expect(isSoftwareAdapter({ description: 'llvmpipe (LLVM 15.0.6, 256 bits)' })).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'nvidia', architecture: 'hopper' })).toBe(false);
    expect(isSoftwareAdapter({})).toBe(false);
  });
});

describe('attention WGSL programs', () => {
  const dims: AttentionDims = {
    batch: 4,
    heads: 6,
    matrices: 24,
    queryTokens: 392,
    keyTokens: 392,
    headDim: 64,
  };
  const plan = planAttention(64, SWIFTSHADER)!;
  const groups = keyGroups(plan.backward, dims.matrices, dims.keyTokens);
  const tiled = [
    [new AttentionForwardProgram(plan.forward, dims), plan.forward],
    [new AttentionBackwardProgram(plan.backward, dims, groups), plan.backward],
  ] as const;

  it('declares exactly the workgroup memory the planner budgeted', () => {
    for (const [program, tile] of tiled) {
      const declared = [...program.getUserCode().matchAll(/var<workgroup>\s+\w+\s*:\s*array<f32,\s*(\d+)>/g)]
        .map((m) => Number(m[1]))
        .reduce((a, b) => a + b, 0);
      expect(declared * 4, program.constructor.name).toBe(tile.storageBytes);
    }
  });

  it('synchronises through workgroup barriers, never atomics, and never indexes a private array', () => {
    for (const [program] of tiled) {
      const code = program.getUserCode();
      expect(code).not.toMatch(/atomic/);
      expect(code).toMatch(/workgroupBarrier\(\)/);
      // Register blocks are written out: a private array indexed at run time is a gather on a CPU adapter.
      expect(code).not.toMatch(/var\s+\w+\s*:\s*array</);
    }
  });

  it('dispatches one workgroup per query tile (forward) or per key group (backward) and sizes the outputs', () => {
    const [[forward], [backward]] = tiled;
    expect(forward.dispatch).toEqual([Math.ceil(392 / plan.forward.rows) * 24, 1, 1]);
    // 392 log-sum-exps fit in ceil(392 / 64) = 7 extra rows of 64 per matrix.
    expect(forward.outputShape).toEqual([4, 6, 392 + 7, 64]);
    expect(backward.dispatch).toEqual([24 * groups, 1, 1]);
    expect(backward.outputShape).toEqual([4, 6, 2 * 392 + groups * 392, 64]);
  });

  it(`binds at most ${MAX_STORAGE_BUFFERS_PER_STAGE} storage buffers per program (inputs count too)`, () => {
    for (let headDim = 8; headDim <= 112; headDim += 8) {
      const d = { ...dims, headDim };
      const p = planAttention(headDim, DEFAULT_WORKGROUP_LIMITS)!;
      for (const program of [
        new AttentionForwardProgram(p.forward, d),
        new AttentionBackwardProgram(p.backward, d, 3),
        new AttentionRowDotProgram(d),
        new AttentionRowsProgram(d, 392, 4),
      ]) {
        expect(storageBindings(program), program.constructor.name).toBeLessThanOrEqual(
          MAX_STORAGE_BUFFERS_PER_STAGE,
        );
      }
    }
    // The backward binds Q, K, V, dO, the forward's output, delta and its own output: one to spare.
    expect(storageBindings(new AttentionBackwardProgram(plan.backward, dims, 1))).toBe(7);
  });
});

describe('preferStockAttention', () => {
  const vitB = 1 * 12 * 1568 * 1568 * 4;
  it('keeps stock on a named GPU while its scores fit a binding, fused beyond', () => {
    expect(preferStockAttention({ vendor: 'nvidia' }, vitB, 2 ** 31)).toBe(true);
    expect(preferStockAttention({ vendor: 'nvidia' }, 2 * vitB, 128 * 2 ** 20)).toBe(false);
  });
  it('leaves software and nameless adapters on the fused path', () => {
    expect(preferStockAttention({ vendor: 'google', architecture: 'swiftshader' }, vitB, 2 ** 30)).toBe(
      false,
    );
    expect(preferStockAttention({}, vitB, 128 * 2 ** 20)).toBe(false);
    expect(preferStockAttention({ vendor: '', description: 'llvmpipe' }, 1024, 2 ** 30)).toBe(false);
  });
});
