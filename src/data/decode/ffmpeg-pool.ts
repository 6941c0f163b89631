/**
 * A pool of ffmpeg.wasm instances, each in its own worker and each running one command at a time.
 *
 * Why a pool and not one shared instance: ffmpeg.wasm keeps part of every command's memory (a 320x240 XviD
 * decode leaves ~12 MB behind), so one instance that decodes a few hundred UCF101 clips grows to its 2 GB
 * heap limit and dies with "memory access out of bounds", and every clip after that failed with it. Here an
 * instance whose heap has passed the budget is replaced after its command (the replacement starts loading at
 * once, from the wasm module compiled once), an instance that fails, hangs or crashes is thrown away, and
 * `fresh` runs a command on an instance that has run nothing before, which is how a clip is retried.
 */
import { DecoderFaultError, DecoderStalledError } from '../errors.ts';
import { withStallGuard } from './stall-guard.ts';
import type {
  FfmpegCommand,
  FfmpegCommandResult,
  FromFfmpegWorker,
  ToFfmpegWorker,
} from './ffmpeg-protocol.ts';

export interface FfmpegPoolOptions {
  /** Instances at most (each one worker and one wasm heap). */
  size: number;
  /** An instance whose heap is larger than this after a command is replaced. */
  heapBudgetBytes: number;
  /** A command with no sign of life (ffmpeg reports progress every 2 s) for this long has hung. */
  stallMs: number;
  coreURL: string;
  wasmURL: string;
  createWorker: () => Worker;
}

export interface FfmpegPoolStats {
  /** Most instances that can exist at once, and the heap size at which one is replaced. */
  size: number;
  heapBudgetBytes: number;
  /** Instances now alive, and their heap sizes. */
  live: number;
  heapBytes: number[];
  /** The largest heap any instance reached. */
  peakHeapBytes: number;
  started: number;
  commands: number;
  /** Instances replaced because their heap passed the budget (or their stack could not be kept). */
  recycled: number;
  /** Whether instances restore their stack after each command; null before the first one started. */
  stackKept: boolean | null;
  /** Instances thrown away because a command failed, crashed or hung on them. */
  discarded: number;
  stalled: number;
}

interface Instance {
  id: number;
  worker: Worker;
  ready: Promise<void>;
  /** Whether the instance restores its stack after each command (see ffmpeg.worker.ts). */
  stackKept: boolean;
  heapBytes: number;
  commands: number;
  lastSign: number;
  dead: boolean;
  pending: {
    id: number;
    resolve: (result: FfmpegCommandResult) => void;
    reject: (error: Error) => void;
  } | null;
}

let nextCommandId = 0;

/**
 * Commands an instance may run when it cannot restore its stack: each leaks 224 bytes of a 64 KB stack and
 * the first crashes came after ~150, so this leaves room for the deepest command.
 */
const COMMANDS_WITHOUT_STACK_FIX = 48;

/**
 * Instances for this machine: half its cores (training and the page need the rest), at most 4, and no more
 * than one per 2 GB of device memory where the browser says how much there is.
 */
export function ffmpegPoolSize(cores: number | undefined, deviceMemoryGb: number | undefined): number {
  let size = Math.min(4, Math.max(1, Math.floor((cores ?? 2) / 2)));
  if (deviceMemoryGb !== undefined && deviceMemoryGb > 0) {
    size = Math.min(size, Math.max(1, Math.floor(deviceMemoryGb / 2)));
  }
  return size;
}

/** The pool this worker decodes with, once a clip has needed ffmpeg.wasm (it is made lazily). */
let shared: FfmpegPool | null = null;
let faultsForNextPool = 0;

export function sharedFfmpegPool(make: () => FfmpegPool): FfmpegPool {
  if (!shared) {
    shared = make();
    shared.injectFaults(faultsForNextPool);
    faultsForNextPool = 0;
  }
  return shared;
}

export function sharedFfmpegPoolStats(): FfmpegPoolStats | null {
  return shared?.stats() ?? null;
}

/** Test hook: the next `count` ffmpeg.wasm commands (not retries) crash their instance. */
export function injectFfmpegFaults(count: number): void {
  if (shared) shared.injectFaults(count);
  else faultsForNextPool += count;
}

export class FfmpegPool {
  private readonly idle: Instance[] = [];
  private readonly waiting: (() => void)[] = [];
  private alive = 0;
  private nextInstance = 0;
  private compiled: Promise<WebAssembly.Module> | null = null;
  private faults = 0;
  private readonly counts = { started: 0, commands: 0, recycled: 0, discarded: 0, stalled: 0, peak: 0 };
  private readonly instances = new Set<Instance>();
  private stackKept: boolean | null = null;

  constructor(private readonly options: FfmpegPoolOptions) {}

  /**
   * Runs `command` and hands its result to `interpret`. When the command fails in any way (the instance
   * crashes or hangs, or `interpret` throws), the instance is thrown away and the error is passed on.
   */
  async run<T>(
    command: FfmpegCommand,
    interpret: (result: FfmpegCommandResult) => T,
    options: { fresh?: boolean } = {},
  ): Promise<T> {
    const instance = await this.acquire(options.fresh ?? false);
    let healthy = false;
    try {
      const fault = !options.fresh && this.faults > 0 ? 'abort' : undefined;
      if (fault) this.faults--;
      const result = await this.send(instance, { ...command, fault });
      const value = interpret(result);
      healthy = true;
      return value;
    } finally {
      this.release(instance, healthy);
    }
  }

  /** Test hook: the next `count` commands (not those on a fresh instance) crash their instance. */
  injectFaults(count: number): void {
    this.faults += count;
  }

  stats(): FfmpegPoolStats {
    const live = [...this.instances].filter((i) => !i.dead);
    return {
      size: this.options.size,
      heapBudgetBytes: this.options.heapBudgetBytes,
      live: live.length,
      heapBytes: live.map((i) => i.heapBytes),
      peakHeapBytes: this.counts.peak,
      started: this.counts.started,
      commands: this.counts.commands,
      recycled: this.counts.recycled,
      stackKept: this.stackKept,
      discarded: this.counts.discarded,
      stalled: this.counts.stalled,
    };
  }

  /** Ends every instance (the next command starts new ones). */
  terminate(): void {
    for (const instance of this.instances) this.kill(instance);
    this.idle.length = 0;
  }

  private wasm(): Promise<WebAssembly.Module> {
    this.compiled ??= WebAssembly.compileStreaming(fetch(this.options.wasmURL)).catch((error: unknown) => {
      this.compiled = null;
      throw new DecoderFaultError(`the ffmpeg.wasm decoder failed to load (${String(error)})`);
    });
    return this.compiled;
  }

  private spawn(): Instance {
    const instance: Instance = {
      id: ++this.nextInstance,
      worker: this.options.createWorker(),
      ready: Promise.resolve(),
      stackKept: false,
      heapBytes: 0,
      commands: 0,
      lastSign: performance.now(),
      dead: false,
      pending: null,
    };
    this.alive++;
    this.counts.started++;
    this.instances.add(instance);
    instance.ready = new Promise<void>((resolve, reject) => {
      instance.worker.onmessage = (event: MessageEvent<FromFfmpegWorker>) => {
        const message = event.data;
        instance.lastSign = performance.now();
        if (message.type === 'ready') {
          instance.stackKept = message.stackKept;
          this.stackKept = message.stackKept;
          this.noteHeap(instance, message.heapBytes);
          resolve();
        } else if (message.type === 'done') {
          this.noteHeap(instance, message.heapBytes);
          const pending = instance.pending;
          instance.pending = null;
          pending?.resolve(message);
        } else if (message.type === 'failed') {
          if (message.heapBytes !== null) this.noteHeap(instance, message.heapBytes);
          const error = new DecoderFaultError(`ffmpeg.wasm crashed (${message.error})`);
          if (message.id === null) reject(error);
          const pending = instance.pending;
          instance.pending = null;
          pending?.reject(error);
        }
      };
      instance.worker.onerror = (event) => {
        event.preventDefault();
        const error = new DecoderFaultError(
          `the ffmpeg.wasm worker failed (${event.message || 'no message'})`,
        );
        reject(error);
        instance.pending?.reject(error);
        instance.pending = null;
      };
      void this.wasm().then(
        (wasm) => {
          const init: ToFfmpegWorker = { type: 'init', coreURL: this.options.coreURL, wasm };
          instance.worker.postMessage(init);
        },
        (error: unknown) => reject(error instanceof Error ? error : new Error(String(error))),
      );
    });
    // A failed start is reported to the command that waits for it.
    instance.ready.catch(() => undefined);
    return instance;
  }

  private noteHeap(instance: Instance, bytes: number): void {
    instance.heapBytes = bytes;
    this.counts.peak = Math.max(this.counts.peak, bytes);
  }

  private async acquire(fresh: boolean): Promise<Instance> {
    for (;;) {
      let instance = this.idle.shift();
      if (!instance && this.alive < this.options.size) instance = this.spawn();
      if (instance) {
        if (fresh && instance.commands > 0) {
          this.kill(instance);
          instance = this.spawn();
        }
        try {
          await instance.ready;
        } catch (error) {
          this.discard(instance);
          // Its slot is free again: a command waiting for one may start another instance.
          this.waiting.shift()?.();
          throw error;
        }
        return instance;
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }

  private send(instance: Instance, command: FfmpegCommand): Promise<FfmpegCommandResult> {
    const id = ++nextCommandId;
    instance.commands++;
    this.counts.commands++;
    instance.lastSign = performance.now();
    const result = new Promise<FfmpegCommandResult>((resolve, reject) => {
      instance.pending = { id, resolve, reject };
      const message: ToFfmpegWorker = { type: 'run', id, ...command };
      instance.worker.postMessage(message);
    });
    return withStallGuard(
      result,
      () => instance.lastSign,
      this.options.stallMs,
      'ffmpeg.wasm',
      () => {
        this.counts.stalled++;
        instance.pending = null;
        this.kill(instance);
      },
    );
  }

  private release(instance: Instance, healthy: boolean): void {
    if (!healthy) this.discard(instance);
    else if (
      instance.heapBytes > this.options.heapBudgetBytes ||
      (!instance.stackKept && instance.commands >= COMMANDS_WITHOUT_STACK_FIX)
    ) {
      this.counts.recycled++;
      this.kill(instance);
      // Start the replacement now: it loads while the other instances (or the caller) work.
      this.idle.push(this.spawn());
    } else if (!instance.dead) this.idle.push(instance);
    this.waiting.shift()?.();
  }

  private discard(instance: Instance): void {
    if (instance.dead) return;
    this.counts.discarded++;
    this.kill(instance);
  }

  private kill(instance: Instance): void {
    if (instance.dead) return;
    instance.dead = true;
    instance.worker.terminate();
    instance.pending?.reject(new DecoderStalledError('ffmpeg.wasm was stopped'));
    instance.pending = null;
    this.alive--;
    this.instances.delete(instance);
  }
}
