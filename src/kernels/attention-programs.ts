/**
 * WGSL programs of the fused (flash-style) attention, for tfjs-backend-webgpu's `runWebGPUProgram`.
 *
 * All take q, k, v as [batch, heads, tokens, headDim] float32 and treat batch x heads as independent
 * matrices. A workgroup owns one tile of rows of one matrix (`matrix`, `row0`) and streams the other side
 * through workgroup memory in tiles; scores never leave the workgroup:
 *
 * - forward: per query tile, online softmax over key tiles; writes O and the per-row log-sum-exp. tfjs
 *   gives a program one output, so it is [batch, heads, Nq + ceil(Nq / d), d]: each matrix's O rows, then
 *   its log-sum-exps packed into ceil(Nq / d) extra rows (O is then one strided slice, no reshape).
 * - rowDot: delta = rowsum(dO * O), the softmax-backward term, one invocation per row.
 * - backwardKeys, backwardQueries: the backward pass, in attention-backward-programs.ts.
 *
 * dK/dV and dQ are two passes so that no two workgroups ever write the same element (no float atomics).
 * Invalid rows and keys (N not a multiple of the tile) are loaded as zeros and masked out of the softmax.
 */
import type { WebGPUProgram } from './webgpu-program.ts';
import {
  paddedStride,
  workgroupArrays,
  type AttentionProgramKind,
  type AttentionTile,
} from './attention-tiling.ts';

export interface AttentionDims {
  batch: number;
  heads: number;
  /** batch x heads. */
  matrices: number;
  queryTokens: number;
  keyTokens: number;
  headDim: number;
}

/** WGSL float literal for a JS number (WGSL needs the decimal point or exponent). */
function f32(value: number): string {
  const text = Math.fround(value).toPrecision(9);
  return /[.eE]/.test(text) ? text : `${text}.0`;
}

export function workgroupDeclarations(kind: AttentionProgramKind, tile: AttentionTile): string {
  return Object.entries(workgroupArrays(kind, tile.headDim, tile.rows, tile.cols))
    .map(([name, size]) => `var<workgroup> ${name} : array<f32, ${size}>;`)
    .join('\n');
}

/** Rows of headDim floats that hold one matrix's log-sum-exps after its O rows in the forward output. */
export function lseRows(queryTokens: number, headDim: number): number {
  return Math.ceil(queryTokens / headDim);
}

/**
 * Workgroup -> (matrix, first row of its tile), robust to tfjs reshaping a long dispatch into 2-D/3-D;
 * where O and the log-sum-exps live in the forward's packed output.
 */
export const INDEXING = /* wgsl */ `
fn flatWorkgroupIndex() -> i32 {
  return i32(workgroupId.z * numWorkgroups.x * numWorkgroups.y + workgroupId.y * numWorkgroups.x + workgroupId.x);
}
fn packedRowsPerMatrix() -> i32 {
  return uniforms.queryTokens + (uniforms.queryTokens + D - 1) / D;
}
fn packedOutIndex(matrix : i32, row : i32) -> i32 {
  return (matrix * packedRowsPerMatrix() + row) * D;
}
fn packedLseIndex(matrix : i32, row : i32) -> i32 {
  return (matrix * packedRowsPerMatrix() + uniforms.queryTokens) * D + row;
}
`;

export function constants(tile: AttentionTile): string {
  return /* wgsl */ `
const D : i32 = ${tile.headDim};
const KS : i32 = ${paddedStride(tile.headDim)};
const ROWS : i32 = ${tile.rows};
const COLS : i32 = ${tile.cols};
const THREADS : i32 = ${tile.threads};
const ACC : i32 = ${tile.accumulatorsPerThread};
const SCALE : f32 = ${f32(1 / Math.sqrt(tile.headDim))};
`;
}

/**
 * Where a workgroup's tile starts: `tilesPerMatrix` tiles of ROWS stationary tokens (queries: row0, or keys:
 * key0) per (batch, head) matrix, and that matrix's offsets into Q/DY (qBase) and K/V (kBase).
 */
export function tileOrigin(stationary: 'queries' | 'keys'): string {
  const [count, first] = stationary === 'queries' ? ['nq', 'row0'] : ['nk', 'key0'];
  return /* wgsl */ `  let tid = i32(localIndex);
  let nq = uniforms.queryTokens;
  let nk = uniforms.keyTokens;
  let tilesPerMatrix = (${count} + ROWS - 1) / ROWS;
  let wg = flatWorkgroupIndex();
  let matrix = wg / tilesPerMatrix;
  let ${first} = (wg - matrix * tilesPerMatrix) * ROWS;
  let inRange = matrix < uniforms.matrices;
  let qBase = matrix * nq * D;
  let kBase = matrix * nk * D;`;
}

/** Loads `tokens` keys and values from key0 into kTile / vTile (padded rows of KS), zeros past the end. */
export function loadKeyValueTile(tokens: 'ROWS' | 'COLS'): string {
  return /* wgsl */ `  for (var e = tid; e < ${tokens} * D; e += THREADS) {
    let j = e / D;
    let c = e - j * D;
    var kx = 0.0;
    var vx = 0.0;
    if (inRange && key0 + j < nk) {
      kx = K[kBase + key0 * D + e];
      vx = V[kBase + key0 * D + e];
    }
    kTile[j * KS + c] = kx;
    vTile[j * KS + c] = vx;
  }`;
}

/** Loads `tokens` queries and their output gradients from row0 into qTile / dOTile, zeros past the end. */
export function loadQueryGradTile(tokens: 'ROWS' | 'COLS'): string {
  return /* wgsl */ `  for (var e = tid; e < ${tokens} * D; e += THREADS) {
    let r = e / D;
    var qx = 0.0;
    var gx = 0.0;
    if (inRange && row0 + r < nq) {
      qx = Q[qBase + row0 * D + e];
      gx = DY[qBase + row0 * D + e];
    }
    qTile[e] = qx;
    dOTile[e] = gx;
  }`;
}

const UNIFORMS = 'queryTokens : i32, keyTokens : i32, matrices : i32,';

export function attentionUniforms(dims: AttentionDims): { type: 'int32'; data: number[] }[] {
  return [
    { type: 'int32', data: [dims.queryTokens] },
    { type: 'int32', data: [dims.keyTokens] },
    { type: 'int32', data: [dims.matrices] },
  ];
}

export abstract class TiledAttentionProgram implements WebGPUProgram {
  abstract variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout = { x: [0] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];
  uniforms = UNIFORMS;
  protected readonly tile: AttentionTile;

  constructor(tile: AttentionTile, outputShape: number[], stationaryTokens: number, matrices: number) {
    this.tile = tile;
    this.outputShape = outputShape;
    this.workgroupSize = [tile.threads, 1, 1];
    this.dispatch = [Math.ceil(stationaryTokens / tile.rows) * matrices, 1, 1];
    this.shaderKey = `videomae_attention_${tile.kind}_d${tile.headDim}_r${tile.rows}_c${tile.cols}_t${tile.threads}`;
  }

  abstract getUserCode(): string;
}

/** Output: [batch, heads, Nq + lseRows, D] (O, then the log-sum-exps). Inputs Q, K, V. */
export class AttentionForwardProgram extends TiledAttentionProgram {
  variableNames = ['Q', 'K', 'V'];

  constructor(tile: AttentionTile, dims: AttentionDims) {
    const rows = dims.queryTokens + lseRows(dims.queryTokens, dims.headDim);
    super(tile, [dims.batch, dims.heads, rows, dims.headDim], dims.queryTokens, dims.matrices);
  }

  getUserCode(): string {
    return /* wgsl */ `
${constants(this.tile)}
${workgroupDeclarations('forward', this.tile)}
${INDEXING}
fn main(_index : i32) {
${tileOrigin('queries')}

  for (var e = tid; e < ROWS * D; e += THREADS) {
    let r = e / D;
    var x = 0.0;
    if (inRange && row0 + r < nq) { x = Q[qBase + row0 * D + e]; }
    qTile[e] = x;
  }
  if (tid < ROWS) {
    rowMax[tid] = -3.0e38;
    rowSum[tid] = 0.0;
  }
  var acc : array<f32, ACC>;

  let keyTiles = (nk + COLS - 1) / COLS;
  for (var kt = 0; kt < keyTiles; kt++) {
    let key0 = kt * COLS;
${loadKeyValueTile('COLS')}
    workgroupBarrier();

    for (var e = tid; e < ROWS * COLS; e += THREADS) {
      let r = e / COLS;
      let j = e - r * COLS;
      var s = 0.0;
      for (var c = 0; c < D; c++) {
        s += qTile[r * D + c] * kTile[j * KS + c];
      }
      sTile[e] = s * SCALE;
    }
    workgroupBarrier();

    // Online softmax: rescale what was accumulated so far by exp(oldMax - newMax).
    if (tid < ROWS) {
      let validKeys = min(COLS, nk - key0);
      let previousMax = rowMax[tid];
      var m = previousMax;
      for (var j = 0; j < validKeys; j++) {
        m = max(m, sTile[tid * COLS + j]);
      }
      var l = 0.0;
      for (var j = 0; j < COLS; j++) {
        var p = 0.0;
        if (j < validKeys) { p = exp(sTile[tid * COLS + j] - m); }
        sTile[tid * COLS + j] = p;
        l += p;
      }
      let alpha = exp(previousMax - m);
      rowScale[tid] = alpha;
      rowSum[tid] = rowSum[tid] * alpha + l;
      rowMax[tid] = m;
    }
    workgroupBarrier();

    for (var i = 0; i < ACC; i++) {
      let e = tid + i * THREADS;
      if (e < ROWS * D) {
        let r = e / D;
        let c = e - r * D;
        var o = acc[i] * rowScale[r];
        for (var j = 0; j < COLS; j++) {
          o += sTile[r * COLS + j] * vTile[j * KS + c];
        }
        acc[i] = o;
      }
    }
    workgroupBarrier();
  }

  for (var i = 0; i < ACC; i++) {
    let e = tid + i * THREADS;
    if (e < ROWS * D) {
      let r = e / D;
      if (inRange && row0 + r < nq) {
        result[packedOutIndex(matrix, row0) + e] = acc[i] / rowSum[r];
      }
    }
  }
  if (tid < ROWS && inRange && row0 + tid < nq) {
    result[packedLseIndex(matrix, row0 + tid)] = rowMax[tid] + log(rowSum[tid]);
  }
}
`;
  }
}

/** delta[row] = sum_c dO[row, c] * O[row, c], rows over batch x heads x Nq; O read from the packed output. */
export class AttentionRowDotProgram implements WebGPUProgram {
  variableNames = ['DY', 'Fwd'];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout = { x: [0] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [64, 1, 1];
  size = true;
  uniforms = UNIFORMS;
  private readonly headDim: number;

  constructor(dims: AttentionDims) {
    const rows = dims.matrices * dims.queryTokens;
    this.outputShape = [rows];
    this.headDim = dims.headDim;
    this.dispatch = [Math.ceil(rows / this.workgroupSize[0]), 1, 1];
    this.shaderKey = `videomae_attention_rowdot_d${dims.headDim}`;
  }

  getUserCode(): string {
    return /* wgsl */ `
const D : i32 = ${this.headDim};
${INDEXING}
fn main(index : i32) {
  if (index < uniforms.size) {
    let matrix = index / uniforms.queryTokens;
    let o = packedOutIndex(matrix, index - matrix * uniforms.queryTokens);
    var s = 0.0;
    for (var c = 0; c < D; c++) {
      s += DY[index * D + c] * Fwd[o + c];
    }
    setOutputAtIndex(index, s);
  }
}
`;
  }
}
