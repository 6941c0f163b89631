import { describe, expect, it } from 'vitest';
import type { RunState } from '../../store/domain.ts';
import { isActive, progressOf } from './run-progress.ts';

const state = (patch: Partial<RunState>): RunState => ({
  runId: 'A',
  status: 'running',
  step: 10,
  totalSteps: 40,
  epoch: 1,
  elapsedMs: 20_000,
  clipsPerSecond: 4,
  message: null,
  lastCheckpoint: null,
  problems: [],
  ...patch,
});

describe('progressOf', () => {
  it('extrapolates time left from the pace so far', () => {
    expect(progressOf(state({}))).toEqual({ fraction: 0.25, etaSeconds: 60 });
  });

  it('has no estimate before the first step or after the end', () => {
    expect(progressOf(state({ step: 0, elapsedMs: 0 })).etaSeconds).toBeNull();
    expect(progressOf(state({ status: 'finished', step: 40 }))).toEqual({ fraction: 1, etaSeconds: null });
    expect(progressOf(state({ status: 'stopped' }))).toEqual({ fraction: 0.25, etaSeconds: null });
    expect(progressOf(null)).toEqual({ fraction: 0, etaSeconds: null });
  });

  it('counts queued, running and paused runs as active', () => {
    expect(isActive(state({ status: 'paused' }))).toBe(true);
    expect(isActive(state({ status: 'failed' }))).toBe(false);
    expect(isActive(null)).toBe(false);
  });
});
