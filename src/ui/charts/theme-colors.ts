/**
 * The theme's colours as literal values, for charts: an SVG exported as PNG cannot resolve CSS variables,
 * so the lines get the colours themselves. Re-read when the theme or the system's colour scheme changes.
 */
import { useSyncExternalStore } from 'react';

export interface ThemeColors {
  runA: string;
  runB: string;
  imported: string;
  text: string;
  muted: string;
  grid: string;
  surface: string;
}

const VARIABLES: Record<keyof ThemeColors, string> = {
  runA: '--run-a',
  runB: '--run-b',
  imported: '--run-imported',
  text: '--text',
  muted: '--muted',
  grid: '--border',
  surface: '--surface',
};

let cached: ThemeColors | null = null;

/**
 * Reading computed styles forces a style recalculation, and every chart asks on every render: the colours
 * are read once, then again only after the theme or the colour scheme changed.
 */
function read(): ThemeColors {
  if (cached) return cached;
  const style = getComputedStyle(document.documentElement);
  cached = Object.fromEntries(
    Object.entries(VARIABLES).map(([name, variable]) => [
      name,
      style.getPropertyValue(variable).trim() || '#888',
    ]),
  ) as unknown as ThemeColors;
  return cached;
}

const listeners = new Set<() => void>();
let stopWatching: (() => void) | null = null;

/** One watcher for the page: when the colours really changed, every chart hears it. */
function watchTheme(): () => void {
  const changed = () => {
    const before = JSON.stringify(cached);
    cached = null;
    if (JSON.stringify(read()) !== before) for (const listener of listeners) listener();
  };
  const observer = new MutationObserver(changed);
  observer.observe(document.documentElement, {
    attributes: true,
    attributeFilter: ['data-theme', 'class', 'style'],
  });
  const media = matchMedia('(prefers-color-scheme: dark)');
  media.addEventListener('change', changed);
  return () => {
    observer.disconnect();
    media.removeEventListener('change', changed);
  };
}

function subscribe(onChange: () => void): () => void {
  listeners.add(onChange);
  stopWatching ??= watchTheme();
  return () => {
    listeners.delete(onChange);
    if (listeners.size === 0) {
      stopWatching?.();
      stopWatching = null;
      // Nobody watches now: the next reader must look again.
      cached = null;
    }
  };
}

export function useThemeColors(): ThemeColors {
  return useSyncExternalStore(subscribe, read);
}
