/**
 * `work`'s result, or `onTimeout()`'s if `work` has not settled within `ms`. The timer is cleared either
 * way, so a promise that settles in time leaves nothing pending. A rejection of `work` within `ms`
 * propagates; `work` itself is not cancelled (promises cannot be), only no longer waited for.
 */
export async function settleWithin<T, F = T>(
  work: Promise<T>,
  ms: number,
  onTimeout: () => F,
): Promise<T | F> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<F>((resolve) => {
    timer = setTimeout(() => resolve(onTimeout()), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
