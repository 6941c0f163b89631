import { describe, expect, it } from 'vitest';
import {
  PRETRAIN_CONFIG_SCHEMA,
  type PretrainEvent,
  type PretrainSlot,
  type PretrainState,
  type ReconstructionView,
} from '../worker/index.ts';
import { defaultsOf } from '../util/schema.ts';
import {
  emptyPretrainData,
  recentLoss,
  reducePretrainEvents,
  resetSlot,
  shownView,
} from './pretrain-reducer.ts';
import { LOG_LIMIT } from './training-reducer.ts';
import { slotHasWeights, startFromProblem } from './pretraining.ts';

const P1: PretrainSlot = 'pretraining-1';
const P2: PretrainSlot = 'pretraining-2';

function step(slot: PretrainSlot, n: number, loss = 1 / n): PretrainEvent {
  return {
    type: 'pretrain-step',
    point: {
      slot,
      step: n,
      epoch: n / 4,
      loss,
      lr: 1e-5,
      gradNorm: null,
      clipsPerSecond: 3,
      elapsedMs: n * 50,
    },
  };
}

function state(
  slot: PretrainSlot,
  status: PretrainState['status'],
  n: number,
  message: string | null = null,
) {
  const s: PretrainState = {
    slot,
    status,
    config: defaultsOf(PRETRAIN_CONFIG_SCHEMA),
    step: n,
    totalSteps: 40,
    epoch: n / 4,
    elapsedMs: n * 50,
    clipsPerSecond: 3,
    clips: 16,
    message,
    lastCheckpoint: null,
    problems: [],
  };
  return { type: 'pretrain-state', state: s } as const;
}

function view(slot: PretrainSlot, clipId: string, n: number): ReconstructionView {
  const frame = { width: 2, height: 2, rgba: new Uint8ClampedArray(16) };
  return {
    slot,
    clipId,
    path: `train/a/${clipId}.mp4`,
    step: n,
    loss: 0.5,
    maskRatio: 0.75,
    original: [frame],
    masked: [frame],
    reconstruction: [frame],
  };
}

describe('pretraining events into the Pretrain stage', () => {
  it('appends steps per slot in order and keeps an untouched slot as it was', () => {
    const empty = emptyPretrainData();
    const data = reducePretrainEvents(empty, [step(P1, 1), step(P1, 2), state(P1, 'running', 2)]);
    expect(data.slots[P1].points.map((p) => p.step)).toEqual([1, 2]);
    expect(data.slots[P1].state?.status).toBe('running');
    expect(data.slots[P2]).toBe(empty.slots[P2]);
    expect(reducePretrainEvents(data, [])).toBe(data);
  });

  it('rewinds the curve when a resumed pretraining streams again from its checkpoint', () => {
    let data = reducePretrainEvents(
      emptyPretrainData(),
      [1, 2, 3, 4, 5].map((n) => step(P1, n)),
    );
    data = reducePretrainEvents(data, [step(P1, 4, 9), step(P1, 5, 8), step(P1, 6, 7)]);
    expect(data.slots[P1].points.map((p) => [p.step, p.loss])).toEqual([
      [1, 1],
      [2, 0.5],
      [3, 1 / 3],
      [4, 9],
      [5, 8],
      [6, 7],
    ]);
    // Within one batch too.
    data = reducePretrainEvents(data, [step(P1, 7), step(P1, 2, 4)]);
    expect(data.slots[P1].points.map((p) => p.step)).toEqual([1, 2]);
  });

  it('keeps the newest reconstruction, distinct messages and the log (bounded)', () => {
    const log = Array.from({ length: LOG_LIMIT + 3 }, (_, i): PretrainEvent => ({
      type: 'log',
      level: 'warning',
      message: `m${i}`,
    }));
    const data = reducePretrainEvents(emptyPretrainData(), [
      { type: 'pretrain-reconstruction', view: view(P2, 'x', 3) },
      { type: 'pretrain-reconstruction', view: view(P2, 'x', 6) },
      state(P2, 'paused', 6, 'Paused'),
      state(P2, 'paused', 6, 'Paused'),
      state(P2, 'failed', 6, 'Out of memory'),
      ...log,
    ]);
    expect(data.slots[P2].view?.step).toBe(6);
    expect(data.slots[P2].messages.map((m) => m.text)).toEqual(['Paused', 'Out of memory']);
    expect(data.log).toHaveLength(LOG_LIMIT);
    expect(data.log[LOG_LIMIT - 1]!.message).toBe(`m${LOG_LIMIT + 2}`);
    expect(resetSlot(data, P2).slots[P2].view).toBeNull();
  });

  it('shows the newest view of the chosen clip, from the live stream or asked for on demand', () => {
    const live = view(P1, 'a', 8);
    const asked = view(P1, 'b', 5);
    expect(shownView(live, asked, P1, null)).toBe(live);
    expect(shownView(live, asked, P1, 'b')).toBe(asked);
    expect(shownView(live, view(P1, 'a', 4), P1, 'a')).toBe(live);
    expect(shownView(view(P1, 'a', 2), view(P1, 'a', 4), P1, 'a')?.step).toBe(4);
    expect(shownView(live, asked, P2, null)).toBeNull();
    expect(shownView(live, null, P1, 'c')).toBeNull();
  });

  it('averages the last steps’ loss, NaN before any', () => {
    const data = reducePretrainEvents(
      emptyPretrainData(),
      [1, 2, 3, 4].map((n) => step(P1, n, n)),
    );
    expect(recentLoss(data.slots[P1].points, 2)).toBe(3.5);
    expect(recentLoss([], 2)).toBeNaN();
  });
});

describe('start weights from a pretraining', () => {
  it('needs a slot that took a step and is not training now', () => {
    const empty = emptyPretrainData();
    expect(startFromProblem('model', [], empty)).toBeNull();
    expect(startFromProblem('random', [], empty)).toBeNull();
    expect(startFromProblem(P1, [], empty)).toBe('Pretraining 1 has no weights yet');
    const running = reducePretrainEvents(empty, [state(P1, 'running', 3)]);
    expect(slotHasWeights(P1, [], running)).toBe(false);
    const paused = reducePretrainEvents(empty, [state(P1, 'paused', 3)]);
    expect(slotHasWeights(P1, [], paused)).toBe(true);
    const saved = {
      slot: P2,
      config: defaultsOf(PRETRAIN_CONFIG_SCHEMA),
      status: 'finished' as const,
      step: 40,
      epoch: 10,
      loss: 0.3,
      savedAt: 1,
    };
    expect(startFromProblem(P2, [saved], empty)).toBeNull();
    expect(startFromProblem(P2, [{ ...saved, step: 0 }], empty)).toBe('Pretraining 2 has no weights yet');
  });
});
