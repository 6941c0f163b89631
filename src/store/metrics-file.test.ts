import { describe, expect, it } from 'vitest';
import { presetById, type EvalPoint, type StepPoint } from '../worker/index.ts';
import {
  METRICS_FORMAT,
  METRICS_VERSION,
  MetricsFileError,
  metricsToCsv,
  metricsToJson,
  parseMetricsFile,
  type MetricsFile,
  type MetricsRun,
} from './metrics-file.ts';

function stepPoint(step: number, loss: number, runId: 'A' | 'B' = 'A'): StepPoint {
  return {
    runId,
    step,
    epoch: step / 4,
    loss,
    accuracy: 0.25 * step,
    accuracyTarget: step % 2 ? 'label' : 'dominant-label',
    lr: 1e-4 * step,
    gradNorm: step === 1 ? null : 1.5,
    clipsPerSecond: 3.25,
    elapsedMs: 1000 * step,
  };
}

function evalPoint(split: 'val' | 'test', step: number, top1: number): EvalPoint {
  return {
    runId: 'A',
    split,
    step,
    epoch: step / 4,
    loss: 0.7,
    top1,
    top5: 1,
    confusion: [
      [3, 1],
      [0, 4],
    ],
    clips: 8,
    elapsedMs: 1000 * step + 10,
  };
}

const runA: MetricsRun = {
  id: 'A',
  config: presetById('write-up').config,
  status: 'finished',
  problems: [],
  steps: [
    stepPoint(1, 2.1),
    stepPoint(2, Number.NaN),
    stepPoint(3, Number.POSITIVE_INFINITY),
    stepPoint(4, 0.9),
  ],
  val: [evalPoint('val', 4, 0.875)],
  test: evalPoint('test', 4, 0.8125),
};

const file: MetricsFile = {
  format: METRICS_FORMAT,
  version: METRICS_VERSION,
  exportedAt: '2025-01-01T00:00:00.000Z',
  model: { description: 'tiny, 8 x 112', config: { hidden_size: 128 } },
  labels: ['Grow', 'Shrink'],
  runs: [
    runA,
    {
      ...runA,
      id: 'B',
      status: 'stopped',
      steps: runA.steps.map((p) => ({ ...p, runId: 'B' })),
      val: runA.val.map((p) => ({ ...p, runId: 'B' })),
      test: null,
    },
  ],
};

describe('metrics JSON', () => {
  it('round-trips every point, non-finite losses included', () => {
    const text = metricsToJson(file);
    expect(text).toContain('"NaN"');
    expect(text).toContain('"Infinity"');
    const back = parseMetricsFile(text);
    expect(back.runs[0]!.steps[1]!.loss).toBeNaN();
    expect(back.runs[0]!.steps[2]!.loss).toBe(Number.POSITIVE_INFINITY);
    // NaN !== NaN, so compare the text forms.
    expect(metricsToJson(back)).toBe(text);
    expect(back.runs[1]!.test).toBeNull();
    expect(back.runs[0]!.config).toEqual(runA.config);
  });

  it('names the place and the reason of a bad file', () => {
    expect(() => parseMetricsFile('{', 'x.json')).toThrow(MetricsFileError);
    expect(() => parseMetricsFile('{"format":"other"}', 'x.json')).toThrow(/x\.json: not a metrics export/);
    const broken = JSON.parse(metricsToJson(file)) as { runs: { steps: { loss: unknown }[] }[] };
    broken.runs[0]!.steps[0]!.loss = 'lots';
    expect(() => parseMetricsFile(JSON.stringify(broken), 'x.json')).toThrow(
      'x.json: runs[0].steps[0].loss: expected a number, got "lots"',
    );
    const empty = { ...file, runs: [] };
    expect(() => parseMetricsFile(JSON.stringify(empty), 'x.json')).toThrow(/holds no runs/);
  });

  it('drops a config that lacks settings (another version) instead of guessing', () => {
    const partial = JSON.parse(metricsToJson(file)) as { runs: { config: unknown }[] };
    partial.runs[0]!.config = { lr: 1 };
    expect(parseMetricsFile(JSON.stringify(partial)).runs[0]!.config).toBeNull();
  });
});

describe('metrics CSV', () => {
  it('writes a row per step and evaluation, evaluations after their step', () => {
    const csv = metricsToCsv([runA]);
    const lines = csv.trimEnd().split('\n');
    expect(lines[0]).toBe(
      'run,split,step,epoch,elapsed_ms,loss,accuracy,accuracy_target,top1,top5,lr,grad_norm,clips_per_second,clips,split_clips,lost_clips',
    );
    expect(lines).toHaveLength(1 + 4 + 1 + 1);
    expect(lines[1]).toBe('A,train,1,0.25,1000,2.1,0.25,label,,,0.0001,,3.25,,,0');
    expect(lines[2]).toBe('A,train,2,0.5,2000,NaN,0.5,dominant-label,,,0.0002,1.5,3.25,,,0');
    expect(lines[3]!.split(',')[5]).toBe('Infinity');
    expect(lines.slice(4).map((l) => l.split(',').slice(0, 3).join(','))).toEqual([
      'A,train,4',
      'A,val,4',
      'A,test,4',
    ]);
    expect(lines[5]).toBe('A,val,4,1,4010,0.7,,,0.875,1,,,,8,,');
  });

  it('quotes fields that need it', () => {
    const csv = metricsToCsv([{ ...runA, id: 'run "x", 2', steps: [stepPoint(1, 1)], val: [], test: null }]);
    expect(csv.split('\n')[1]!.startsWith('"run ""x"", 2",train,1')).toBe(true);
  });
});
