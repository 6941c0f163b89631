import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { throttle } from './throttle.ts';

describe('throttle', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('runs the first call at once and only the last of a burst when the interval ends', () => {
    const calls: number[] = [];
    const write = throttle((v: number) => calls.push(v), 300);
    for (let v = 1; v <= 100; v++) write(v);
    expect(calls).toEqual([1]);
    vi.advanceTimersByTime(299);
    expect(calls).toEqual([1]);
    vi.advanceTimersByTime(1);
    expect(calls).toEqual([1, 100]);
    vi.advanceTimersByTime(1000);
    write(101);
    expect(calls).toEqual([1, 100, 101]);
  });

  it('flushes a pending call on demand, and nothing when none is pending', () => {
    const calls: string[] = [];
    const write = throttle((v: string) => calls.push(v), 300);
    write('a');
    write('b');
    write.flush();
    expect(calls).toEqual(['a', 'b']);
    write.flush();
    vi.advanceTimersByTime(1000);
    expect(calls).toEqual(['a', 'b']);
  });
});
