/**
 * Tile sizes for the fused attention programs, chosen from the device's limits at run time.
 *
 * Every program holds a few [rows x headDim] tiles and one or two [rows x cols] score tiles in workgroup
 * memory; this module is the single place that knows how much each one takes, so the WGSL declarations
 * (attention-programs.ts) and the planner cannot disagree. Pure: unit-tested in Node.
 */

/** The `GPUSupportedLimits` fields the planner reads (the tfjs WebGPU device asks for the adapter's). */
export interface WorkgroupLimits {
  maxComputeWorkgroupStorageSize: number;
  maxComputeInvocationsPerWorkgroup: number;
  maxComputeWorkgroupSizeX: number;
}

/** WebGPU's guaranteed minimums: what any conforming device allows. */
export const DEFAULT_WORKGROUP_LIMITS: WorkgroupLimits = {
  maxComputeWorkgroupStorageSize: 16384,
  maxComputeInvocationsPerWorkgroup: 256,
  maxComputeWorkgroupSizeX: 256,
};

export type AttentionProgramKind = 'forward' | 'backwardKeys' | 'backwardQueries';

/**
 * One program's tiling. `rows` is the dimension a workgroup owns for its whole life (queries for
 * `forward` and `backwardQueries`, keys for `backwardKeys`); `cols` is the dimension it streams through
 * in steps (keys, or queries for `backwardKeys`).
 */
export interface AttentionTile {
  kind: AttentionProgramKind;
  headDim: number;
  rows: number;
  cols: number;
  threads: number;
  /** Output elements (of a [rows x headDim] accumulator) each invocation keeps in registers. */
  accumulatorsPerThread: number;
  storageBytes: number;
}

export interface AttentionPlan {
  headDim: number;
  forward: AttentionTile;
  backwardKeys: AttentionTile;
  backwardQueries: AttentionTile;
}

const FLOAT_BYTES = 4;
const TILE_SIDES = [32, 16, 8, 4, 2, 1];
/** Above this the register file spills on common GPUs and the compiler's unrolling explodes. */
const MAX_ACCUMULATORS_PER_THREAD = 32;

/**
 * Rows of K and V in workgroup memory are padded by one float: the score loops read them down a column
 * (consecutive invocations, consecutive keys), and an odd stride puts those reads in distinct banks.
 */
export function paddedStride(headDim: number): number {
  return headDim + 1;
}

/** Named sizes (in floats) of every workgroup array a program declares, in declaration order. */
export function workgroupArrays(
  kind: AttentionProgramKind,
  headDim: number,
  rows: number,
  cols: number,
): Record<string, number> {
  const kv = paddedStride(headDim);
  switch (kind) {
    case 'forward':
      // rows = queries, cols = keys.
      return {
        qTile: rows * headDim,
        kTile: cols * kv,
        vTile: cols * kv,
        sTile: rows * cols,
        rowMax: rows,
        rowSum: rows,
        rowScale: rows,
      };
    case 'backwardKeys':
      // rows = keys (stationary), cols = queries (streamed).
      return {
        kTile: rows * kv,
        vTile: rows * kv,
        qTile: cols * headDim,
        dOTile: cols * headDim,
        pTile: cols * rows,
        dSTile: cols * rows,
        lseTile: cols,
        deltaTile: cols,
      };
    case 'backwardQueries':
      // rows = queries (stationary), cols = keys (streamed).
      return {
        qTile: rows * headDim,
        dOTile: rows * headDim,
        lseTile: rows,
        deltaTile: rows,
        kTile: cols * kv,
        vTile: cols * kv,
        dSTile: rows * cols,
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

export function threadsFor(limits: WorkgroupLimits, preferred: number = GPU_TILING.threads): number {
  const cap = Math.min(preferred, limits.maxComputeInvocationsPerWorkgroup, limits.maxComputeWorkgroupSizeX);
  // A power of two keeps the flat index -> (row, col) mapping cheap and the work evenly split.
  return 2 ** Math.floor(Math.log2(Math.max(1, cap)));
}

/** What the planner aims for, within the device's limits. */
export interface TilingPreferences {
  /** Workgroup memory to use at most (bytes); the device's limit applies as well. */
  storageBudget: number;
  /** Invocations per workgroup (rounded down to a power of two within the limits). */
  threads: number;
}

/** On a GPU: as much workgroup memory as the device allows; 256 invocations fill tiles up to 32 x 32. */
export const GPU_TILING: TilingPreferences = { storageBudget: Infinity, threads: 256 };

/**
 * Software adapters (SwiftShader, llvmpipe/lavapipe, WARP) compile a shader in time that grows with its
 * workgroup memory (measured on SwiftShader: ~1 s at 4 KiB, ~17 s at 32 KiB, for a shader that does
 * nothing else), and run a workgroup's invocations as coroutines that all switch at every barrier; tile
 * reuse buys little on a CPU. On them: small tiles, few invocations.
 */
export const SOFTWARE_TILING: TilingPreferences = { storageBudget: 8192, threads: 32 };

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
 * The largest tile (by rows x cols, then by the stationary side) that fits the workgroup storage (and
 * the preferred budget, when smaller) and keeps the per-invocation accumulators in registers; null when
 * even 1 x 1 does not fit.
 */
export function planTile(
  kind: AttentionProgramKind,
  headDim: number,
  limits: WorkgroupLimits,
  preferences: TilingPreferences = GPU_TILING,
): AttentionTile | null {
  if (!Number.isInteger(headDim) || headDim < 1) return null;
  const threads = threadsFor(limits, preferences.threads);
  const maxStorage = Math.min(limits.maxComputeWorkgroupStorageSize, preferences.storageBudget);
  let best: AttentionTile | null = null;
  for (const rows of TILE_SIDES) {
    for (const cols of TILE_SIDES) {
      const storageBytes = workgroupStorageBytes(kind, headDim, rows, cols);
      if (storageBytes > maxStorage) continue;
      const accumulatorsPerThread = Math.ceil((rows * headDim) / threads);
      // backwardKeys keeps two accumulators (dK and dV) per owned element.
      const registers = kind === 'backwardKeys' ? 2 * accumulatorsPerThread : accumulatorsPerThread;
      if (registers > MAX_ACCUMULATORS_PER_THREAD && rows > 1) continue;
      const candidate: AttentionTile = {
        kind,
        headDim,
        rows,
        cols,
        threads,
        accumulatorsPerThread,
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

/** Tiles for all three programs, or null when the head dimension cannot fit this device at all. */
export function planAttention(
  headDim: number,
  limits: WorkgroupLimits,
  preferences: TilingPreferences = GPU_TILING,
): AttentionPlan | null {
  const forward = planTile('forward', headDim, limits, preferences);
  const backwardKeys = planTile('backwardKeys', headDim, limits, preferences);
  const backwardQueries = planTile('backwardQueries', headDim, limits, preferences);
  if (!forward || !backwardKeys || !backwardQueries) return null;
  return { headDim, forward, backwardKeys, backwardQueries };
}
