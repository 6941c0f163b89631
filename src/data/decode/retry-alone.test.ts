import { describe, expect, it } from 'vitest';
import { ClipRejectedError, DecoderFaultError, UnsupportedCodecError } from '../errors.ts';
import { retryAlone, retryStats, SharedExclusiveLock } from './retry-alone.ts';

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('SharedExclusiveLock', () => {
  it('lets shared holders overlap and runs an exclusive holder with nobody else', async () => {
    const lock = new SharedExclusiveLock();
    const log: string[] = [];
    let running = 0;
    let maxShared = 0;
    const shared = (name: string) =>
      lock.run(false, async () => {
        running++;
        maxShared = Math.max(maxShared, running);
        log.push(`${name}+`);
        await tick();
        log.push(`${name}-`);
        running--;
      });
    const first = [shared('a'), shared('b')];
    const exclusive = lock.run(true, async () => {
      expect(running).toBe(0);
      log.push('X+');
      await tick();
      log.push('X-');
    });
    await Promise.all([...first, exclusive, shared('c')]);
    expect(maxShared).toBe(2);
    // a and b started before X asked; c asked after X and waits for it.
    expect(log.indexOf('X+')).toBeGreaterThan(Math.max(log.indexOf('a-'), log.indexOf('b-')));
    expect(log.indexOf('c+')).toBeGreaterThan(log.indexOf('X-'));
  });
});

describe('retryAlone', () => {
  it('retries a failed decode once on a fresh decoder and counts the recovery', async () => {
    const before = retryStats();
    const attempts: boolean[] = [];
    const value = await retryAlone(async (fresh) => {
      attempts.push(fresh);
      if (!fresh)
        throw new DecoderFaultError('ffmpeg.wasm crashed (RuntimeError: memory access out of bounds)');
      return 'frames';
    });
    expect(value).toBe('frames');
    expect(attempts).toEqual([false, true]);
    const after = retryStats();
    expect(after.retried - before.retried).toBe(1);
    expect(after.recovered - before.recovered).toBe(1);
  });

  it('rejects a clip only after it failed again alone on a fresh decoder, saying so', async () => {
    const before = retryStats();
    const failure = retryAlone(async (fresh) => {
      throw fresh
        ? new ClipRejectedError('corrupt or unsupported video (Invalid data found when processing input)')
        : new DecoderFaultError('ffmpeg.wasm crashed (RuntimeError: unreachable)');
    });
    await expect(failure).rejects.toBeInstanceOf(ClipRejectedError);
    await expect(failure).rejects.toThrow(
      /Invalid data found.*before that, on a shared decoder: ffmpeg\.wasm crashed.*again alone on a fresh decoder/,
    );
    expect(retryStats().rejected - before.rejected).toBe(1);
  });

  it('does not retry a codec no decoder here handles, nor cancelled work', async () => {
    let calls = 0;
    const unsupported = retryAlone(async () => {
      calls++;
      throw new UnsupportedCodecError('this browser cannot decode HEVC');
    });
    await expect(unsupported).rejects.toBeInstanceOf(UnsupportedCodecError);
    expect(calls).toBe(1);
    const abort = new AbortController();
    abort.abort();
    calls = 0;
    await expect(
      retryAlone(async () => {
        calls++;
        throw new Error('aborted');
      }, abort.signal),
    ).rejects.toThrow('aborted');
    expect(calls).toBe(1);
  });
});
