import { describe, expect, it } from 'vitest';
import {
  DEFAULT_WORKGROUP_LIMITS,
  GPU_TILING,
  SOFTWARE_TILING,
  isSoftwareAdapter,
  planAttention,
  planTile,
  threadsFor,
  workgroupStorageBytes,
  type AttentionProgramKind,
  type WorkgroupLimits,
} from './attention-tiling.ts';
import { AttentionForwardProgram, type AttentionDims } from './attention-programs.ts';
import {
  AttentionBackwardKeysProgram,
  AttentionBackwardQueriesProgram,
} from './attention-backward-programs.ts';

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
const KINDS: AttentionProgramKind[] = ['forward', 'backwardKeys', 'backwardQueries'];

describe('attention tile planning', () => {
  it('uses a power-of-two workgroup within the device limits', () => {
    expect(threadsFor(SWIFTSHADER)).toBe(256);
    expect(threadsFor(SMALL_DEVICE)).toBe(128);
    expect(threadsFor(LARGE_DEVICE)).toBe(256);
    expect(threadsFor({ ...SWIFTSHADER, maxComputeWorkgroupSizeX: 200 })).toBe(128);
    expect(threadsFor(SWIFTSHADER, 32)).toBe(32);
  });

  it('counts workgroup memory: Q tile, padded K and V tiles, the score tile and row statistics', () => {
    // forward, d=64, 32 queries x 32 keys: 32*64 + 2*32*65 + 32*32 + 3*32 floats.
    expect(workgroupStorageBytes('forward', 64, 32, 32)).toBe((2048 + 4160 + 1024 + 96) * 4);
    // backwardKeys, d=64, 32 keys x 16 queries: K,V 2*32*65, Q,dO 2*16*64, P,dS 2*16*32, lse,delta 2*16.
    expect(workgroupStorageBytes('backwardKeys', 64, 32, 16)).toBe((4160 + 2048 + 1024 + 32) * 4);
  });

  it('picks the largest tiles that fit 32 KiB for VideoMAE head dims', () => {
    const plan = planAttention(64, SWIFTSHADER)!;
    expect([plan.forward.rows, plan.forward.cols]).toEqual([32, 32]);
    expect([plan.backwardKeys.rows, plan.backwardKeys.cols]).toEqual([32, 16]);
    expect([plan.backwardQueries.rows, plan.backwardQueries.cols]).toEqual([32, 16]);
    const wide = planAttention(128, SWIFTSHADER)!;
    expect(wide.forward.rows * wide.forward.cols).toBe(256);
  });

  it('stays within every limit for any head dim up to 256 and several devices', () => {
    for (const [limits, preferences] of [
      [SWIFTSHADER, GPU_TILING],
      [SWIFTSHADER, SOFTWARE_TILING],
      [SMALL_DEVICE, GPU_TILING],
      [LARGE_DEVICE, GPU_TILING],
      [DEFAULT_WORKGROUP_LIMITS, GPU_TILING],
    ] as const) {
      for (let headDim = 1; headDim <= 256; headDim++) {
        const plan = planAttention(headDim, limits, preferences);
        expect(plan, `d=${headDim}`).not.toBeNull();
        for (const kind of KINDS) {
          const tile = plan![kind];
          expect(tile.storageBytes).toBeLessThanOrEqual(limits.maxComputeWorkgroupStorageSize);
          expect(tile.storageBytes).toBe(workgroupStorageBytes(kind, headDim, tile.rows, tile.cols));
          expect(tile.threads).toBeLessThanOrEqual(limits.maxComputeInvocationsPerWorkgroup);
          expect(tile.threads).toBeLessThanOrEqual(limits.maxComputeWorkgroupSizeX);
          expect(tile.accumulatorsPerThread * tile.threads).toBeGreaterThanOrEqual(tile.rows * headDim);
          expect(tile.accumulatorsPerThread * (kind === 'backwardKeys' ? 2 : 1)).toBeLessThanOrEqual(32);
        }
      }
    }
  });

  it('honours a smaller storage budget, and gives up only when nothing fits', () => {
    const plan = planAttention(64, SWIFTSHADER, SOFTWARE_TILING)!;
    for (const kind of KINDS) {
      expect(plan[kind].storageBytes).toBeLessThanOrEqual(SOFTWARE_TILING.storageBudget);
      expect(plan[kind].threads).toBe(SOFTWARE_TILING.threads);
    }
    expect(planTile('forward', 64, { ...SWIFTSHADER, maxComputeWorkgroupStorageSize: 64 })).toBeNull();
    expect(planAttention(0, SWIFTSHADER)).toBeNull();
    expect(planAttention(2.5, SWIFTSHADER)).toBeNull();
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
  const programs = [
    new AttentionForwardProgram(plan.forward, dims),
    new AttentionBackwardKeysProgram(plan.backwardKeys, dims),
    new AttentionBackwardQueriesProgram(plan.backwardQueries, dims),
  ];

  it('declares exactly the workgroup memory the planner budgeted', () => {
    for (const program of programs) {
      const tile = [plan.forward, plan.backwardKeys, plan.backwardQueries][programs.indexOf(program)]!;
      const declared = [...program.getUserCode().matchAll(/var<workgroup>\s+\w+\s*:\s*array<f32,\s*(\d+)>/g)]
        .map((m) => Number(m[1]))
        .reduce((a, b) => a + b, 0);
      expect(declared * 4, program.constructor.name).toBe(tile.storageBytes);
    }
  });

  it('synchronises through workgroup barriers, never atomics', () => {
    for (const program of programs) {
      const code = program.getUserCode();
      expect(code).not.toMatch(/atomic/);
      expect(code).toMatch(/workgroupBarrier\(\)/);
    }
  });

  it('dispatches one workgroup per row tile per matrix and sizes the packed outputs', () => {
    const [forward, keys, queries] = programs;
    expect(forward!.dispatch).toEqual([Math.ceil(392 / plan.forward.rows) * 24, 1, 1]);
    // 392 log-sum-exps fit in ceil(392 / 64) = 7 extra rows of 64 per matrix.
    expect(forward!.outputShape).toEqual([4, 6, 392 + 7, 64]);
    expect(keys!.dispatch).toEqual([Math.ceil(392 / plan.backwardKeys.rows) * 24, 1, 1]);
    expect(keys!.outputShape).toEqual([4, 6, 2 * 392, 64]);
    expect(queries!.outputShape).toEqual([4, 6, 392, 64]);
  });
});
