/**
 * At most one call per `intervalMs`: the first at once, the last of a burst when the interval ends (so the
 * final value always lands). For writes that browsers limit, such as `history.replaceState` (Safari throws
 * after 100 calls in 30 s; a slider drag makes one per pixel).
 */
export interface Throttled<A extends unknown[]> {
  (...args: A): void;
  /** Runs a pending trailing call now (before the page goes away). */
  flush(): void;
}

export function throttle<A extends unknown[]>(fn: (...args: A) => void, intervalMs: number): Throttled<A> {
  let last = -Infinity;
  let pending: A | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const run = (args: A) => {
    last = Date.now();
    pending = null;
    fn(...args);
  };
  const flush = () => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    if (pending) run(pending);
  };
  const throttled = (...args: A) => {
    const wait = last + intervalMs - Date.now();
    if (wait <= 0 && timer === null) {
      run(args);
      return;
    }
    pending = args;
    timer ??= setTimeout(flush, Math.max(0, wait));
  };
  return Object.assign(throttled, { flush });
}
