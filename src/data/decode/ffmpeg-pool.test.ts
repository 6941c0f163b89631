/**
 * The pool's bookkeeping in Node, with scripted instances speaking the worker protocol (the real ffmpeg.wasm
 * instances run in the browser tests: e2e/dev/decoder-faults.spec.ts, e2e/ucf101-scale.spec.ts).
 */
import { describe, expect, it } from 'vitest';
import { DecoderFaultError, DecoderStalledError } from '../errors.ts';
import type { FfmpegCommand, FromFfmpegWorker, ToFfmpegWorker } from './ffmpeg-protocol.ts';
import { FfmpegPool, ffmpegPoolSize } from './ffmpeg-pool.ts';

type Behaviour = (
  command: Extract<ToFfmpegWorker, { type: 'run' }>,
  instance: ScriptedInstance,
) => FromFfmpegWorker | null;

class ScriptedInstance {
  static made: ScriptedInstance[] = [];
  readonly id = ScriptedInstance.made.length + 1;
  onmessage: ((event: MessageEvent<FromFfmpegWorker>) => void) | null = null;
  onerror: ((event: ErrorEvent) => void) | null = null;
  terminated = false;
  commands = 0;
  heap = 32 << 20;

  constructor(private readonly behave: Behaviour) {
    ScriptedInstance.made.push(this);
  }

  postMessage(message: ToFfmpegWorker): void {
    setTimeout(() => {
      if (this.terminated) return;
      if (message.type === 'init')
        return this.reply({ type: 'ready', heapBytes: this.heap, stackKept: true });
      this.commands++;
      const answer = this.behave(message, this);
      if (answer) this.reply(answer);
    }, 1);
  }

  reply(message: FromFfmpegWorker): void {
    this.onmessage?.({ data: message } as MessageEvent<FromFfmpegWorker>);
  }

  terminate(): void {
    this.terminated = true;
  }
}

const command: FfmpegCommand = {
  tool: 'ffmpeg',
  args: ['-i', '{input}', '/out'],
  input: { blob: new Blob([new Uint8Array(4)]), extension: 'avi' },
  outputs: ['/out'],
};

function pool(behave: Behaviour, options: { size?: number; budget?: number; stallMs?: number } = {}) {
  ScriptedInstance.made = [];
  return new FfmpegPool({
    size: options.size ?? 1,
    heapBudgetBytes: options.budget ?? 256 << 20,
    stallMs: options.stallMs ?? 60_000,
    coreURL: 'core.js',
    wasmURL: 'core.wasm',
    createWorker: () => new ScriptedInstance(behave) as unknown as Worker,
  });
}

// The pool compiles the wasm once; in Node there is none to fetch, so hand it an empty module.
globalThis.fetch = (async () =>
  new Response(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]), {
    headers: { 'Content-Type': 'application/wasm' },
  })) as typeof fetch;

const done = (id: number, heapBytes: number): FromFfmpegWorker => ({
  type: 'done',
  id,
  code: 0,
  outputs: { '/out': new Uint8Array([1]) },
  log: [],
  heapBytes,
});

describe('FfmpegPool', () => {
  it('keeps one instance for many commands while its heap stays under the budget', async () => {
    const p = pool((m, instance) => done(m.id, instance.heap));
    for (let i = 0; i < 20; i++) await p.run(command, (r) => r.code);
    expect(ScriptedInstance.made).toHaveLength(1);
    expect(p.stats()).toMatchObject({ started: 1, commands: 20, recycled: 0, live: 1, stackKept: true });
  });

  it('replaces an instance whose heap passed the budget, after its command', async () => {
    const p = pool(
      (m, instance) => {
        instance.heap += 100 << 20;
        return done(m.id, instance.heap);
      },
      { budget: 256 << 20 },
    );
    for (let i = 0; i < 4; i++) await p.run(command, (r) => r.code);
    // 132 MB, 232 MB, then 332 MB > 256 MB: the third command's instance is replaced.
    expect(ScriptedInstance.made[0]!.terminated).toBe(true);
    expect(ScriptedInstance.made[0]!.commands).toBe(3);
    expect(p.stats()).toMatchObject({ recycled: 1, started: 2, peakHeapBytes: 332 << 20 });
  });

  it('throws away an instance that crashed or whose result was unusable, and runs fresh commands on new ones', async () => {
    let crash = true;
    const p = pool((m, instance) => {
      if (crash) {
        crash = false;
        return {
          type: 'failed',
          id: m.id,
          error: 'RuntimeError: memory access out of bounds',
          heapBytes: instance.heap,
        };
      }
      return done(m.id, instance.heap);
    });
    await expect(p.run(command, (r) => r.code)).rejects.toBeInstanceOf(DecoderFaultError);
    expect(ScriptedInstance.made[0]!.terminated).toBe(true);
    await p.run(command, (r) => r.code);
    await expect(
      p.run(command, () => {
        throw new Error('no frames');
      }),
    ).rejects.toThrow('no frames');
    expect(ScriptedInstance.made[1]!.terminated).toBe(true);
    // A fresh run never lands on an instance that has run something.
    await p.run(command, (r) => r.code);
    await p.run(command, (r) => r.code, { fresh: true });
    const last = ScriptedInstance.made.at(-1)!;
    expect(last.commands).toBe(1);
    expect(p.stats().discarded).toBe(2);
  });

  it('gives up on an instance that hangs, and injected faults crash only non-fresh commands', async () => {
    const p = pool((m, instance) => (instance.id === 1 ? null : done(m.id, instance.heap)), { stallMs: 50 });
    await expect(p.run(command, (r) => r.code)).rejects.toBeInstanceOf(DecoderStalledError);
    expect(ScriptedInstance.made[0]!.terminated).toBe(true);
    expect(p.stats().stalled).toBe(1);
    const seen: (string | undefined)[] = [];
    const q = pool((m, instance) => {
      seen.push(m.fault);
      return m.fault
        ? { type: 'failed', id: m.id, error: 'RuntimeError: Aborted()', heapBytes: instance.heap }
        : done(m.id, instance.heap);
    });
    q.injectFaults(1);
    await q.run(command, (r) => r.code, { fresh: true });
    await expect(q.run(command, (r) => r.code)).rejects.toBeInstanceOf(DecoderFaultError);
    await q.run(command, (r) => r.code);
    expect(seen).toEqual([undefined, 'abort', undefined]);
  });

  it('runs at most `size` commands at once', async () => {
    let running = 0;
    let most = 0;
    const p = pool(
      (m, instance) => {
        running++;
        most = Math.max(most, running);
        setTimeout(() => {
          running--;
          instance.reply(done(m.id, instance.heap));
        }, 5);
        return null;
      },
      { size: 2 },
    );
    await Promise.all(Array.from({ length: 6 }, () => p.run(command, (r) => r.code)));
    expect(most).toBe(2);
    expect(ScriptedInstance.made).toHaveLength(2);
  });
});

describe('ffmpegPoolSize', () => {
  it('takes half the cores, at most 4, at most one per 2 GB of device memory', () => {
    expect(ffmpegPoolSize(2, undefined)).toBe(1);
    expect(ffmpegPoolSize(8, undefined)).toBe(4);
    expect(ffmpegPoolSize(32, 8)).toBe(4);
    expect(ffmpegPoolSize(8, 2)).toBe(1);
    expect(ffmpegPoolSize(undefined, undefined)).toBe(1);
  });
});

describe('FfmpegPool when an instance cannot start', () => {
  it('fails the command that waited for it and frees its slot for the next one', async () => {
    ScriptedInstance.made = [];
    let starts = 0;
    const p = new FfmpegPool({
      size: 1,
      heapBudgetBytes: 256 << 20,
      stallMs: 60_000,
      coreURL: 'core.js',
      wasmURL: 'core.wasm',
      createWorker: () => {
        starts++;
        const instance = new ScriptedInstance((m, i) => done(m.id, i.heap));
        if (starts === 1) {
          // The first instance fails to load its core.
          instance.postMessage = () =>
            setTimeout(
              () =>
                instance.reply({
                  type: 'failed',
                  id: null,
                  error: 'TypeError: load failed',
                  heapBytes: null,
                }),
              1,
            );
        }
        return instance as unknown as Worker;
      },
    });
    const first = p.run(command, (r) => r.code);
    const second = p.run(command, (r) => r.code);
    await expect(first).rejects.toThrow(/load failed/);
    await expect(second).resolves.toBe(0);
    expect(starts).toBe(2);
  });
});
