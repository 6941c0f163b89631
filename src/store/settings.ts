/**
 * The settings slice: defaults, then what local storage remembers, then what the URL says (a shared link
 * wins). Every change is written back to both, so the address bar always holds a shareable configuration.
 */
import { create } from 'zustand';
import { APP_SETTINGS_SCHEMA, type AppSettings } from './app-settings.ts';
import { decodeParams, defaultsOf, encodeParams } from './schema.ts';

const STORAGE_KEY = 'videomae-playground.settings';

interface SettingsState {
  app: AppSettings;
  /** URL parameters that named a setting but held an invalid value, shown to the user once. */
  rejectedParams: { key: string; text: string }[];
  setAppSetting<K extends keyof AppSettings>(key: K, value: AppSettings[K]): void;
}

function readStoredParams(): URLSearchParams {
  try {
    return new URLSearchParams(globalThis.localStorage?.getItem(STORAGE_KEY) ?? '');
  } catch {
    return new URLSearchParams();
  }
}

function initialSettings(): Pick<SettingsState, 'app' | 'rejectedParams'> {
  const stored = decodeParams(APP_SETTINGS_SCHEMA, readStoredParams());
  const fromUrl = decodeParams(APP_SETTINGS_SCHEMA, new URLSearchParams(globalThis.location?.search ?? ''));
  return {
    app: { ...defaultsOf(APP_SETTINGS_SCHEMA), ...stored.values, ...fromUrl.values },
    rejectedParams: fromUrl.rejected,
  };
}

function persist(app: AppSettings): void {
  if (typeof window === 'undefined') return;
  const url = new URL(window.location.href);
  encodeParams(APP_SETTINGS_SCHEMA, app, url.searchParams);
  window.history.replaceState(window.history.state, '', url);
  const stored = new URLSearchParams();
  encodeParams(APP_SETTINGS_SCHEMA, app, stored);
  try {
    window.localStorage.setItem(STORAGE_KEY, stored.toString());
  } catch {
    // Storage can be full or disabled (private mode); the URL still holds the settings.
  }
}

export const useSettings = create<SettingsState>()((set, get) => ({
  ...initialSettings(),
  setAppSetting(key, value) {
    const app = { ...get().app, [key]: value };
    set({ app });
    persist(app);
  },
}));
