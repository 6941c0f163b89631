/**
 * Engine events -> what the page shows, as a pure function (tested in Node). The engine streams batches of
 * events; a batch becomes one new state, and a run that got nothing in a batch keeps its identity, so charts
 * of an idle run never recompute.
 *
 * Curves can rewind: a run resumed from its last checkpoint streams again from the step after it, so a point
 * at or before the end of a curve replaces everything from that step on.
 */
import {
  type EngineEvent,
  type EvalPoint,
  type Prediction,
  type RunId,
  type RunState,
  type StepPoint,
  RUN_IDS,
} from '../worker/index.ts';

export interface RunMessage {
  status: RunState['status'];
  text: string;
  step: number;
}

export interface RunData {
  state: RunState | null;
  /** Training steps in step order. */
  steps: readonly StepPoint[];
  /** Validation evaluations in step order. */
  val: readonly EvalPoint[];
  test: EvalPoint | null;
  predictions: readonly Prediction[];
  /** Every distinct message the engine gave this run (failures, pauses, NaN steps), oldest first. */
  messages: readonly RunMessage[];
}

export interface LogEntry {
  level: 'info' | 'warning' | 'error';
  message: string;
}

export interface TrainingData {
  runs: Record<RunId, RunData>;
  log: readonly LogEntry[];
}

/** The log keeps its last entries only: it is for the user to read, not an archive. */
export const LOG_LIMIT = 200;

export const EMPTY_RUN: RunData = {
  state: null,
  steps: [],
  val: [],
  test: null,
  predictions: [],
  messages: [],
};

export function emptyTrainingData(): TrainingData {
  return { runs: { A: EMPTY_RUN, B: EMPTY_RUN }, log: [] };
}

/** First index whose step is >= `step` (the arrays are in step order). */
function lowerBound(points: readonly { step: number }[], step: number): number {
  let lo = 0;
  let hi = points.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (points[mid]!.step < step) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** `incoming` (in step order) after the points of `existing` that come before its first step. */
function appendPoints<P extends { step: number }>(existing: readonly P[], incoming: readonly P[]): P[] {
  const keep = lowerBound(existing, incoming[0]!.step);
  return existing.slice(0, keep).concat(incoming);
}

/** Appends in place to a batch the reducer owns, rewinding when a point goes back in steps. */
function pushInOrder<P extends { step: number }>(points: P[], point: P): void {
  if (points.length > 0 && point.step <= points[points.length - 1]!.step)
    points.length = lowerBound(points, point.step);
  points.push(point);
}

/** Drops evaluations and the test result made at or after `step` (a rewind past them). */
function rewindEvaluations(run: RunData, step: number): RunData {
  const valEnd = lowerBound(run.val, step);
  const val = valEnd < run.val.length ? run.val.slice(0, valEnd) : run.val;
  const test = run.test && run.test.step >= step ? null : run.test;
  return val === run.val && test === run.test ? run : { ...run, val, test };
}

interface RunBatch {
  steps: StepPoint[];
  val: EvalPoint[];
  test: EvalPoint | null;
  state: RunState | null;
  messages: RunMessage[];
  predictions: Prediction[] | null;
}

function emptyBatch(): RunBatch {
  return { steps: [], val: [], test: null, state: null, messages: [], predictions: null };
}

function applyBatch(run: RunData, batch: RunBatch): RunData {
  let next = run;
  if (batch.steps.length > 0) {
    next = rewindEvaluations(next, batch.steps[0]!.step);
    next = { ...next, steps: appendPoints(next.steps, batch.steps) };
  }
  if (batch.val.length > 0) next = { ...next, val: appendPoints(next.val, batch.val) };
  if (batch.test) next = { ...next, test: batch.test };
  if (batch.predictions) next = { ...next, predictions: batch.predictions };
  if (batch.state) next = { ...next, state: batch.state };
  if (batch.messages.length > 0) {
    const messages = [...next.messages];
    for (const message of batch.messages) {
      const last = messages[messages.length - 1];
      if (!last || last.text !== message.text) messages.push(message);
    }
    next = { ...next, messages };
  }
  return next;
}

export function reduceEngineEvents(data: TrainingData, events: readonly EngineEvent[]): TrainingData {
  if (events.length === 0) return data;
  const batches = new Map<RunId, RunBatch>();
  const batchOf = (id: RunId) => {
    let batch = batches.get(id);
    if (!batch) batches.set(id, (batch = emptyBatch()));
    return batch;
  };
  const log: LogEntry[] = [];
  for (const event of events) {
    switch (event.type) {
      case 'step': {
        const batch = batchOf(event.point.runId);
        pushInOrder(batch.steps, event.point);
        break;
      }
      case 'eval': {
        const batch = batchOf(event.point.runId);
        if (event.point.split === 'test') batch.test = event.point;
        else pushInOrder(batch.val, event.point);
        break;
      }
      case 'state': {
        const batch = batchOf(event.state.runId);
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
      case 'predictions':
        batchOf(event.runId).predictions = event.items;
        break;
      case 'log':
        log.push({ level: event.level, message: event.message });
        break;
    }
  }
  let runs = data.runs;
  for (const [id, batch] of batches) {
    if (!RUN_IDS.includes(id)) continue;
    runs = { ...runs, [id]: applyBatch(runs[id], batch) };
  }
  const nextLog = log.length > 0 ? [...data.log, ...log].slice(-LOG_LIMIT) : data.log;
  return runs === data.runs && nextLog === data.log ? data : { runs, log: nextLog };
}

/** Clears the curves and results of runs that start again from scratch. */
export function resetRuns(data: TrainingData, ids: readonly RunId[]): TrainingData {
  if (ids.length === 0) return data;
  const runs = { ...data.runs };
  for (const id of ids) runs[id] = EMPTY_RUN;
  return { ...data, runs };
}

/** Marks runs as waiting before the engine has said anything, so the page reacts at once. */
export function markQueued(data: TrainingData, ids: readonly RunId[], totalSteps: Record<RunId, number>) {
  const runs = { ...data.runs };
  for (const id of ids) {
    const previous = runs[id].state;
    runs[id] = {
      ...runs[id],
      state: {
        runId: id,
        status: 'queued',
        step: previous?.step ?? 0,
        totalSteps: previous?.totalSteps ?? totalSteps[id],
        epoch: previous?.epoch ?? 0,
        elapsedMs: previous?.elapsedMs ?? 0,
        clipsPerSecond: previous?.clipsPerSecond ?? 0,
        message: null,
        lastCheckpoint: previous?.lastCheckpoint ?? null,
        problems: [],
      },
    };
  }
  return { ...data, runs };
}
