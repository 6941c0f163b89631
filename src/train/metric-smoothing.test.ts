import { describe, expect, it } from 'vitest';
import { EmaSmoother, smoothSeries, WindowedMean } from './metric-smoothing.ts';

describe('curve smoothing', () => {
  it('debiases the EMA: a constant series stays constant from the first point', () => {
    expect(smoothSeries([2, 2, 2, 2], 0.9)).toEqual([2, 2, 2, 2].map((v) => expect.closeTo(v, 12)));
  });

  it('follows the TensorBoard formula', () => {
    const w = 0.6;
    const values = [1, 3, 2, 5];
    let last = 0;
    const expected = values.map((v, i) => {
      last = last * w + (1 - w) * v;
      return last / (1 - w ** (i + 1));
    });
    smoothSeries(values, w).forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 12));
    expect(smoothSeries(values, 0)).toEqual(values);
  });

  it('skips non-finite points instead of turning the line into NaN', () => {
    const ema = new EmaSmoother(0.5);
    expect(ema.push(Number.NaN)).toBeNaN();
    expect(ema.push(4)).toBe(4);
    expect(ema.push(Number.POSITIVE_INFINITY)).toBe(4);
    expect(() => new EmaSmoother(1)).toThrow(RangeError);
  });

  it('windowed mean over the last N finite values', () => {
    const mean = new WindowedMean(3);
    expect([1, 2, 3, 4, Number.NaN, 8].map((v) => mean.push(v))).toEqual([1, 1.5, 2, 3, 3, 5]);
    expect(() => new WindowedMean(0)).toThrow(RangeError);
  });
});
