/**
 * Limits how often metrics cross from the worker to the page, so a fast run never floods the UI thread.
 *
 * Messages are sent in batches, at most `maxPerSecond` batches a second. Step points are all kept (a curve
 * needs every point; a batch carries them together); 'latest' messages (progress, throughput) keep only
 * the newest pending one; 'now' messages (evaluations, the end of a run, errors) go out at once with
 * everything pending before them, in order. A pending batch always goes out after the interval, so the
 * latest point is never held back.
 */

export type Delivery = 'keep' | 'latest' | 'now';

export interface ThrottleClock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realClock: ThrottleClock = {
  now: () => performance.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

interface Pending<T> {
  message: T;
  delivery: Delivery;
  /** Messages with the same key replace each other when their delivery is 'latest'. */
  key: string;
}

export class MetricThrottle<T> {
  private pending: Pending<T>[] = [];
  private lastSent = Number.NEGATIVE_INFINITY;
  private timer: unknown = null;
  private readonly interval: number;

  constructor(
    private readonly send: (messages: T[]) => void,
    maxPerSecond: number,
    private readonly clock: ThrottleClock = realClock,
  ) {
    if (!(maxPerSecond > 0)) throw new RangeError(`maxPerSecond must be > 0, got ${maxPerSecond}`);
    this.interval = 1000 / maxPerSecond;
  }

  push(message: T, delivery: Delivery = 'keep', key = ''): void {
    if (delivery === 'latest') {
      this.pending = this.pending.filter((p) => !(p.delivery === 'latest' && p.key === key));
    }
    this.pending.push({ message, delivery, key });
    if (delivery === 'now') {
      this.flush();
      return;
    }
    const wait = this.lastSent + this.interval - this.clock.now();
    if (wait <= 0) this.flush();
    else if (this.timer === null) {
      this.timer = this.clock.setTimeout(() => {
        this.timer = null;
        this.flush();
      }, wait);
    }
  }

  /** Sends everything pending now (also at the end of a run). */
  flush(): void {
    if (this.timer !== null) {
      this.clock.clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.pending.length === 0) return;
    const messages = this.pending.map((p) => p.message);
    this.pending = [];
    this.lastSent = this.clock.now();
    this.send(messages);
  }

  /** Stops the timer; pending messages are dropped (the run is gone). */
  dispose(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
    this.pending = [];
  }
}
