/**
 * The settings slice: the app settings (compute backend) and the experiment (model, runs A and B, view).
 * Defaults, then what local storage remembers, then what the URL says (a shared link wins). Every change
 * is written back to both, so the address bar always holds a shareable configuration.
 *
 * App settings merge key by key. The experiment is all or nothing: when the URL names any experiment
 * setting it describes the whole experiment, so a shared link never mixes with the receiver's own runs.
 */
import { create } from 'zustand';
import { throttle } from '../util/throttle.ts';
import {
  presetById,
  type PresetId,
  type PretrainConfig,
  type PretrainSlot,
  type RunConfig,
  type RunConfigKey,
  type RunId,
  type StartFrom,
} from '../worker/index.ts';
import { APP_SETTINGS_SCHEMA, type AppSettings } from './app-settings.ts';
import type { ModelSettings } from './model-settings.ts';
import { decodeParams, defaultsOf, encodeParams } from '../util/schema.ts';
import {
  comparisonPartner,
  decodeExperiment,
  defaultExperiment,
  defaultRunsFor,
  encodeExperiment,
  hasExperimentParams,
  type Experiment,
  type RunSettings,
} from './url-state.ts';
import type { ViewSettings } from './view-settings.ts';

const STORAGE_KEY = 'videomae-playground.settings';

interface SettingsState extends Experiment {
  app: AppSettings;
  /** URL parameters that named a setting but held an invalid value, shown to the user once. */
  rejectedParams: { key: string; text: string }[];
  setAppSetting<K extends keyof AppSettings>(key: K, value: AppSettings[K]): void;
  setModelSetting<K extends keyof ModelSettings>(key: K, value: ModelSettings[K]): void;
  setViewSetting<K extends keyof ViewSettings>(key: K, value: ViewSettings[K]): void;
  setRunSetting<K extends RunConfigKey>(run: RunId, key: K, value: RunConfig[K]): void;
  /** Replaces a run's settings with a preset's. */
  applyRunPreset(run: RunId, preset: PresetId): void;
  /** Replaces a run's settings (e.g. with a saved run's, to resume it). */
  setRun(run: RunId, settings: RunSettings): void;
  /** B becomes A with CutMix flipped: the comparison the page is for. */
  resetBFromA(): void;
  setPretrainSetting<K extends keyof PretrainConfig>(
    slot: PretrainSlot,
    key: K,
    value: PretrainConfig[K],
  ): void;
  /** Both runs start from the same weights (after a pretraining: "fine-tune A and B from it"). */
  startBothFrom(start: StartFrom): void;
  dismissRejectedParams(): void;
}

type Persisted = Pick<SettingsState, 'app' | 'model' | 'view' | 'runs' | 'pretraining'>;

function readStoredParams(): URLSearchParams {
  try {
    return new URLSearchParams(globalThis.localStorage?.getItem(STORAGE_KEY) ?? '');
  } catch {
    return new URLSearchParams();
  }
}

function initialSettings(): Persisted & Pick<SettingsState, 'rejectedParams'> {
  const stored = readStoredParams();
  const url = new URLSearchParams(globalThis.location?.search ?? '');
  const storedApp = decodeParams(APP_SETTINGS_SCHEMA, stored);
  const urlApp = decodeParams(APP_SETTINGS_SCHEMA, url);
  const fromUrl = hasExperimentParams(url);
  const experiment = fromUrl
    ? decodeExperiment(url)
    : hasExperimentParams(stored)
      ? decodeExperiment(stored)
      : { experiment: defaultExperiment(), rejected: [] };
  return {
    app: { ...defaultsOf(APP_SETTINGS_SCHEMA), ...storedApp.values, ...urlApp.values },
    ...experiment.experiment,
    rejectedParams: [...urlApp.rejected, ...(fromUrl ? experiment.rejected : [])],
  };
}

function encodeAll(state: Persisted, params: URLSearchParams): void {
  encodeParams(APP_SETTINGS_SCHEMA, state.app, params);
  encodeExperiment(state, params);
}

/** How often the URL and local storage are written at most (a slider drag would write per pixel). */
const PERSIST_INTERVAL_MS = 300;

function write(state: Persisted): void {
  if (typeof window === 'undefined') return;
  const url = new URL(window.location.href);
  encodeAll(state, url.searchParams);
  window.history.replaceState(window.history.state, '', url);
  const stored = new URLSearchParams();
  encodeAll(state, stored);
  try {
    window.localStorage.setItem(STORAGE_KEY, stored.toString());
  } catch {
    // Storage can be full or disabled (private mode); the URL still holds the settings.
  }
}

const persist = throttle(write, PERSIST_INTERVAL_MS);
if (typeof window !== 'undefined') window.addEventListener('pagehide', () => persist.flush());

/** Whether the user has chosen or edited a run in this session (then the runs never follow the model). */
let runsChosen = false;

function sameRuns(a: Record<RunId, RunSettings>, b: Record<RunId, RunSettings>): boolean {
  return (['A', 'B'] as const).every(
    (id) =>
      a[id].preset === b[id].preset &&
      (Object.keys(b[id].config) as RunConfigKey[]).every((key) => a[id].config[key] === b[id].config[key]),
  );
}

export const useSettings = create<SettingsState>()((set, get) => {
  const update = (patch: Partial<Persisted>) => {
    set(patch);
    const { app, model, view, runs, pretraining } = get();
    persist({ app, model, view, runs, pretraining });
  };
  const updateRun = (run: RunId, settings: RunSettings) =>
    update({ runs: { ...get().runs, [run]: settings } });
  /** A change to A carries over to B while B is still A with CutMix flipped (nobody edited B yet). */
  const changeRun = (run: RunId, settings: RunSettings) => {
    const { runs } = get();
    if (run === 'A' && bFollowsA(runs)) update({ runs: { A: settings, B: comparisonPartner(settings) } });
    else updateRun(run, settings);
  };
  return {
    ...initialSettings(),
    setAppSetting(key, value) {
      update({ app: { ...get().app, [key]: value } });
    },
    setModelSetting(key, value) {
      const { model, runs } = get();
      const next = { ...model, [key]: value };
      // Runs still on the old model's recipe (nobody chose another) follow the model to its own: from
      // scratch for random weights, the write-up's for a pretrained checkpoint.
      const follow = !runsChosen && sameRuns(runs, defaultRunsFor(model));
      update(follow ? { model: next, runs: defaultRunsFor(next) } : { model: next });
    },
    setViewSetting(key, value) {
      update({ view: { ...get().view, [key]: value } });
    },
    setRunSetting(run, key, value) {
      runsChosen = true;
      const current = get().runs[run];
      changeRun(run, { ...current, config: { ...current.config, [key]: value } });
    },
    applyRunPreset(run, preset) {
      runsChosen = true;
      changeRun(run, { preset, config: presetById(preset).config });
    },
    setRun(run, settings) {
      runsChosen = true;
      updateRun(run, settings);
    },
    resetBFromA() {
      runsChosen = true;
      updateRun('B', comparisonPartner(get().runs.A));
    },
    setPretrainSetting(slot, key, value) {
      const { pretraining } = get();
      update({ pretraining: { ...pretraining, [slot]: { ...pretraining[slot], [key]: value } } });
    },
    startBothFrom(start) {
      runsChosen = true;
      const { runs } = get();
      // Both at once, so B keeps following A when it did (its other settings are untouched).
      update({
        runs: {
          A: { ...runs.A, config: { ...runs.A.config, startFrom: start } },
          B: { ...runs.B, config: { ...runs.B.config, startFrom: start } },
        },
      });
    },
    dismissRejectedParams() {
      set({ rejectedParams: [] });
    },
  };
});

/** Whether B is exactly A with CutMix flipped, so edits to A carry over to it. */
export function bFollowsA(runs: Record<RunId, RunSettings>): boolean {
  const partner = comparisonPartner(runs.A);
  return (
    runs.B.preset === partner.preset &&
    (Object.keys(partner.config) as RunConfigKey[]).every((key) => partner.config[key] === runs.B.config[key])
  );
}

/** Writes the current settings to the URL and local storage (once at start, so the address is complete). */
export function persistSettings(): void {
  const { app, model, view, runs, pretraining } = useSettings.getState();
  persist({ app, model, view, runs, pretraining });
  persist.flush();
}

/** The page's current settings written as a link (what "Copy link" shares). */
export function shareableUrl(): string {
  const { app, model, view, runs, pretraining } = useSettings.getState();
  const url = new URL(window.location.href);
  encodeAll({ app, model, view, runs, pretraining }, url.searchParams);
  return url.toString();
}
