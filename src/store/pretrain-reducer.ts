/**
 * Pretraining events -> what the Pretrain stage shows, as a pure function (tested in Node), in the manner of
 * training-reducer.ts: a batch of events becomes one new state, a slot that got nothing keeps its identity,
 * and a curve rewinds when a resumed pretraining streams again from the step after its checkpoint.
 */
import {
  PRETRAIN_SLOTS,
  type PretrainEvent,
  type PretrainPoint,
  type PretrainSlot,
  type PretrainState,
  type ReconstructionView,
} from '../worker/index.ts';
import { LOG_LIMIT, type LogEntry, type RunMessage } from './training-reducer.ts';

export interface SlotData {
  state: PretrainState | null;
  /** Optimizer steps in step order. */
  points: readonly PretrainPoint[];
  /** The newest reconstruction the engine sent while pretraining. */
  view: ReconstructionView | null;
  /** Every distinct message the engine gave this slot, oldest first. */
  messages: readonly RunMessage[];
}

export interface PretrainData {
  slots: Record<PretrainSlot, SlotData>;
  log: readonly LogEntry[];
}

export const EMPTY_SLOT: SlotData = { state: null, points: [], view: null, messages: [] };

export function emptyPretrainData(): PretrainData {
  return { slots: { 'pretraining-1': EMPTY_SLOT, 'pretraining-2': EMPTY_SLOT }, log: [] };
}

interface SlotBatch {
  points: PretrainPoint[];
  state: PretrainState | null;
  view: ReconstructionView | null;
  messages: RunMessage[];
}

/** Index of the first point at or after `step`. */
function firstAtOrAfter(points: readonly PretrainPoint[], step: number): number {
  let lo = 0;
  let hi = points.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (points[mid]!.step < step) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function applyBatch(slot: SlotData, batch: SlotBatch): SlotData {
  let next = slot;
  if (batch.points.length > 0) {
    const keep = firstAtOrAfter(next.points, batch.points[0]!.step);
    next = { ...next, points: next.points.slice(0, keep).concat(batch.points) };
  }
  if (batch.view) next = { ...next, view: batch.view };
  if (batch.state) next = { ...next, state: batch.state };
  if (batch.messages.length > 0) {
    const messages = [...next.messages];
    for (const message of batch.messages) {
      if (messages[messages.length - 1]?.text !== message.text) messages.push(message);
    }
    next = { ...next, messages };
  }
  return next;
}

export function reducePretrainEvents(data: PretrainData, events: readonly PretrainEvent[]): PretrainData {
  if (events.length === 0) return data;
  const batches = new Map<PretrainSlot, SlotBatch>();
  const batchOf = (slot: PretrainSlot) => {
    let batch = batches.get(slot);
    if (!batch) batches.set(slot, (batch = { points: [], state: null, view: null, messages: [] }));
    return batch;
  };
  const log: LogEntry[] = [];
  for (const event of events) {
    switch (event.type) {
      case 'pretrain-step': {
        const points = batchOf(event.point.slot).points;
        if (points.length > 0 && event.point.step <= points[points.length - 1]!.step)
          points.length = firstAtOrAfter(points, event.point.step);
        points.push(event.point);
        break;
      }
      case 'pretrain-state': {
        const batch = batchOf(event.state.slot);
        batch.state = event.state;
        if (event.state.message) {
          batch.messages.push({
            status: event.state.status,
            text: event.state.message,
            step: event.state.step,
          });
        }
        break;
      }
      case 'pretrain-reconstruction':
        batchOf(event.view.slot).view = event.view;
        break;
      case 'log':
        log.push({ level: event.level, message: event.message });
        break;
    }
  }
  let slots = data.slots;
  for (const [slot, batch] of batches) {
    if (!PRETRAIN_SLOTS.includes(slot)) continue;
    slots = { ...slots, [slot]: applyBatch(slots[slot], batch) };
  }
  const nextLog = log.length > 0 ? [...data.log, ...log].slice(-LOG_LIMIT) : data.log;
  return slots === data.slots && nextLog === data.log ? data : { slots, log: nextLog };
}

/** A slot that starts again from scratch loses its curve, view and messages. */
export function resetSlot(data: PretrainData, slot: PretrainSlot): PretrainData {
  return { ...data, slots: { ...data.slots, [slot]: EMPTY_SLOT } };
}

/**
 * The reconstruction to show for the chosen clip: the newest (by step) of the live view and the one asked
 * for on demand that show that clip; with no clip chosen, whatever the pretraining shows.
 */
export function shownView(
  live: ReconstructionView | null,
  onDemand: ReconstructionView | null,
  slot: PretrainSlot,
  clipId: string | null,
): ReconstructionView | null {
  const candidates = [live, onDemand].filter(
    (v): v is ReconstructionView => v !== null && v.slot === slot && (clipId === null || v.clipId === clipId),
  );
  if (candidates.length === 0) return null;
  return candidates.reduce((best, v) => (v.step > best.step ? v : best));
}

/** Mean loss of the last `count` points: the status line's figure, steadier than the last step's. */
export function recentLoss(points: readonly PretrainPoint[], count = 10): number {
  const recent = points.slice(-count);
  if (recent.length === 0) return Number.NaN;
  return recent.reduce((sum, p) => sum + p.loss, 0) / recent.length;
}
