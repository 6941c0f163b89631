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

let cachedKey = '';
let cached: ThemeColors | null = null;

function read(): ThemeColors {
  const style = getComputedStyle(document.documentElement);
  const values = Object.fromEntries(
    Object.entries(VARIABLES).map(([name, variable]) => [
      name,
      style.getPropertyValue(variable).trim() || '#888',
    ]),
  ) as unknown as ThemeColors;
  const key = JSON.stringify(values);
  if (key !== cachedKey) {
    cachedKey = key;
    cached = values;
  }
  return cached!;
}

function subscribe(onChange: () => void): () => void {
  const observer = new MutationObserver(onChange);
  observer.observe(document.documentElement, {
    attributes: true,
    attributeFilter: ['data-theme', 'class', 'style'],
  });
  const media = matchMedia('(prefers-color-scheme: dark)');
  media.addEventListener('change', onChange);
  return () => {
    observer.disconnect();
    media.removeEventListener('change', onChange);
  };
}

export function useThemeColors(): ThemeColors {
  return useSyncExternalStore(subscribe, read);
}
