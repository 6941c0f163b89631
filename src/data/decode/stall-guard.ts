/**
 * A decoder that stops making progress must not hold a clip (and the batch waiting on it) forever: the
 * guard rejects once nothing has happened for `stallMs`, measured from the last sign of progress, so a long
 * but moving decode is never cut short.
 */
import { DecoderStalledError } from '../errors.ts';

const CHECK_EVERY_MS = 1000;

export function withStallGuard<T>(
  work: Promise<T>,
  lastProgress: () => number,
  stallMs: number,
  what: string,
  onStall?: () => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setInterval(
      () => {
        const idle = performance.now() - lastProgress();
        if (idle < stallMs) return;
        clearInterval(timer);
        onStall?.();
        reject(
          new DecoderStalledError(`${what} stopped responding (nothing for ${Math.round(idle / 1000)} s)`),
        );
      },
      Math.min(CHECK_EVERY_MS, stallMs),
    );
    work.then(
      (value) => {
        clearInterval(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearInterval(timer);
        reject(error);
      },
    );
  });
}
