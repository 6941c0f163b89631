import { describe, expect, it } from 'vitest';
import { median, toSignificant } from './stats.ts';

describe('median', () => {
  it('takes the middle value, or the mean of the two middle ones, whatever the order', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
    expect(median([])).toBeNaN();
  });
});

describe('toSignificant', () => {
  it('keeps the given number of significant digits', () => {
    expect(toSignificant(12345.678)).toBe(12300);
    expect(toSignificant(0.0012345, 2)).toBe(0.0012);
  });
});
