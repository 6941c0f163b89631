import { useEffect, useRef, useState } from 'react';
import { flushSync } from 'react-dom';

/**
 * `value`, updated at most once per `intervalMs` (and always to the latest value in the end). Charts
 * redraw everything they show on each update, so they follow the store at this pace, not at every batch.
 */
export function useThrottled<T>(value: T, intervalMs: number): T {
  const [shown, setShown] = useState(value);
  const lastUpdate = useRef(0);
  useEffect(() => {
    if (Object.is(value, shown)) return;
    const wait = Math.max(0, lastUpdate.current + intervalMs - performance.now());
    const timer = setTimeout(() => {
      lastUpdate.current = performance.now();
      setShown(value);
    }, wait);
    return () => clearTimeout(timer);
  }, [value, shown, intervalMs]);
  return shown;
}

const redraws: (() => void)[] = [];
let pumping = false;

function pump(): void {
  const redraw = redraws.shift();
  if (!redraw) {
    pumping = false;
    return;
  }
  redraw();
  // A macrotask between two redraws: clicks and keys queued meanwhile are handled first.
  setTimeout(pump, 0);
}

/**
 * `value`, taken over one component at a time: each waiting component redraws synchronously in its own task,
 * so five charts updating together make five short tasks instead of one long one that would hold a click.
 */
export function useStaggered<T>(value: T): T {
  const [shown, setShown] = useState(value);
  useEffect(() => {
    if (Object.is(value, shown)) return;
    let cancelled = false;
    redraws.push(() => {
      if (!cancelled) flushSync(() => setShown(value));
    });
    if (!pumping) {
      pumping = true;
      setTimeout(pump, 0);
    }
    return () => {
      cancelled = true;
    };
  }, [value, shown]);
  return shown;
}
