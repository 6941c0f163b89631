/**
 * The rule for decoder failures: a failure is the decoder's until the clip has failed alone on a fresh
 * decoder. A first failure (an ffmpeg.wasm instance that aborted, ran out of memory or hung, a WebCodecs
 * decoder that errored) is retried on a new decoder while no other decode runs, so neither a leaking instance
 * nor a machine busy with other decodes can be blamed; only a clip that fails again there is rejected, with a
 * reason that says so.
 */
import {
  ClipRejectedError,
  DecoderFaultError,
  IngestCancelledError,
  messageOf,
  UnsupportedCodecError,
} from '../errors.ts';

/** Many shared holders or one exclusive holder; a waiting exclusive request goes before later shared ones. */
export class SharedExclusiveLock {
  private shared = 0;
  private exclusive = false;
  private readonly queue: { exclusive: boolean; grant: () => void }[] = [];

  async run<T>(exclusive: boolean, task: () => Promise<T>): Promise<T> {
    await this.acquire(exclusive);
    try {
      return await task();
    } finally {
      if (exclusive) this.exclusive = false;
      else this.shared--;
      this.pump();
    }
  }

  private acquire(exclusive: boolean): Promise<void> {
    if (this.queue.length === 0 && this.grantable(exclusive)) {
      this.take(exclusive);
      return Promise.resolve();
    }
    return new Promise((grant) => this.queue.push({ exclusive, grant }));
  }

  private grantable(exclusive: boolean): boolean {
    return exclusive ? !this.exclusive && this.shared === 0 : !this.exclusive;
  }

  private take(exclusive: boolean): void {
    if (exclusive) this.exclusive = true;
    else this.shared++;
  }

  private pump(): void {
    while (this.queue.length > 0 && this.grantable(this.queue[0]!.exclusive)) {
      const next = this.queue.shift()!;
      this.take(next.exclusive);
      next.grant();
    }
  }
}

export interface RetryStats {
  /** First failures retried alone on a fresh decoder. */
  retried: number;
  /** Of those, clips that decoded on the retry: decoder faults that cost nothing. */
  recovered: number;
  /** Clips that failed again alone on a fresh decoder, and were rejected. */
  rejected: number;
}

const lock = new SharedExclusiveLock();
const stats: RetryStats = { retried: 0, recovered: 0, rejected: 0 };

export function retryStats(): RetryStats {
  return { ...stats };
}

/** Not worth a retry: the work was cancelled, or no decoder here handles the codec at all. */
function final(error: unknown, signal?: AbortSignal): boolean {
  return (
    signal?.aborted === true ||
    error instanceof IngestCancelledError ||
    error instanceof UnsupportedCodecError
  );
}

/**
 * Runs `attempt(false)`, sharing the decoders with other work; on failure runs `attempt(true)` (a fresh
 * decoder) with every other decode held back. Rejects with a ClipRejectedError only after both failed.
 */
export async function retryAlone<T>(
  attempt: (fresh: boolean) => Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  let first: unknown;
  try {
    return await lock.run(false, () => attempt(false));
  } catch (error) {
    if (final(error, signal)) throw error;
    first = error;
  }
  stats.retried++;
  try {
    const value = await lock.run(true, () => attempt(true));
    stats.recovered++;
    return value;
  } catch (error) {
    if (final(error, signal)) throw error;
    stats.rejected++;
    const reason = messageOf(error);
    const firstReason = messageOf(first);
    const told =
      firstReason === reason ? reason : `${reason}; before that, on a shared decoder: ${firstReason}`;
    const fault = error instanceof DecoderFaultError ? 'the decoder failed on it' : 'it failed';
    throw new ClipRejectedError(`${told} (${fault} again alone on a fresh decoder)`);
  }
}
