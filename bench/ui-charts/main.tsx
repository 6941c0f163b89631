/**
 * The page of `npm run bench -- ui-charts`: the playground's own charts and run status (mode "ours"), or,
 * as the baseline, the same recharts charts drawn the plain way (mode "naive": every point, every batch,
 * no throttling or staggering), fed the same stream of engine events through the same store.
 */
import { createRoot } from 'react-dom/client';
import { CartesianGrid, Line, LineChart, XAxis, YAxis } from 'recharts';
import '../../src/ui/base.css';
import { smoothSeries } from '../../src/train/metric-smoothing.ts';
import { useTraining } from '../../src/store/training.ts';
import { ChartsPanel } from '../../src/ui/charts/ChartsPanel.tsx';
import { RunStatus } from '../../src/ui/runs/RunStatus.tsx';
import type { EngineEvent, StepPoint } from '../../src/worker/training-protocol.ts';

function NaiveChart({ metric, smooth }: { metric: 'loss' | 'accuracy' | 'lr'; smooth: boolean }) {
  const a = useTraining((s) => s.data.runs.A.steps);
  const b = useTraining((s) => s.data.runs.B.steps);
  const line = (steps: readonly StepPoint[], color: string, key: string) => {
    const ys = steps.map((p) => p[metric]);
    const values = smooth ? smoothSeries(ys, 0.6) : ys;
    const data = steps.map((p, i) => ({ x: p.step, y: values[i] }));
    return <Line key={key} data={data} dataKey="y" stroke={color} dot={false} isAnimationActive={false} />;
  };
  return (
    <LineChart width={600} height={250}>
      <CartesianGrid strokeDasharray="3 3" />
      <XAxis type="number" dataKey="x" domain={[0, 'dataMax']} />
      <YAxis />
      {line(a, '#1c7ed6', 'a-raw')}
      {line(b, '#e8590c', 'b-raw')}
      {smooth && line(a, '#1c7ed6', 'a')}
      {smooth && line(b, '#e8590c', 'b')}
    </LineChart>
  );
}

function NaiveCharts() {
  return (
    <div>
      <NaiveChart metric="loss" smooth />
      <NaiveChart metric="accuracy" smooth />
      <NaiveChart metric="lr" smooth={false} />
    </div>
  );
}

function Counter() {
  return (
    <button
      type="button"
      id="probe"
      onClick={(e) => (e.currentTarget.textContent = String(Number(e.currentTarget.textContent) + 1))}
    >
      0
    </button>
  );
}

const mode = new URLSearchParams(location.search).get('mode') ?? 'ours';
createRoot(document.getElementById('root')!).render(
  <div className="app">
    <Counter />
    <RunStatus runId="A" />
    <RunStatus runId="B" />
    {mode === 'naive' ? <NaiveCharts /> : <ChartsPanel />}
  </div>,
);

/** Streams synthetic engine events: `perTick` steps of each run every `tickMs`, with an evaluation per epoch. */
function feed(perTick: number, tickMs: number, stepsPerEpoch: number): () => number {
  let step = 0;
  const timer = setInterval(() => {
    const events: EngineEvent[] = [];
    for (let k = 0; k < perTick; k++) {
      step++;
      for (const runId of ['A', 'B'] as const) {
        const epoch = step / stepsPerEpoch;
        const loss = 2 * Math.exp(-step / 400) + 0.3 * Math.random();
        events.push({
          type: 'step',
          point: {
            runId,
            step,
            epoch,
            loss,
            accuracy: Math.random(),
            accuracyTarget: 'label',
            lr: 1e-4,
            gradNorm: 1,
            clipsPerSecond: 10,
            elapsedMs: step * 100,
          },
        });
        if (step % stepsPerEpoch === 0) {
          events.push({
            type: 'eval',
            point: {
              runId,
              split: 'val',
              step,
              epoch,
              loss,
              top1: Math.random(),
              top5: 1,
              confusion: [[1]],
              clips: 1,
              elapsedMs: step * 100,
            },
          });
        }
        events.push({
          type: 'state',
          state: {
            runId,
            status: 'running',
            step,
            totalSteps: 1e6,
            epoch,
            elapsedMs: step * 100,
            clipsPerSecond: 10,
            problems: [],
            message: null,
            lastCheckpoint: null,
          },
        });
      }
    }
    useTraining.getState().receiveEvents(events);
  }, tickMs);
  return () => {
    clearInterval(timer);
    return step;
  };
}

interface Measured {
  longTasks: number[];
  /** Click to next paint, and the part spent waiting for the main thread (Event Timing API). */
  clicks: { duration: number; inputDelay: number }[];
}

const measured: Measured = { longTasks: [], clicks: [] };
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) measured.longTasks.push(entry.duration);
}).observe({ type: 'longtask' });
new PerformanceObserver((list) => {
  for (const entry of list.getEntries() as PerformanceEventTiming[]) {
    if (entry.name === 'click')
      measured.clicks.push({ duration: entry.duration, inputDelay: entry.processingStart - entry.startTime });
  }
}).observe({ type: 'event', durationThreshold: 0, buffered: false } as PerformanceObserverInit);

Object.assign(window, {
  bench: {
    start(perTick: number, tickMs: number, stepsPerEpoch: number) {
      measured.longTasks.length = 0;
      measured.clicks.length = 0;
      const stop = feed(perTick, tickMs, stepsPerEpoch);
      (window as unknown as { stopFeed: () => number }).stopFeed = stop;
    },
    stop() {
      const steps = (window as unknown as { stopFeed: () => number }).stopFeed();
      return { steps, ...measured };
    },
  },
});
