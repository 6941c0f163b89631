/**
 * The tensor summaries of the VideoMAE reference fixtures ({shape, mean, std, l2, min, max, first16},
 * statistics in float64 of float32 values) and their comparison. Pure: used by Node tests and by the
 * browser harness alike.
 */

export interface TensorSummary {
  shape: number[];
  mean: number;
  std: number;
  l2: number;
  min: number;
  max: number;
  first16: number[];
}

export function summarize(values: ArrayLike<number>, shape: readonly number[]): TensorSummary {
  let sum = 0;
  let sumSquares = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    sum += v;
    sumSquares += v * v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const mean = sum / values.length;
  let variance = 0;
  for (let i = 0; i < values.length; i++) variance += (values[i]! - mean) ** 2;
  return {
    shape: [...shape],
    mean,
    std: Math.sqrt(variance / values.length),
    l2: Math.sqrt(sumSquares),
    min,
    max,
    first16: Array.from({ length: Math.min(16, values.length) }, (_, i) => values[i]!),
  };
}

/**
 * The largest disagreement between two summaries: absolute for mean/min/max/first16, relative for std and
 * l2 (which scale with the tensor). Shapes must match exactly.
 */
export function summaryDifference(
  actual: TensorSummary,
  expected: TensorSummary,
): { abs: number; rel: number; shapeOk: boolean } {
  const shapeOk =
    actual.shape.length === expected.shape.length && actual.shape.every((d, i) => d === expected.shape[i]);
  let abs = Math.max(
    Math.abs(actual.mean - expected.mean),
    Math.abs(actual.min - expected.min),
    Math.abs(actual.max - expected.max),
  );
  for (let i = 0; i < expected.first16.length; i++)
    abs = Math.max(abs, Math.abs((actual.first16[i] ?? NaN) - expected.first16[i]!));
  const rel = Math.max(
    Math.abs(actual.std - expected.std) / Math.max(expected.std, 1e-12),
    Math.abs(actual.l2 - expected.l2) / Math.max(expected.l2, 1e-12),
  );
  return { abs: Number.isNaN(abs) ? Infinity : abs, rel: Number.isNaN(rel) ? Infinity : rel, shapeOk };
}

/** Mean over the batch of sum_c -t_c log_softmax(z)_c, in float64 (the fixtures' soft-label CE). */
export function softCrossEntropy(
  logits: readonly (readonly number[])[],
  targets: readonly (readonly number[])[],
): number {
  let total = 0;
  logits.forEach((row, b) => {
    const max = Math.max(...row);
    const logSum = Math.log(row.reduce((s, z) => s + Math.exp(z - max), 0)) + max;
    row.forEach((z, c) => (total -= targets[b]![c]! * (z - logSum)));
  });
  return total / logits.length;
}
