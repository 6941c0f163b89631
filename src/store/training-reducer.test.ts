import { describe, expect, it } from 'vitest';
import type { EngineEvent, EvalPoint, RunId, RunState, StepPoint } from '../worker/index.ts';
import {
  emptyTrainingData,
  LOG_LIMIT,
  markQueued,
  reduceEngineEvents,
  resetRuns,
  type TrainingData,
} from './training-reducer.ts';

function step(runId: RunId, n: number, loss = 1 / n): EngineEvent {
  const point: StepPoint = {
    runId,
    step: n,
    epoch: n / 10,
    loss,
    accuracy: 0.5,
    accuracyTarget: 'label',
    lr: 1e-4,
    gradNorm: null,
    clipsPerSecond: 8,
    elapsedMs: n * 100,
  };
  return { type: 'step', point };
}

function evaluation(runId: RunId, n: number, split: 'val' | 'test' = 'val', top1 = 0.5): EngineEvent {
  const point: EvalPoint = {
    runId,
    split,
    step: n,
    epoch: n / 10,
    loss: 1,
    top1,
    top5: 1,
    confusion: [
      [1, 0],
      [0, 1],
    ],
    clips: 2,
    elapsedMs: n * 100,
  };
  return { type: 'eval', point };
}

function state(runId: RunId, patch: Partial<RunState> = {}): EngineEvent {
  return {
    type: 'state',
    state: {
      runId,
      status: 'running',
      step: 0,
      totalSteps: 20,
      epoch: 0,
      elapsedMs: 0,
      clipsPerSecond: 0,
      message: null,
      lastCheckpoint: null,
      problems: [],
      ...patch,
    },
  };
}

const stepsOf = (data: TrainingData, id: RunId) => data.runs[id].steps.map((p) => p.step);

describe('reduceEngineEvents', () => {
  it('appends steps per run in one pass and keeps untouched runs identical', () => {
    const start = emptyTrainingData();
    const next = reduceEngineEvents(start, [step('A', 1), step('A', 2), step('A', 3)]);
    expect(stepsOf(next, 'A')).toEqual([1, 2, 3]);
    expect(next.runs.B).toBe(start.runs.B);
    const after = reduceEngineEvents(next, [step('B', 1), step('A', 4)]);
    expect(stepsOf(after, 'A')).toEqual([1, 2, 3, 4]);
    expect(stepsOf(after, 'B')).toEqual([1]);
    // The earlier state is not mutated: a chart holding it still sees what it drew.
    expect(stepsOf(next, 'A')).toEqual([1, 2, 3]);
  });

  it('returns the same object for an empty batch or one with nothing for the runs', () => {
    const data = emptyTrainingData();
    expect(reduceEngineEvents(data, [])).toBe(data);
  });

  it('separates validation from the test result and keeps the latest state', () => {
    let data = reduceEngineEvents(emptyTrainingData(), [
      step('A', 1),
      evaluation('A', 1),
      state('A', { step: 1 }),
      step('A', 2),
      evaluation('A', 2, 'val', 0.75),
      evaluation('A', 2, 'test', 0.8),
      state('A', { step: 2, status: 'finished' }),
    ]);
    expect(data.runs.A.val.map((p) => p.top1)).toEqual([0.5, 0.75]);
    expect(data.runs.A.test?.top1).toBe(0.8);
    expect(data.runs.A.state?.status).toBe('finished');
    data = reduceEngineEvents(data, [{ type: 'predictions', runId: 'A', items: [] }]);
    expect(data.runs.A.predictions).toEqual([]);
  });

  it('rewinds curves when a resumed run streams again from its checkpoint', () => {
    let data = reduceEngineEvents(emptyTrainingData(), [
      step('A', 1),
      step('A', 2),
      evaluation('A', 2),
      step('A', 3),
      step('A', 4),
      evaluation('A', 4),
      evaluation('A', 4, 'test'),
    ]);
    // The device was lost after step 4; the last checkpoint was at step 2: the engine streams 3 again.
    data = reduceEngineEvents(data, [step('A', 3, 0.3), step('A', 4, 0.25)]);
    expect(stepsOf(data, 'A')).toEqual([1, 2, 3, 4]);
    expect(data.runs.A.steps[2]!.loss).toBe(0.3);
    expect(data.runs.A.val.map((p) => p.step)).toEqual([2]);
    expect(data.runs.A.test).toBeNull();
  });

  it('rewinds inside one batch too', () => {
    const data = reduceEngineEvents(emptyTrainingData(), [step('B', 1), step('B', 2), step('B', 2, 9)]);
    expect(stepsOf(data, 'B')).toEqual([1, 2]);
    expect(data.runs.B.steps[1]!.loss).toBe(9);
  });

  it('keeps every distinct message of a run, once', () => {
    const data = reduceEngineEvents(emptyTrainingData(), [
      state('A', { status: 'paused', message: 'The GPU device was lost; paused at step 7.' }),
      state('A', { status: 'paused', message: 'The GPU device was lost; paused at step 7.' }),
      state('A', { status: 'running', message: null }),
      state('A', { status: 'failed', step: 9, message: 'Loss became NaN at step 9.' }),
    ]);
    expect(data.runs.A.messages.map((m) => [m.status, m.text])).toEqual([
      ['paused', 'The GPU device was lost; paused at step 7.'],
      ['failed', 'Loss became NaN at step 9.'],
    ]);
    expect(data.runs.A.state?.status).toBe('failed');
  });

  it('keeps the last LOG_LIMIT log lines', () => {
    const events: EngineEvent[] = Array.from({ length: LOG_LIMIT + 5 }, (_, i) => ({
      type: 'log',
      level: 'info',
      message: `line ${i}`,
    }));
    const data = reduceEngineEvents(emptyTrainingData(), events);
    expect(data.log).toHaveLength(LOG_LIMIT);
    expect(data.log[0]!.message).toBe('line 5');
    expect(data.runs.A.steps).toEqual([]);
  });

  it('ten thousand steps in batches of fifty keep every point in order', () => {
    let data = emptyTrainingData();
    for (let b = 0; b < 200; b++) {
      const batch: EngineEvent[] = [];
      for (let i = 1; i <= 50; i++) batch.push(step('A', b * 50 + i), step('B', b * 50 + i));
      data = reduceEngineEvents(data, batch);
    }
    expect(data.runs.A.steps).toHaveLength(10_000);
    expect(data.runs.B.steps[9_999]!.step).toBe(10_000);
  });
});

describe('resetRuns and markQueued', () => {
  it('clears only the runs that start again', () => {
    const data = reduceEngineEvents(emptyTrainingData(), [step('A', 1), step('B', 1)]);
    const reset = resetRuns(data, ['B']);
    expect(stepsOf(reset, 'A')).toEqual([1]);
    expect(stepsOf(reset, 'B')).toEqual([]);
  });

  it("marks runs as queued with their planned steps, keeping a resumed run's progress", () => {
    const data = reduceEngineEvents(emptyTrainingData(), [state('A', { status: 'paused', step: 5 })]);
    const queued = markQueued(data, ['A', 'B'], { A: 20, B: 30 });
    expect(queued.runs.A.state).toMatchObject({ status: 'queued', step: 5, totalSteps: 20 });
    expect(queued.runs.B.state).toMatchObject({ status: 'queued', step: 0, totalSteps: 30 });
  });
});
