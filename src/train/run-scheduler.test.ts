import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PREPROCESS } from '../data/clip-spec.ts';
import { VideoMAEForVideoClassification } from '../model/videomae/model.ts';
import { CheckpointStore, MemoryCheckpointStorage } from './checkpoint-store.ts';
import { RunScheduler, type DeviceWatch } from './run-scheduler.ts';
import { FRAMES, makeDataset, runConfig, SIZE, tinyConfig } from './testdata/tiny-task.ts';
import type { EngineEvent, RunId, RunState } from './types.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

interface Harness {
  scheduler: RunScheduler;
  events: EngineEvent[];
  checkpoints: CheckpointStore;
  states(id: RunId): RunState[];
  steps(id?: RunId): number[];
}

interface HarnessOptions {
  /** Sees every event as it is emitted, with the scheduler (to pause, stop, resume at a given moment). */
  onEvent?: (event: EngineEvent, scheduler: RunScheduler) => void;
  checkpoints?: CheckpointStore;
  datasetKey?: string;
  device?: DeviceWatch;
}

function harness(options: HarnessOptions = {}): Harness {
  const { source, dataset } = makeDataset({ train: 4, val: 1, test: 1 });
  const events: EngineEvent[] = [];
  const checkpoints = options.checkpoints ?? new CheckpointStore(new MemoryCheckpointStorage());
  const scheduler: RunScheduler = new RunScheduler({
    dataset,
    preprocess: { ...DEFAULT_PREPROCESS, imageSize: SIZE, numFrames: FRAMES },
    datasetKey: options.datasetKey ?? 'tiny-task',
    checkpoints,
    batchesFor: () => source,
    startingModel: () => VideoMAEForVideoClassification.create(tinyConfig(), { seed: 'start' }),
    emit: (event) => {
      events.push(event);
      options.onEvent?.(event, scheduler);
    },
    ...(options.device ? { device: options.device } : {}),
  });
  return {
    scheduler,
    events,
    checkpoints,
    states: (id) => events.flatMap((e) => (e.type === 'state' && e.state.runId === id ? [e.state] : [])),
    steps: (id) =>
      events.flatMap((e) => (e.type === 'step' && (!id || e.point.runId === id) ? [e.point.step] : [])),
  };
}

const twoRuns = (epochs = 1) => [
  { id: 'A' as const, config: runConfig({ epochs }) },
  { id: 'B' as const, config: runConfig({ epochs, cutmix: true }) },
];

describe('RunScheduler', () => {
  it('trains A and B in turn to the end: steps, evaluations, predictions, a checkpoint each', async () => {
    const h = harness();
    const tensors = tf.memory().numTensors;
    await h.scheduler.run(twoRuns(2), 'interleaved');
    for (const id of ['A', 'B'] as const) {
      expect(h.states(id).at(-1)).toMatchObject({ status: 'finished', problems: [] });
      const steps = h.events.filter((e) => e.type === 'step' && e.point.runId === id);
      // 12 training clips in batches of 4, 2 epochs.
      expect(steps).toHaveLength(6);
      const evals = h.events.flatMap((e) => (e.type === 'eval' && e.point.runId === id ? [e.point] : []));
      expect(evals.map((p) => p.split)).toEqual(['val', 'val', 'test']);
      expect(evals.every((p) => p.clips === p.splitClips)).toBe(true);
      expect(h.events.some((e) => e.type === 'predictions' && e.runId === id)).toBe(true);
    }
    // Interleaved: the first step of B comes right after the first of A.
    const order = h.events.flatMap((e) => (e.type === 'step' ? [e.point.runId] : []));
    expect(order.slice(0, 4)).toEqual(['A', 'B', 'A', 'B']);
    expect((await h.checkpoints.list()).map((c) => [c.runId, c.status])).toEqual([
      ['A', 'finished'],
      ['B', 'finished'],
    ]);
    // Everything the runs made is disposed at the end.
    expect(tf.memory().numTensors).toBe(tensors);
  });

  it('runs one after the other when asked, B queued until A has ended', async () => {
    const h = harness();
    await h.scheduler.run(twoRuns(), 'sequential');
    const order = h.events.flatMap((e) => (e.type === 'step' ? [e.point.runId] : []));
    expect(order).toEqual(['A', 'A', 'A', 'B', 'B', 'B']);
    expect(h.states('B')[0]!.status).toBe('queued');
  });

  it('pauses a run with a checkpoint, resumes it, and stops another, keeping its metrics', async () => {
    const h = harness({
      onEvent: (event, scheduler) => {
        // After A's first step: pause A; after B's second: stop B; once B has stopped, resume A.
        if (event.type === 'step' && event.point.runId === 'A' && event.point.step === 1)
          scheduler.pause('A');
        if (event.type === 'step' && event.point.runId === 'B' && event.point.step === 2) scheduler.stop('B');
        if (event.type === 'state' && event.state.runId === 'B' && event.state.status === 'stopped')
          scheduler.resume('A');
      },
    });
    await h.scheduler.run(twoRuns(2), 'interleaved');
    const pausedState = h.states('A').find((s) => s.status === 'paused');
    expect(pausedState?.lastCheckpoint?.step).toBe(1);
    expect(h.states('A').at(-1)!.status).toBe('finished');
    expect(h.steps('A')).toEqual([1, 2, 3, 4, 5, 6]);
    expect(h.states('B').at(-1)).toMatchObject({ status: 'stopped', step: 2 });
    expect(h.states('B').at(-1)!.message).toMatch(/Stopped by you/);
    expect((await h.checkpoints.load('B'))?.status).toBe('stopped');
  });

  it('resumes a run from its checkpoint on the same dataset, and refuses one made on another', async () => {
    const checkpoints = new CheckpointStore(new MemoryCheckpointStorage());
    const first = harness({
      checkpoints,
      onEvent: (event, scheduler) => {
        if (event.type === 'step' && event.point.step === 3) scheduler.stop(event.point.runId);
      },
    });
    await first.scheduler.run([twoRuns(2)[0]!], 'interleaved');
    expect((await checkpoints.load('A'))?.progress.step).toBe(3);

    const again = harness({ checkpoints });
    await again.scheduler.run([twoRuns(2)[0]!], 'interleaved', ['A']);
    // The restored curve (steps 1-3), then steps 4-6 trained now.
    expect(again.steps()).toEqual([1, 2, 3, 4, 5, 6]);
    expect(again.events.some((e) => e.type === 'log' && /resumes from step 3/.test(e.message))).toBe(true);
    expect(again.states('A').at(-1)!.status).toBe('finished');

    const elsewhere = harness({ checkpoints, datasetKey: 'another-dataset' });
    await elsewhere.scheduler.run([twoRuns(2)[0]!], 'interleaved', ['A']);
    expect(elsewhere.states('A').at(-1)!.status).toBe('failed');
    expect(elsewhere.states('A').at(-1)!.message).toMatch(/made on another dataset/);
  });

  it('pauses every run when the device is lost, and Resume rebuilds them from their checkpoints', async () => {
    let lost: string | null = null;
    let revived = 0;
    const device: DeviceWatch = {
      lost: () => lost,
      settle: async () => undefined,
      revive: async () => {
        revived++;
        lost = null;
      },
    };
    const h = harness({
      device,
      onEvent: (event, scheduler) => {
        // Lose the device at A's fourth step, after both runs checkpointed at the end of their first epoch.
        if (event.type === 'step' && event.point.runId === 'A' && event.point.step === 4 && revived === 0) {
          lost = 'The GPU device was lost (simulated)';
          scheduler.deviceLost(lost);
        }
        // Resume both as soon as B is paused: a step of A may still be running; the rebuild waits for it.
        if (event.type === 'state' && event.state.status === 'paused' && event.state.runId === 'B') {
          scheduler.resume('A');
          scheduler.resume('B');
        }
      },
    });
    await h.scheduler.run(twoRuns(2), 'interleaved');
    expect(revived).toBe(1);
    expect(h.states('A').map((s) => s.message)).toContain('The GPU device was lost (simulated)');
    for (const id of ['A', 'B'] as const) expect(h.states(id).at(-1)!.status, `run ${id}`).toBe('finished');
    // Both went on from their checkpoints (end of epoch 1), not from the start, and no step ran on the lost
    // device after Resume: each curve is steps 1-3, then 4-6 once.
    for (const id of ['A', 'B'] as const) {
      const resumed = h.events.some(
        (e) => e.type === 'log' && e.message.startsWith(`Run ${id} resumes from step 3`),
      );
      expect(resumed, `run ${id} resumed from its checkpoint`).toBe(true);
    }
    expect(h.steps('B')).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('fails a run whose loss is not finite, naming the step, and lets the other finish', async () => {
    const h = harness();
    await h.scheduler.run(
      [
        { id: 'A', config: runConfig({ lr: 1e30 }) },
        { id: 'B', config: runConfig() },
      ],
      'interleaved',
    );
    const a = h.states('A').at(-1)!;
    expect(a.status).toBe('failed');
    expect(a.message).toMatch(/The loss became (NaN|Infinity|-Infinity) at step \d+/);
    expect(h.states('B').at(-1)!.status).toBe('finished');
  });
});
