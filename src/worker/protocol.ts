/**
 * The typed surface of the compute worker. The page talks to the engine only through this interface
 * (Comlink proxies each method), so anything that crosses must be structured-cloneable.
 */
import type { BackendName, BackendPreference, BackendReport } from './backend.ts';

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
}

export interface ComputeEngineApi {
  /** Starts tfjs on the preferred backend (or the best that works) and reports the choice. */
  init(preference: BackendPreference): Promise<BackendReport>;
  /** Runs the same small op on each backend, then switches back to the active one. */
  selfCheck(backends: readonly BackendName[]): Promise<SelfCheckResult[]>;
  /** Keeps the worker busy with real tensor work for about `ms` milliseconds. */
  busyWork(ms: number): Promise<BusyWorkResult>;
  memory(): Promise<MemoryReport>;
}
