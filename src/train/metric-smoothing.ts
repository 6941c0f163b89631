/**
 * Smoothers for noisy training curves. The chart keeps the raw points and draws a smoothed line over
 * them, as TensorBoard does; non-finite values (a NaN step) are skipped rather than poisoning the line.
 */

/**
 * Exponential moving average with TensorBoard's debiasing: without it the first points are pulled toward
 * zero, because the average starts at 0.
 */
export class EmaSmoother {
  private last = 0;
  private seen = 0;

  constructor(readonly weight: number) {
    if (!(weight >= 0 && weight < 1)) throw new RangeError(`EMA weight must be in [0, 1), got ${weight}`);
  }

  /** Adds a value; returns the smoothed value so far (NaN until the first finite value). */
  push(value: number): number {
    if (Number.isFinite(value)) {
      this.last = this.last * this.weight + (1 - this.weight) * value;
      this.seen += 1;
    }
    return this.value;
  }

  get value(): number {
    if (this.seen === 0) return Number.NaN;
    return this.last / (1 - Math.pow(this.weight, this.seen));
  }
}

/** Mean of the last `size` finite values. */
export class WindowedMean {
  private readonly values: number[] = [];
  private sum = 0;

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`window size must be >= 1, got ${size}`);
  }

  push(value: number): number {
    if (Number.isFinite(value)) {
      this.values.push(value);
      this.sum += value;
      if (this.values.length > this.size) this.sum -= this.values.shift()!;
    }
    return this.value;
  }

  get value(): number {
    // Re-summing the small window avoids drift from adding and subtracting over a long run.
    return this.values.length === 0
      ? Number.NaN
      : this.values.reduce((a, b) => a + b, 0) / this.values.length;
  }
}

/** A whole series smoothed at once (for redrawing a chart when the user changes the smoothing). */
export function smoothSeries(values: readonly number[], weight: number): number[] {
  const smoother = new EmaSmoother(weight);
  return values.map((value) => smoother.push(value));
}
