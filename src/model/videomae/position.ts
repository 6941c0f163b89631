/**
 * VideoMAE's fixed position table (`get_sinusoid_encoding_table`): not a parameter and not in any
 * checkpoint, so it must be recomputed exactly as the reference does, in float64 and then rounded to float32.
 */

/**
 * Row-major [tokens, hidden] table: angle(pos, j) = pos / 10000^(2 floor(j/2) / hidden); even columns take
 * the sine, odd columns the cosine (interleaved, not two concatenated halves).
 */
export function sinusoidTable(tokens: number, hidden: number): Float32Array {
  const table = new Float32Array(tokens * hidden);
  const denominators = Array.from({ length: hidden }, (_, j) =>
    Math.pow(10000, (2 * Math.floor(j / 2)) / hidden),
  );
  for (let pos = 0; pos < tokens; pos++) {
    for (let j = 0; j < hidden; j++) {
      const angle = pos / denominators[j]!;
      table[pos * hidden + j] = j % 2 === 0 ? Math.sin(angle) : Math.cos(angle);
    }
  }
  return table;
}
