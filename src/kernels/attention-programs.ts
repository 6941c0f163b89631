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
 * - backward: the backward pass, in attention-backward-programs.ts.
 *
 * Products are register-tiled (see attention-tiling.ts): an invocation computes a block of scores and a
 * block of each result, so that every load from workgroup memory feeds several multiply-adds.
 * Invalid rows and keys (N not a multiple of the tile) are loaded as zeros and masked out of the softmax.
 */
import { flatLayout, type ProgramUniforms, type WebGPUProgram } from './webgpu-program.ts';
import {
  GRID,
  THREADS,
  dimsPerThread,
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
  // QA query rows and KA keys per invocation in a block of scores; DE head dims per invocation in results.
  const [queries, keys] = tile.kind === 'forward' ? [tile.rows, tile.cols] : [tile.cols, tile.rows];
  return /* wgsl */ `
const D : i32 = ${tile.headDim};
const S : i32 = ${paddedStride(tile.headDim)};
const ROWS : i32 = ${tile.rows};
const COLS : i32 = ${tile.cols};
const THREADS : i32 = ${THREADS};
const GRID : i32 = ${GRID};
const QA : i32 = ${queries / GRID};
const KA : i32 = ${keys / GRID};
const DE : i32 = ${dimsPerThread(tile.headDim)};
const SCALE : f32 = ${f32(1 / Math.sqrt(tile.headDim))};
`;
}

/** The invocation's place in the GRID x GRID grid: tr picks rows (tr + GRID a), tc keys or head dims. */
export const GRID_POSITION = /* wgsl */ `  let tid = i32(localIndex);
  let tr = tid / GRID;
  let tc = tid - tr * GRID;
  let nq = uniforms.queryTokens;
  let nk = uniforms.keyTokens;`;

/** One line per (a, b) in [0, n) x [0, m): register blocks are written out, never indexed at run time. */
export function each2(n: number, m: number, line: (a: number, b: number) => string): string {
  const lines: string[] = [];
  for (let a = 0; a < n; a++) for (let b = 0; b < m; b++) lines.push(line(a, b));
  return lines.join('\n');
}
export function each(n: number, line: (a: number) => string): string {
  return each2(n, 1, (a) => line(a));
}

/** Loads `tokens` rows of `source` from row `first` into `tile` (row stride S), zeros past `count`. */
function loadRows(
  tile: string,
  source: string,
  base: string,
  first: string,
  count: string,
  tokens: string,
): string {
  return /* wgsl */ `  for (var e = tid; e < ${tokens} * D; e += THREADS) {
    let t = e / D;
    var x = 0.0;
    if (inRange && ${first} + t < ${count}) { x = ${source}[${base} + ${first} * D + e]; }
    ${tile}[t * S + e - t * D] = x;
  }`;
}

/** Loads `tokens` keys and values from key0 into kTile / vTile, zeros past the end. */
export function loadKeyValueTile(tokens: 'ROWS' | 'COLS'): string {
  return [
    loadRows('kTile', 'K', 'kBase', 'key0', 'nk', tokens),
    loadRows('vTile', 'V', 'kBase', 'key0', 'nk', tokens),
  ].join('\n');
}

/** Loads `tokens` queries and their output gradients from row0 into qTile / dOTile, zeros past the end. */
export function loadQueryGradTile(tokens: 'ROWS' | 'COLS'): string {
  return [
    loadRows('qTile', 'Q', 'qBase', 'row0', 'nq', tokens),
    loadRows('dOTile', 'DY', 'qBase', 'row0', 'nq', tokens),
  ].join('\n');
}

export const UNIFORMS = 'queryTokens : i32, keyTokens : i32, matrices : i32,';

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

  constructor(tile: AttentionTile, outputShape: number[], workgroups: number) {
    this.tile = tile;
    this.outputShape = outputShape;
    this.workgroupSize = [THREADS, 1, 1];
    this.dispatch = [workgroups, 1, 1];
    this.shaderKey = `videomae_attention_${tile.kind}_d${tile.headDim}_r${tile.rows}_c${tile.cols}`;
  }

  abstract getUserCode(): string;
}

/** Output: [batch, heads, Nq + lseRows, D] (O, then the log-sum-exps). Inputs Q, K, V. */
export class AttentionForwardProgram extends TiledAttentionProgram {
  variableNames = ['Q', 'K', 'V'];

  constructor(tile: AttentionTile, dims: AttentionDims) {
    const rows = dims.queryTokens + lseRows(dims.queryTokens, dims.headDim);
    super(
      tile,
      [dims.batch, dims.heads, rows, dims.headDim],
      Math.ceil(dims.queryTokens / tile.rows) * dims.matrices,
    );
  }

  getUserCode(): string {
    const [qa, ka, de] = [this.tile.rows / GRID, this.tile.cols / GRID, dimsPerThread(this.tile.headDim)];
    return /* wgsl */ `
${constants(this.tile)}
${workgroupDeclarations('forward', this.tile)}
${INDEXING}
fn main(_index : i32) {
${GRID_POSITION}
  let tilesPerMatrix = (nq + ROWS - 1) / ROWS;
  let wg = flatWorkgroupIndex();
  let matrix = wg / tilesPerMatrix;
  let row0 = (wg - matrix * tilesPerMatrix) * ROWS;
  let inRange = matrix < uniforms.matrices;
  let qBase = matrix * nq * D;
  let kBase = matrix * nk * D;

${loadRows('qTile', 'Q', 'qBase', 'row0', 'nq', 'ROWS')}
  if (tid < ROWS) {
    rowMax[tid] = -3.0e38;
    rowSum[tid] = 0.0;
  }
  // O for query rows tr + GRID a, head dims tc + GRID e (o_a_e).
${each2(qa, de, (a, e) => `  var o_${a}_${e} = 0.0;`)}

  let keyTiles = (nk + COLS - 1) / COLS;
  for (var kt = 0; kt < keyTiles; kt++) {
    let key0 = kt * COLS;
${loadKeyValueTile('COLS')}
    workgroupBarrier();

    // Scores of query rows tr + GRID a and keys tc + GRID b (s_a_b).
${each2(qa, ka, (a, b) => `    var s_${a}_${b} = 0.0;`)}
    for (var c = 0; c < D; c++) {
${each(qa, (a) => `      let q${a} = qTile[(tr + ${GRID * a}) * S + c];`)}
${each(ka, (b) => `      let k${b} = kTile[(tc + ${GRID * b}) * S + c];`)}
${each2(qa, ka, (a, b) => `      s_${a}_${b} += q${a} * k${b};`)}
    }
${each2(qa, ka, (a, b) => `    sTile[(tr + ${GRID * a}) * COLS + tc + ${GRID * b}] = s_${a}_${b} * SCALE;`)}
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

${each(qa, (a) => `    let alpha${a} = rowScale[tr + ${GRID * a}];`)}
${each2(qa, de, (a, e) => `    o_${a}_${e} *= alpha${a};`)}
    for (var j = 0; j < COLS; j++) {
${each(qa, (a) => `      let p${a} = sTile[(tr + ${GRID * a}) * COLS + j];`)}
${each(de, (e) => `      let v${e} = vTile[j * S + tc + ${GRID * e}];`)}
${each2(qa, de, (a, e) => `      o_${a}_${e} += p${a} * v${e};`)}
    }
    workgroupBarrier();
  }

  let out = packedOutIndex(matrix, row0);
${each(
  qa,
  (a) => `  if (inRange && row0 + tr + ${GRID * a} < nq) {
    let norm = 1.0 / rowSum[tr + ${GRID * a}];
${each(de, (e) => `    if (tc + ${GRID * e} < D) { result[out + (tr + ${GRID * a}) * D + tc + ${GRID * e}] = o_${a}_${e} * norm; }`)}
  }`,
)}
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

/**
 * Rows [first, first + tokens) of every matrix of a packed [batch, heads, sourceRows, D] output, summed
 * over `groups` consecutive blocks of `tokens` rows: O from the forward's output, dK, dV and dQ (the sum of
 * the key groups' partials) from the backward's. One flat pass, instead of tfjs's generic slice and a sum.
 */
export class AttentionRowsProgram implements WebGPUProgram {
  variableNames = ['Packed'];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: WebGPUProgram['dispatchLayout'];
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];
  size = true;
  uniforms = 'tokens : i32, sourceRows : i32, first : i32,';
  private readonly headDim: number;
  private readonly groups: number;

  constructor(dims: AttentionDims, tokens: number, groups: number) {
    this.outputShape = [dims.batch, dims.heads, tokens, dims.headDim];
    const layout = flatLayout(this.outputShape);
    this.dispatchLayout = layout.dispatchLayout;
    this.dispatch = layout.dispatch;
    this.workgroupSize = layout.workgroupSize;
    this.headDim = dims.headDim;
    this.groups = groups;
    this.shaderKey = `videomae_attention_rows_d${dims.headDim}_g${groups}`;
  }

  static uniforms(tokens: number, sourceRows: number, first: number): ProgramUniforms {
    return [
      { type: 'int32', data: [tokens] },
      { type: 'int32', data: [sourceRows] },
      { type: 'int32', data: [first] },
    ];
  }

  getUserCode(): string {
    return /* wgsl */ `
const D : i32 = ${this.headDim};
fn main(index : i32) {
  if (index < uniforms.size) {
    let perMatrix = uniforms.tokens * D;
    let matrix = index / perMatrix;
    let within = index - matrix * perMatrix;
    let source = (matrix * uniforms.sourceRows + uniforms.first) * D + within;
    var x = 0.0;
    for (var g = 0; g < ${this.groups}; g++) {
      x += Packed[source + g * perMatrix];
    }
    setOutputAtIndex(index, x);
  }
}
`;
  }
}
