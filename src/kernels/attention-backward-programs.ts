/**
 * The backward pass of the fused attention (see attention-programs.ts for the layout and the forward), one
 * program. A workgroup owns one group of key blocks of one matrix (keyGroups in attention-tiling.ts). For
 * each key block it keeps K and V in workgroup memory and dK, dV in registers, and walks every query
 * block: it recomputes P = exp(s - lse) from Q K^T and the forward's log-sum-exp, forms
 * dS = P * (dO V^T - delta) once, and takes all three products from it in the same step:
 * dV += P^T dO, dK += dS^T Q, and this group's partial dQ += dS K (read-modify-written in the output,
 * where only this workgroup touches it). That is five products per (query block, key block) instead of
 * the seven of a separate dK/dV pass and dQ pass, and P and dS never leave workgroup memory.
 *
 * Output: [batch, heads, 2 Nk + groups Nq, D]: each matrix's dK rows, its dV rows, then one partial dQ
 * per key group (the caller sums them).
 */
import { GRID, dimsPerThread, type AttentionTile } from './attention-tiling.ts';
import {
  constants,
  GRID_POSITION,
  INDEXING,
  loadKeyValueTile,
  loadQueryGradTile,
  each,
  each2,
  TiledAttentionProgram,
  UNIFORMS,
  workgroupDeclarations,
  type AttentionDims,
} from './attention-programs.ts';

export function backwardUniforms(dims: AttentionDims, groups: number): { type: 'int32'; data: number[] }[] {
  return [
    { type: 'int32', data: [dims.queryTokens] },
    { type: 'int32', data: [dims.keyTokens] },
    { type: 'int32', data: [dims.matrices] },
    { type: 'int32', data: [groups] },
  ];
}

/** Inputs Q, K, V, DY (upstream gradient), Fwd (the forward's packed output, for lse), Delta. */
export class AttentionBackwardProgram extends TiledAttentionProgram {
  variableNames = ['Q', 'K', 'V', 'DY', 'Fwd', 'Delta'];
  override uniforms = `${UNIFORMS} keyGroups : i32,`;

  constructor(tile: AttentionTile, dims: AttentionDims, groups: number) {
    super(
      tile,
      [dims.batch, dims.heads, 2 * dims.keyTokens + groups * dims.queryTokens, dims.headDim],
      dims.matrices * groups,
    );
  }

  getUserCode(): string {
    const tile = this.tile;
    const [ka, qa, de] = [tile.rows / GRID, tile.cols / GRID, dimsPerThread(tile.headDim)];
    return /* wgsl */ `
${constants(tile)}
${workgroupDeclarations('backward', tile)}
${INDEXING}
fn main(_index : i32) {
${GRID_POSITION}
  let groups = uniforms.keyGroups;
  let wg = flatWorkgroupIndex();
  let matrix = wg / groups;
  let group = wg - matrix * groups;
  let inRange = matrix < uniforms.matrices;
  let qBase = matrix * nq * D;
  let kBase = matrix * nk * D;
  let outBase = matrix * (2 * nk + groups * nq) * D;
  let dqBase = outBase + (2 * nk + group * nq) * D;
  let keyBlocks = (nk + ROWS - 1) / ROWS;
  let perGroup = (keyBlocks + groups - 1) / groups;
  // The workgroup index is not uniform to WGSL's analysis (tfjs copies it into a private variable), and
  // the loop holds barriers: its bounds pass through workgroup memory to be provably uniform.
  if (tid == 0) {
    blockRange[0] = f32(group * perGroup);
    blockRange[1] = f32(min(group * perGroup + perGroup, keyBlocks));
  }
  let range = workgroupUniformLoad(&blockRange);
  let firstBlock = i32(range[0]);
  let lastBlock = i32(range[1]);
  let queryBlocks = (nq + COLS - 1) / COLS;

  for (var kb = firstBlock; kb < lastBlock; kb++) {
    let key0 = kb * ROWS;
${loadKeyValueTile('ROWS')}
    // dK and dV for keys tr + GRID b, head dims tc + GRID e (dk_b_e, dv_b_e).
${each2(ka, de, (b, e) => `    var dk_${b}_${e} = 0.0;\n    var dv_${b}_${e} = 0.0;`)}

    for (var qb = 0; qb < queryBlocks; qb++) {
      let row0 = qb * COLS;
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

      // Scores and dP = dO V^T for query rows tr + GRID a and keys tc + GRID b (s_a_b, dp_a_b).
${each2(qa, ka, (a, b) => `      var s_${a}_${b} = 0.0;\n      var dp_${a}_${b} = 0.0;`)}
      for (var c = 0; c < D; c++) {
${each(qa, (a) => `        let q${a} = qTile[(tr + ${GRID * a}) * S + c];\n        let o${a} = dOTile[(tr + ${GRID * a}) * S + c];`)}
${each(ka, (b) => `        let k${b} = kTile[(tc + ${GRID * b}) * S + c];\n        let v${b} = vTile[(tc + ${GRID * b}) * S + c];`)}
${each2(qa, ka, (a, b) => `        s_${a}_${b} += q${a} * k${b};\n        dp_${a}_${b} += o${a} * v${b};`)}
      }
${each(qa, (a) => `      let lse${a} = lseTile[tr + ${GRID * a}];\n      let delta${a} = deltaTile[tr + ${GRID * a}];`)}
${each2(
  qa,
  ka,
  (a, b) => `      {
        let r = tr + ${GRID * a};
        let j = tc + ${GRID * b};
        var p = 0.0;
        if (row0 + r < nq && key0 + j < nk) { p = exp(s_${a}_${b} * SCALE - lse${a}); }
        pTile[r * ROWS + j] = p;
        dSTile[r * ROWS + j] = p * (dp_${a}_${b} - delta${a});
      }`,
)}
      workgroupBarrier();

      for (var r = 0; r < COLS; r++) {
${each(ka, (b) => `        let p${b} = pTile[r * ROWS + tr + ${GRID * b}];\n        let ds${b} = dSTile[r * ROWS + tr + ${GRID * b}];`)}
${each(de, (e) => `        let o${e} = dOTile[r * S + tc + ${GRID * e}];\n        let q${e} = qTile[r * S + tc + ${GRID * e}];`)}
${each2(ka, de, (b, e) => `        dv_${b}_${e} += p${b} * o${e};\n        dk_${b}_${e} += ds${b} * q${e};`)}
      }

      // This query block's dQ from this key block, for query rows tr + GRID a, head dims tc + GRID e.
${each2(qa, de, (a, e) => `      var dq_${a}_${e} = 0.0;`)}
      for (var j = 0; j < ROWS; j++) {
${each(qa, (a) => `        let ds${a} = dSTile[(tr + ${GRID * a}) * ROWS + j];`)}
${each(de, (e) => `        let k${e} = kTile[j * S + tc + ${GRID * e}];`)}
${each2(qa, de, (a, e) => `        dq_${a}_${e} += ds${a} * k${e};`)}
      }
${each2(
  qa,
  de,
  (a, e) => `      if (inRange && row0 + tr + ${GRID * a} < nq && tc + ${GRID * e} < D) {
        let at = dqBase + (row0 + tr + ${GRID * a}) * D + tc + ${GRID * e};
        var previous = 0.0;
        if (kb > firstBlock) { previous = result[at]; }
        result[at] = previous + dq_${a}_${e} * SCALE;
      }`,
)}
      workgroupBarrier();
    }

${each2(
  ka,
  de,
  (b, e) => `    if (inRange && key0 + tr + ${GRID * b} < nk && tc + ${GRID * e} < D) {
      let at = outBase + (key0 + tr + ${GRID * b}) * D + tc + ${GRID * e};
      result[at] = dk_${b}_${e} * SCALE;
      result[at + nk * D] = dv_${b}_${e};
    }`,
)}
  }
}
`;
  }
}
