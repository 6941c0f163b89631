/**
 * The page's handle on the compute worker. Every call goes through `call`, which turns errors thrown in the
 * worker back into their named classes, and a crashed worker into a WorkerCrashedError.
 */
import * as Comlink from 'comlink';
import type { EngineApi } from './protocol.ts';
import { wrapRemote, type Remote } from '../util/worker-boundary.ts';
import { WorkerCrashedError } from './errors.ts';
import './error-registry.ts';

export type { EngineApi } from './protocol.ts';

/**
 * Callbacks cross the boundary as Comlink proxies and MessagePorts are transferred, so callers pass plain
 * functions and ports.
 */
function prepareArgument(arg: unknown): unknown {
  if (typeof arg === 'function') return Comlink.proxy(arg as (...a: unknown[]) => unknown);
  if (typeof MessagePort !== 'undefined' && arg instanceof MessagePort) return Comlink.transfer(arg, [arg]);
  return arg;
}

export class EngineClient {
  private readonly worker: Worker;
  private readonly remote: Remote<EngineApi>;
  private crash: WorkerCrashedError | null = null;
  private readonly crashListeners = new Set<(error: WorkerCrashedError) => void>();

  constructor() {
    this.worker = new Worker(new URL('./compute.worker.ts', import.meta.url), {
      type: 'module',
      name: 'compute',
    });
    this.worker.addEventListener('error', (event) => {
      this.crash = new WorkerCrashedError(event.message || 'The compute worker stopped unexpectedly');
      for (const listener of this.crashListeners) listener(this.crash);
    });
    this.remote = wrapRemote<EngineApi>(this.worker);
  }

  onCrash(listener: (error: WorkerCrashedError) => void): () => void {
    this.crashListeners.add(listener);
    return () => this.crashListeners.delete(listener);
  }

  async call<K extends keyof EngineApi>(
    method: K,
    ...args: Parameters<EngineApi[K]>
  ): Promise<Awaited<ReturnType<EngineApi[K]>>> {
    if (this.crash) throw this.crash;
    const fn = this.remote[method] as unknown as (
      ...a: unknown[]
    ) => Promise<Awaited<ReturnType<EngineApi[K]>>>;
    return fn(...args.map(prepareArgument));
  }

  terminate(): void {
    this.remote[Comlink.releaseProxy]();
    this.worker.terminate();
  }
}

let shared: EngineClient | null = null;

/** The one compute worker of the page, started on first use. */
export function getEngine(): EngineClient {
  shared ??= new EngineClient();
  return shared;
}
