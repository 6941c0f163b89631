/**
 * The pretraining slice: the two pretraining slots as the engine reports them (VideoMAE's masked-cube
 * reconstruction on the dataset's clips), the reconstruction view of a chosen clip, the pretrainings the
 * runs can start from, and the actions of the Pretrain stage. Events are queued and folded in with the pure
 * reducer a few times a second, as the training slice does.
 */
import { create } from 'zustand';
import {
  getEngine,
  type ExportedModelFiles,
  type PretrainEvent,
  type PretrainingInfo,
  type PretrainSlot,
  type ReconstructionView,
  type StartFrom,
} from '../worker/index.ts';
import { useDataset } from './dataset.ts';
import { connectEngineToData } from './engine-link.ts';
import { errorOf, useModel } from './model.ts';
import { emptyPretrainData, reducePretrainEvents, resetSlot, type PretrainData } from './pretrain-reducer.ts';
import { useSettings } from './settings.ts';
import { FLUSH_INTERVAL_MS, TrainingSetupError } from './training-errors.ts';

export type PretrainPhase = 'idle' | 'preparing' | 'training';
export type PretrainAction = 'pause' | 'resume' | 'stop';

export interface OnDemandView {
  slot: PretrainSlot;
  clipId: string;
  loading: boolean;
  view: ReconstructionView | null;
  error: string | null;
}

interface PretrainingState {
  data: PretrainData;
  phase: PretrainPhase;
  /** The slot the stage shows and the one that trains (one pretraining at a time). */
  slot: PretrainSlot;
  /** The slot training now, while phase is not idle. */
  activeSlot: PretrainSlot | null;
  /** Why the last start or control failed, shown where the loss curve is. */
  error: string | null;
  pending: PretrainAction | null;
  /** Pretrainings in this tab or saved in OPFS (what the runs can start from). */
  infos: PretrainingInfo[];
  /** The clip the reconstruction view shows (null: the one the pretraining picked). */
  viewClipId: string | null;
  onDemand: OnDemandView | null;
  chooseSlot(slot: PretrainSlot): void;
  /** Pretrains `slot` with its settings; `resume` continues from its last checkpoint. */
  start(slot: PretrainSlot, options?: { resume?: boolean }): Promise<void>;
  pause(): Promise<void>;
  resume(): Promise<void>;
  stop(): Promise<void>;
  refreshPretrainings(): Promise<void>;
  /** Shows `clipId` in the reconstruction view, reconstructed from the slot's current weights. */
  showClip(clipId: string | null): Promise<void>;
  exportPretraining(slot: PretrainSlot, as: 'pretraining' | 'encoder'): Promise<ExportedModelFiles>;
  receiveEvents(events: PretrainEvent[]): void;
  flushEvents(): void;
}

let queue: PretrainEvent[] = [];
let flushTimer: ReturnType<typeof setTimeout> | null = null;

/**
 * Whether a slot has weights a run can start from: a pretraining saved or made in this tab that took at
 * least one step.
 */
export function slotHasWeights(
  slot: PretrainSlot,
  infos: readonly PretrainingInfo[],
  data: PretrainData,
): boolean {
  if (infos.some((info) => info.slot === slot && info.step > 0)) return true;
  const state = data.slots[slot].state;
  return state !== null && state.step > 0 && state.status !== 'running' && state.status !== 'queued';
}

/** Why a run cannot start from `start` now, or null when it can. */
export function startFromProblem(start: StartFrom, infos: readonly PretrainingInfo[], data: PretrainData) {
  if (start === 'model' || start === 'random') return null;
  return slotHasWeights(start, infos, data) ? null : `${slotLabel(start)} has no weights yet`;
}

export function slotLabel(slot: PretrainSlot): string {
  return slot === 'pretraining-1' ? 'Pretraining 1' : 'Pretraining 2';
}

export const usePretraining = create<PretrainingState>()((set, get) => {
  async function control(action: PretrainAction): Promise<void> {
    const slot = get().activeSlot;
    if (slot === null) return;
    set({ pending: action });
    try {
      const method =
        action === 'pause'
          ? 'pausePretraining'
          : action === 'resume'
            ? 'resumePretraining'
            : 'stopPretraining';
      await getEngine().call(method, slot);
    } catch (error) {
      set({ error: `Could not ${action} ${slotLabel(slot)}: ${errorOf(error).message}` });
    } finally {
      set({ pending: null });
    }
  }

  /** Keeps a view asked for on demand current: when the pretraining shows another clip, ask again. */
  function followChosenClip(): void {
    const { viewClipId, activeSlot, data, onDemand } = get();
    if (viewClipId === null || activeSlot === null || onDemand?.loading) return;
    const live = data.slots[activeSlot].view;
    if (!live || live.clipId === viewClipId) return;
    if (onDemand && onDemand.slot === activeSlot && onDemand.view && onDemand.view.step >= live.step) return;
    void get().showClip(viewClipId);
  }

  return {
    data: emptyPretrainData(),
    phase: 'idle',
    slot: 'pretraining-1',
    activeSlot: null,
    error: null,
    pending: null,
    infos: [],
    viewClipId: null,
    onDemand: null,

    chooseSlot(slot) {
      set({ slot, onDemand: null });
      // The chosen clip stays chosen: reconstruct it with the other slot's weights.
      const { viewClipId } = get();
      if (viewClipId !== null) void get().showClip(viewClipId);
    },

    async start(slot, options = {}) {
      if (get().phase !== 'idle') return;
      set({ phase: 'preparing', activeSlot: slot, slot, error: null });
      try {
        const index = useDataset.getState().index;
        if (!index || !index.clips.some((c) => c.split === 'train')) {
          throw new TrainingSetupError('Load a dataset first: pretraining needs clips in train/.');
        }
        if (!(await useModel.getState().prepare())) {
          const modelError = useModel.getState().error;
          throw new TrainingSetupError(`The model is not ready: ${modelError?.message ?? 'unknown error'}`);
        }
        const config = useSettings.getState().pretraining[slot];
        const { viewClipId } = get();
        set((s) => ({
          phase: 'training',
          data: options.resume ? s.data : resetSlot(s.data, slot),
          onDemand: null,
        }));
        await connectEngineToData();
        await getEngine().call(
          'startPretraining',
          {
            slot,
            config,
            preprocess: useDataset.getState().preprocess,
            ...(options.resume ? { resume: true } : {}),
            ...(viewClipId !== null ? { viewClipId } : {}),
          },
          (events) => get().receiveEvents(events),
        );
      } catch (error) {
        set({ error: errorOf(error).message });
      } finally {
        get().flushEvents();
        set({ phase: 'idle', pending: null, activeSlot: null });
        void get().refreshPretrainings();
        void useDataset.getState().refreshIndex();
      }
    },

    pause: () => control('pause'),
    resume: () => control('resume'),
    stop: () => control('stop'),

    async refreshPretrainings() {
      try {
        set({ infos: await getEngine().call('pretrainings') });
      } catch (error) {
        set({ error: `Could not list the pretrainings: ${errorOf(error).message}` });
      }
    },

    async showClip(clipId) {
      const slot = get().slot;
      set({ viewClipId: clipId });
      if (clipId === null) {
        set({ onDemand: null });
        return;
      }
      const { infos, data } = get();
      // A slot that never trained has no weights to reconstruct with: its live view will show the clip.
      if (data.slots[slot].state === null && !slotHasWeights(slot, infos, data)) {
        set({ onDemand: null });
        return;
      }
      set({ onDemand: { slot, clipId, loading: true, view: get().onDemand?.view ?? null, error: null } });
      try {
        // Reconstructing reads the clip through the data worker at the model's input size.
        if (!(await useModel.getState().prepare())) {
          throw new TrainingSetupError(
            `The model is not ready: ${useModel.getState().error?.message ?? 'unknown error'}`,
          );
        }
        await connectEngineToData();
        const view = await getEngine().call('reconstruct', slot, clipId);
        if (get().viewClipId !== clipId) return;
        set({ onDemand: { slot, clipId, loading: false, view, error: null } });
      } catch (error) {
        if (get().viewClipId !== clipId) return;
        set({ onDemand: { slot, clipId, loading: false, view: null, error: errorOf(error).message } });
      }
    },

    exportPretraining(slot, as) {
      return getEngine().call('exportPretraining', slot, as);
    },

    receiveEvents(events) {
      queue.push(...events);
      flushTimer ??= setTimeout(() => get().flushEvents(), FLUSH_INTERVAL_MS);
    },

    flushEvents() {
      if (flushTimer !== null) clearTimeout(flushTimer);
      flushTimer = null;
      if (queue.length === 0) return;
      const events = queue;
      queue = [];
      set((s) => ({ data: reducePretrainEvents(s.data, events) }));
      followChosenClip();
    },
  };
});
