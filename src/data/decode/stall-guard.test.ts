import { describe, expect, it } from 'vitest';
import { DecoderStalledError } from '../errors.ts';
import { withStallGuard } from './stall-guard.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('withStallGuard', () => {
  it('rejects a decode that makes no progress, and says what stalled', async () => {
    let stalled = false;
    const never = new Promise<never>(() => undefined);
    const started = performance.now();
    const guarded = withStallGuard(
      never,
      () => started,
      50,
      'the test decoder',
      () => (stalled = true),
    );
    await expect(guarded).rejects.toBeInstanceOf(DecoderStalledError);
    await expect(guarded).rejects.toThrow(/the test decoder stopped responding/);
    expect(stalled).toBe(true);
  });

  it('lets a slow decode finish while it keeps reporting progress', async () => {
    let last = performance.now();
    const slow = (async () => {
      for (let i = 0; i < 15; i++) {
        await sleep(20);
        last = performance.now();
      }
      return 'done';
    })();
    // 300 ms in all, longer than the 200 ms stall limit, but never 200 ms without progress.
    await expect(withStallGuard(slow, () => last, 200, 'slow decoder')).resolves.toBe('done');
  });

  it('passes a decoder error through unchanged', async () => {
    const failing = Promise.reject(new RangeError('bad chunk'));
    await expect(withStallGuard(failing, () => performance.now(), 1000, 'x')).rejects.toThrow(RangeError);
  });
});
