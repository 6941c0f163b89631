/**
 * The typed surface of the compute worker. The page talks to the engine only through this interface
 * (Comlink proxies each method), so anything that crosses must be structured-cloneable.
 */
import type { BackendName, BackendPreference, BackendReport, MatMulThroughput } from './backend.ts';
import type { PretrainingEngineApi, RunId, TrainingEngineApi } from './training-protocol.ts';

export interface SelfCheckResult {
  backend: BackendName;
  /** The op's output on this backend, or null when the backend could not start. */
  values: number[] | null;
  ms: number;
  error: string | null;
}

export interface BusyWorkResult {
  iterations: number;
  elapsedMs: number;
  backend: BackendName;
}

export interface MemoryReport {
  numTensors: number;
  numBytes: number;
  backend: BackendName;
  /**
   * The tensor count when the latest training step had ended (null before the first): unlike `numTensors`,
   * which a question answered mid-step catches with that step's intermediates, it only grows with a leak.
   */
  afterStep: StepTensors | null;
}

export interface StepTensors {
  runId: RunId;
  step: number;
  numTensors: number;
}

/** How fast this machine multiplies matrices on the active backend: what step-time estimates start from. */
export type ThroughputReport = MatMulThroughput;

export interface ComputeEngineApi {
  /** Starts tfjs on the preferred backend (or the best that works) and reports the choice. */
  init(preference: BackendPreference): Promise<BackendReport>;
  /** Runs the same small op on each backend, then switches back to the active one. */
  selfCheck(backends: readonly BackendName[]): Promise<SelfCheckResult[]>;
  /** Keeps the worker busy with real tensor work for about `ms` milliseconds. */
  busyWork(ms: number): Promise<BusyWorkResult>;
  memory(): Promise<MemoryReport>;
  /** Measures matMul throughput on the active backend (a fraction of a second; cached per backend). */
  measureThroughput(): Promise<ThroughputReport>;
}

/** Everything the worker's engine answers: the foundation calls, the training and the pretraining calls. */
export type EngineApi = ComputeEngineApi & TrainingEngineApi & PretrainingEngineApi;
