/**
 * The backward pass of the fused attention (see attention-programs.ts for the layout and the forward):
 *
 * - backwardKeys: per key tile, over query tiles, recomputes P = exp(s - lse) and accumulates
 *   dV = P^T dO and dK = scale * dS^T Q with dS = P * (dO V^T - delta); writes [batch, heads, 2 Nk, d]:
 *   each matrix's dK rows, then its dV rows.
 * - backwardQueries: per query tile, over key tiles, accumulates dQ = scale * dS K.
 *
 * Two passes so that no two workgroups ever write the same element (no float atomics).
 */
import type { AttentionTile } from './attention-tiling.ts';
import {
  constants,
  INDEXING,
  loadKeyValueTile,
  loadQueryGradTile,
  TiledAttentionProgram,
  tileOrigin,
  workgroupDeclarations,
  type AttentionDims,
} from './attention-programs.ts';

/**
 * Output: [batch, heads, 2 Nk, D] (dK rows, then dV rows). Inputs Q, K, V, DY (upstream gradient),
 * Fwd (the forward's packed output, for lse), Delta (rowsum(dO * O)).
 */
export class AttentionBackwardKeysProgram extends TiledAttentionProgram {
  variableNames = ['Q', 'K', 'V', 'DY', 'Fwd', 'Delta'];

  constructor(tile: AttentionTile, dims: AttentionDims) {
    super(tile, [dims.batch, dims.heads, 2 * dims.keyTokens, dims.headDim], dims.keyTokens, dims.matrices);
  }

  getUserCode(): string {
    return /* wgsl */ `
${constants(this.tile)}
${workgroupDeclarations('backwardKeys', this.tile)}
${INDEXING}
fn main(_index : i32) {
${tileOrigin('keys')}

${loadKeyValueTile('ROWS')}
  var dk : array<f32, ACC>;
  var dv : array<f32, ACC>;

  let queryTiles = (nq + COLS - 1) / COLS;
  for (var qt = 0; qt < queryTiles; qt++) {
    let row0 = qt * COLS;
${loadQueryGradTile('COLS')}
    if (tid < COLS) {
      var lse = 0.0;
      var delta = 0.0;
      if (inRange && row0 + tid < nq) {
        lse = Fwd[packedLseIndex(matrix, row0 + tid)];
        delta = Delta[matrix * nq + row0 + tid];
      }
      lseTile[tid] = lse;
      deltaTile[tid] = delta;
    }
    workgroupBarrier();

    // P and dS for this (query tile x key tile), laid out [query][key].
    for (var e = tid; e < COLS * ROWS; e += THREADS) {
      let r = e / ROWS;
      let j = e - r * ROWS;
      var s = 0.0;
      var dp = 0.0;
      for (var c = 0; c < D; c++) {
        s += qTile[r * D + c] * kTile[j * KS + c];
        dp += dOTile[r * D + c] * vTile[j * KS + c];
      }
      var p = 0.0;
      if (row0 + r < nq && key0 + j < nk) { p = exp(s * SCALE - lseTile[r]); }
      pTile[e] = p;
      dSTile[e] = p * (dp - deltaTile[r]);
    }
    workgroupBarrier();

    for (var i = 0; i < ACC; i++) {
      let e = tid + i * THREADS;
      if (e < ROWS * D) {
        let j = e / D;
        let c = e - j * D;
        var sv = 0.0;
        var sk = 0.0;
        for (var r = 0; r < COLS; r++) {
          sv += pTile[r * ROWS + j] * dOTile[r * D + c];
          sk += dSTile[r * ROWS + j] * qTile[r * D + c];
        }
        dv[i] += sv;
        dk[i] += sk;
      }
    }
    workgroupBarrier();
  }

  for (var i = 0; i < ACC; i++) {
    let e = tid + i * THREADS;
    if (e < ROWS * D) {
      let j = e / D;
      if (inRange && key0 + j < nk) {
        result[2 * kBase + key0 * D + e] = dk[i] * SCALE;
        result[2 * kBase + (nk + key0) * D + e] = dv[i];
      }
    }
  }
}
`;
  }
}

/** Output: dQ, q's shape. Inputs as for the key pass. */
export class AttentionBackwardQueriesProgram extends TiledAttentionProgram {
  variableNames = ['Q', 'K', 'V', 'DY', 'Fwd', 'Delta'];

  constructor(tile: AttentionTile, dims: AttentionDims) {
    super(tile, [dims.batch, dims.heads, dims.queryTokens, dims.headDim], dims.queryTokens, dims.matrices);
  }

  getUserCode(): string {
    return /* wgsl */ `
${constants(this.tile)}
${workgroupDeclarations('backwardQueries', this.tile)}
${INDEXING}
fn main(_index : i32) {
${tileOrigin('queries')}

${loadQueryGradTile('ROWS')}
  if (tid < ROWS) {
    var lse = 0.0;
    var delta = 0.0;
    if (inRange && row0 + tid < nq) {
      lse = Fwd[packedLseIndex(matrix, row0 + tid)];
      delta = Delta[matrix * nq + row0 + tid];
    }
    lseTile[tid] = lse;
    deltaTile[tid] = delta;
  }
  var dq : array<f32, ACC>;

  let keyTiles = (nk + COLS - 1) / COLS;
  for (var kt = 0; kt < keyTiles; kt++) {
    let key0 = kt * COLS;
${loadKeyValueTile('COLS')}
    workgroupBarrier();

    for (var e = tid; e < ROWS * COLS; e += THREADS) {
      let r = e / COLS;
      let j = e - r * COLS;
      var s = 0.0;
      var dp = 0.0;
      for (var c = 0; c < D; c++) {
        s += qTile[r * D + c] * kTile[j * KS + c];
        dp += dOTile[r * D + c] * vTile[j * KS + c];
      }
      var ds = 0.0;
      if (row0 + r < nq && key0 + j < nk) {
        ds = exp(s * SCALE - lseTile[r]) * (dp - deltaTile[r]);
      }
      dSTile[e] = ds;
    }
    workgroupBarrier();

    for (var i = 0; i < ACC; i++) {
      let e = tid + i * THREADS;
      if (e < ROWS * D) {
        let r = e / D;
        let c = e - r * D;
        var sq = 0.0;
        for (var j = 0; j < COLS; j++) {
          sq += dSTile[r * COLS + j] * kTile[j * KS + c];
        }
        dq[i] += sq;
      }
    }
    workgroupBarrier();
  }

  for (var i = 0; i < ACC; i++) {
    let e = tid + i * THREADS;
    if (e < ROWS * D) {
      let r = e / D;
      if (inRange && row0 + r < nq) {
        result[qBase + row0 * D + e] = dq[i] * SCALE;
      }
    }
  }
}
`;
  }
}
