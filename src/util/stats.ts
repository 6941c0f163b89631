/** The middle of a list of numbers (the mean of the two middle ones for an even count); NaN when empty. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** `value` to `digits` significant digits, for figures in benchmark JSON. */
export function toSignificant(value: number, digits = 3): number {
  return Number(value.toPrecision(digits));
}
