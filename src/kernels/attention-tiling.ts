/**
 * Tile sizes for the fused attention programs, chosen from the device's limits at run time.
 *
 * Every program runs 64 invocations as an 8 x 8 grid and register-tiles its products: an invocation
 * computes a small block of scores (QA query rows x KA keys, strided by 8) and a small block of each
 * [tokens x headDim] result (rows strided by 8, head dims strided by 8), so that every value it loads from
 * workgroup memory feeds several multiply-adds. This is what tfjs's tiled matMul does, and it is what pays
 * on a CPU-emulated adapter, where each per-invocation load from workgroup memory is a gather.
 *
 * This module is the single place that knows how much workgroup memory each program takes, so the WGSL
 * declarations (attention-programs.ts) and the planner cannot disagree. Pure: unit-tested in Node.
 */

/** The `GPUSupportedLimits` fields the planner reads (the tfjs WebGPU device asks for the adapter's). */
export interface WorkgroupLimits {
  maxComputeWorkgroupStorageSize: number;
  maxComputeInvocationsPerWorkgroup: number;
  maxComputeWorkgroupSizeX: number;
}

/** WebGPU's guaranteed minimums (also those of a compatibility-mode device): what any device allows. */
export const DEFAULT_WORKGROUP_LIMITS: WorkgroupLimits = {
  maxComputeWorkgroupStorageSize: 16384,
  maxComputeInvocationsPerWorkgroup: 128,
  maxComputeWorkgroupSizeX: 128,
};

export type AttentionProgramKind = 'forward' | 'backward';

/** The invocation grid of every program: GRID x GRID = 64, within any device's limits. */
export const GRID = 8;
export const THREADS = GRID * GRID;

/**
 * One program's tiling. `rows` is the dimension a workgroup owns while it works on it (queries for
 * `forward`, keys for `backward`); `cols` is the dimension it streams through in steps (keys for
 * `forward`, queries for `backward`). Both are multiples of GRID.
 */
export interface AttentionTile {
  kind: AttentionProgramKind;
  headDim: number;
  rows: number;
  cols: number;
  threads: number;
  /** Floats each invocation keeps in registers across the streamed loop (its share of the results). */
  registersPerThread: number;
  storageBytes: number;
}

export interface AttentionPlan {
  headDim: number;
  forward: AttentionTile;
  backward: AttentionTile;
}

const FLOAT_BYTES = 4;
const TILE_SIDES = [64, 32, 16, 8];
/** Above this the accumulators spill (on a GPU) and the written-out blocks make huge shaders. */
const MAX_REGISTERS_PER_THREAD = 160;

/** Head dims per invocation in the [tokens x headDim] results: head dim c = column + GRID * e. */
export function dimsPerThread(headDim: number): number {
  return Math.ceil(headDim / GRID);
}

/**
 * Row stride of every [tokens x headDim] tile: padded up to GRID * dimsPerThread (the result loops read
 * that far; the padding stays zero) plus one float, so that a GPU's score loops, which read down a column
 * (consecutive invocations, consecutive rows), hit distinct banks.
 */
export function paddedStride(headDim: number): number {
  return GRID * dimsPerThread(headDim) + 1;
}

/** Named sizes (in floats) of every workgroup array a program declares, in declaration order. */
export function workgroupArrays(
  kind: AttentionProgramKind,
  headDim: number,
  rows: number,
  cols: number,
): Record<string, number> {
  const stride = paddedStride(headDim);
  switch (kind) {
    case 'forward':
      // rows = queries, cols = keys.
      return {
        qTile: rows * stride,
        kTile: cols * stride,
        vTile: cols * stride,
        sTile: rows * cols,
        rowMax: rows,
        rowSum: rows,
        rowScale: rows,
      };
    case 'backward':
      // rows = keys (stationary), cols = queries (streamed).
      return {
        kTile: rows * stride,
        vTile: rows * stride,
        qTile: cols * stride,
        dOTile: cols * stride,
        pTile: cols * rows,
        dSTile: cols * rows,
        lseTile: cols,
        deltaTile: cols,
        blockRange: 2,
      };
  }
}

export function workgroupStorageBytes(
  kind: AttentionProgramKind,
  headDim: number,
  rows: number,
  cols: number,
): number {
  const floats = Object.values(workgroupArrays(kind, headDim, rows, cols)).reduce((a, b) => a + b, 0);
  return floats * FLOAT_BYTES;
}

/** Floats an invocation keeps live: its block of scores (and dP), and its share of the results. */
export function registersPerThread(
  kind: AttentionProgramKind,
  headDim: number,
  rows: number,
  cols: number,
): number {
  const de = dimsPerThread(headDim);
  if (kind === 'forward') return ((rows / GRID) * cols) / GRID + (rows / GRID) * de;
  // Scores and dP (queries x keys), dK and dV (keys x dims), one query step's dQ (queries x dims).
  return (2 * ((cols / GRID) * rows)) / GRID + 2 * (rows / GRID) * de + (cols / GRID) * de;
}

/** What the planner aims for, within the device's limits. */
export interface TilingPreferences {
  /** Workgroup memory to use at most (bytes); the device's limit applies as well. */
  storageBudget: number;
  /** Floats an invocation keeps in registers at most (see registersPerThread); default 160. */
  maxRegisters?: number;
}

/** As much workgroup memory as the device allows. */
export const GPU_TILING: TilingPreferences = { storageBudget: Infinity };

/**
 * Software adapters that say so (SwiftShader) compile a shader in time that grows with its workgroup memory
 * (~1 s at 4 KiB, ~17 s at 32 KiB for a shader that does nothing else) and with the written-out register
 * blocks (minutes for the GPU tiles): tiles of 16 KiB at most, small blocks. Lavapipe's compatibility
 * adapter reports no info, so it gets GPU_TILING, which measures faster there.
 */
export const SOFTWARE_TILING: TilingPreferences = { storageBudget: 16384, maxRegisters: 32 };

export function isSoftwareAdapter(info: {
  vendor?: string;
  architecture?: string;
  description?: string;
}): boolean {
  return /swiftshader|llvmpipe|lavapipe|warp|basic render/i.test(
    `${info.vendor ?? ''} ${info.architecture ?? ''} ${info.description ?? ''}`,
  );
}

/**
 * Whether `attention` should keep tfjs's stock ops although the fused programs could run: on a GPU that
 * names itself (vendor in adapter.info, not a software rasterizer), as long as the stock path's score
 * tensor fits one storage binding. Measured at ViT-B's shape (B=1, H=12, N=1568, d=64) on an NVIDIA H200
 * through Dawn's Vulkan backend, the fused path ran at 0.39x stock forward and 0.25x forward + backward
 * (its backward launches a few dozen large workgroups, which leave a GPU mostly idle), while on lavapipe,
 * whose compatibility adapter names no vendor, it runs at 1.49x with 7% of stock's memory. So a GPU takes
 * the fused path only where stock cannot bind its scores (ViT-B from batch 2 under a 128 MiB limit).
 */
export function preferStockAttention(
  info: { vendor?: string; architecture?: string; description?: string },
  scoreBytes: number,
  maxStorageBufferBindingSize: number,
): boolean {
  const namedGpu = Boolean(info.vendor) && !isSoftwareAdapter(info);
  return namedGpu && scoreBytes <= maxStorageBufferBindingSize;
}

/**
 * The largest tile (by rows x cols, then by the stationary side) that fits the workgroup storage (and the
 * preferred budget, when smaller) and keeps its accumulators in registers; null when even the smallest
 * does not fit, or the device cannot run 64 invocations.
 */
export function planTile(
  kind: AttentionProgramKind,
  headDim: number,
  limits: WorkgroupLimits,
  preferences: TilingPreferences = GPU_TILING,
): AttentionTile | null {
  if (!Number.isInteger(headDim) || headDim < 1) return null;
  if (limits.maxComputeInvocationsPerWorkgroup < THREADS || limits.maxComputeWorkgroupSizeX < THREADS) {
    return null;
  }
  const maxStorage = Math.min(limits.maxComputeWorkgroupStorageSize, preferences.storageBudget);
  let best: AttentionTile | null = null;
  for (const rows of TILE_SIDES) {
    for (const cols of TILE_SIDES) {
      const storageBytes = workgroupStorageBytes(kind, headDim, rows, cols);
      if (storageBytes > maxStorage) continue;
      const registers = registersPerThread(kind, headDim, rows, cols);
      const maxRegisters = preferences.maxRegisters ?? MAX_REGISTERS_PER_THREAD;
      if (registers > maxRegisters && rows * cols > GRID * GRID) continue;
      const candidate: AttentionTile = {
        kind,
        headDim,
        rows,
        cols,
        threads: THREADS,
        registersPerThread: registers,
        storageBytes,
      };
      if (!best || isBetter(candidate, best)) best = candidate;
    }
  }
  return best;
}

function isBetter(a: AttentionTile, b: AttentionTile): boolean {
  const areaA = a.rows * a.cols;
  const areaB = b.rows * b.cols;
  if (areaA !== areaB) return areaA > areaB;
  return a.rows > b.rows;
}

/** Tiles for both programs, or null when the head dimension cannot fit this device at all. */
export function planAttention(
  headDim: number,
  limits: WorkgroupLimits,
  preferences: TilingPreferences = GPU_TILING,
): AttentionPlan | null {
  const forward = planTile('forward', headDim, limits, preferences);
  const backward = planTile('backward', headDim, limits, preferences);
  if (!forward || !backward) return null;
  return { headDim, forward, backward };
}

/** Workgroups the backward pass aims for, so that every core (or a GPU's many) has work. */
const BACKWARD_TARGET_WORKGROUPS = 48;
/** At most this many partial dQ copies (each the size of q) exist at once. */
const MAX_KEY_GROUPS = 4;

/**
 * Into how many groups the backward pass splits each matrix's key blocks: a workgroup per (matrix, group)
 * walks its key blocks and, for each, every query block, accumulating dK and dV in registers and a partial
 * dQ per group in the output (summed afterwards). More groups give more parallel workgroups but cost one
 * more copy of q's size each.
 */
export function keyGroups(tile: AttentionTile, matrices: number, keyTokens: number): number {
  const keyBlocks = Math.ceil(keyTokens / tile.rows);
  const wanted = Math.ceil(BACKWARD_TARGET_WORKGROUPS / Math.max(1, matrices));
  const blocksPerGroup = Math.ceil(keyBlocks / Math.max(1, Math.min(keyBlocks, MAX_KEY_GROUPS, wanted)));
  // No group left empty (its partial dQ would never be written).
  return Math.ceil(keyBlocks / blocksPerGroup);
}
