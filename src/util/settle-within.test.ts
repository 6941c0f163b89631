import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { settleWithin } from './settle-within.ts';

describe('settleWithin', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("gives the work's result when it settles in time, and leaves no timer behind", async () => {
    const onTimeout = vi.fn(() => 'late');
    const result = settleWithin(Promise.resolve('done'), 1000, onTimeout);
    await expect(result).resolves.toBe('done');
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(2000);
    expect(onTimeout).not.toHaveBeenCalled();
  });

  it("gives onTimeout's value once the time is up, calling it once", async () => {
    const onTimeout = vi.fn(() => null);
    const result = settleWithin(new Promise<string>(() => {}), 1000, onTimeout);
    await vi.advanceTimersByTimeAsync(999);
    expect(onTimeout).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    await expect(result).resolves.toBeNull();
    expect(onTimeout).toHaveBeenCalledTimes(1);
  });

  it('passes on a rejection that comes in time', async () => {
    const result = settleWithin(Promise.reject(new Error('broken')), 1000, () => 'late');
    await expect(result).rejects.toThrow('broken');
    expect(vi.getTimerCount()).toBe(0);
  });
});
