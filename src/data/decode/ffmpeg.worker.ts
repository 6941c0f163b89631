/**
 * One ffmpeg.wasm instance. The core's JavaScript is imported from the app's own assets by URL (it is GPL
 * and loads only when a clip needs it); its wasm arrives already compiled from the pool, so starting a fresh
 * instance costs an instantiation, not a 32 MB compile.
 *
 * ffmpeg.wasm 0.12 leaks 224 bytes of its 64 KB wasm stack with every `ffmpeg` command (ffmpeg leaves
 * through an exception that skips the epilogue of its main function), so after ~150 decodes the stack runs
 * into static data and the instance dies with "memory access out of bounds" or hangs: that, and not the
 * clips, is why UCF101 clips were lost once a few hundred had been decoded. The stack pointer is saved
 * before each command and restored after it. The two functions that do it are not exported by name: their
 * minified names are read from the core's own glue code, and where they cannot be found the pool replaces
 * the instance long before the stack can run out.
 */
import {
  INPUT_TOKEN,
  type FfmpegCommand,
  type FromFfmpegWorker,
  type ToFfmpegWorker,
} from './ffmpeg-protocol.ts';

interface CoreFs {
  writeFile(path: string, data: Uint8Array): void;
  readFile(path: string): Uint8Array;
  unlink(path: string): void;
  mkdir(path: string): void;
  rmdir(path: string): void;
  mount(type: unknown, options: { blobs: { name: string; data: Blob }[] }, mountPoint: string): void;
  unmount(mountPoint: string): void;
  filesystems: Record<string, unknown>;
}

interface FfmpegCore {
  exec(...args: string[]): number;
  ffprobe(...args: string[]): number;
  reset(): void;
  setLogger(logger: (entry: { type: string; message: string }) => void): void;
  FS: CoreFs;
  HEAPU8: Uint8Array;
  _abort(): never;
}

type CoreFactory = (module: {
  instantiateWasm: (
    imports: WebAssembly.Imports,
    receive: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void,
  ) => object;
}) => Promise<FfmpegCore>;

/** Files up to this size are copied into ffmpeg's file system (fast reads); larger ones are mounted. */
const COPY_LIMIT = 64 << 20;
const LOG_LINES = 60;
/** `-progress` lines (key=value) say ffmpeg is alive but nothing worth showing as a reason. */
const PROGRESS_LINE = /^[a-z_0-9]+=\S*$/;
const ALIVE_EVERY_MS = 500;

/** The worker's global scope, with only what is used (the project's types are the DOM's, not a worker's). */
const scope = self as unknown as {
  postMessage(message: FromFfmpegWorker, options: { transfer: Transferable[] }): void;
  onmessage: ((event: MessageEvent<ToFfmpegWorker>) => void) | null;
};
let core: FfmpegCore | null = null;
let stack: { save: () => number; restore: (pointer: number) => void } | null = null;
const log: string[] = [];
let lastAlive = 0;

function post(message: FromFfmpegWorker, transfer: Transferable[] = []): void {
  scope.postMessage(message, { transfer });
}

function heapBytes(): number {
  return core?.HEAPU8.byteLength ?? 0;
}

/** The wasm exports behind emscripten's stackSave / stackRestore, found in the core's glue code. */
async function stackFunctions(
  coreURL: string,
  loaded: FfmpegCore,
): Promise<{ save: () => number; restore: (pointer: number) => void } | null> {
  try {
    const glue = await (await fetch(coreURL)).text();
    const exportOf = (name: string) =>
      new RegExp(`${name}=function\\(\\)\\{return\\(${name}=Module\\["asm"\\]\\["(\\w+)"\\]\\)`).exec(
        glue,
      )?.[1];
    const saveName = exportOf('stackSave');
    const restoreName = exportOf('stackRestore');
    const asm = (loaded as unknown as { asm?: Record<string, unknown> }).asm;
    const save = saveName ? asm?.[saveName] : undefined;
    const restore = restoreName ? asm?.[restoreName] : undefined;
    if (typeof save !== 'function' || typeof restore !== 'function') return null;
    const found = {
      save: save as () => number,
      restore: restore as (pointer: number) => void,
    };
    // A round trip that must leave the pointer where it was: anything else means the names are wrong.
    const pointer = found.save();
    if (!Number.isInteger(pointer) || pointer <= 0) return null;
    found.restore(pointer);
    return found.save() === pointer ? found : null;
  } catch {
    return null;
  }
}

async function init(coreURL: string, wasm: WebAssembly.Module): Promise<void> {
  const factory = ((await import(/* @vite-ignore */ coreURL)) as { default: CoreFactory }).default;
  core = await factory({
    instantiateWasm: (imports, receive) => {
      void WebAssembly.instantiate(wasm, imports).then((instance) => receive(instance, wasm));
      return {};
    },
  });
  core.setLogger(({ message }) => {
    const now = performance.now();
    if (now - lastAlive > ALIVE_EVERY_MS) {
      lastAlive = now;
      post({ type: 'alive' });
    }
    if (PROGRESS_LINE.test(message.trim())) return;
    log.push(message);
    if (log.length > LOG_LINES) log.splice(0, log.length - LOG_LINES);
  });
  stack = await stackFunctions(coreURL, core);
}

function tryUnlink(fs: CoreFs, path: string): void {
  try {
    fs.unlink(path);
  } catch {
    // not written
  }
}

async function run(id: number, command: FfmpegCommand): Promise<void> {
  if (!core) throw new Error('the ffmpeg.wasm instance is not loaded');
  const { FS } = core;
  if (command.fault === 'abort') core._abort();
  log.length = 0;
  const name = `input.${command.input.extension || 'bin'}`;
  const mounted = command.input.blob.size > COPY_LIMIT;
  const dir = '/mnt';
  let inputPath = `/${name}`;
  if (mounted) {
    FS.mkdir(dir);
    FS.mount(FS.filesystems.WORKERFS, { blobs: [{ name, data: command.input.blob }] }, dir);
    inputPath = `${dir}/${name}`;
  } else {
    FS.writeFile(inputPath, new Uint8Array(await command.input.blob.arrayBuffer()));
  }
  const outputs: Record<string, Uint8Array | null> = {};
  const transfer: Transferable[] = [];
  let code: number;
  try {
    const args = command.args.map((a) => (a === INPUT_TOKEN ? inputPath : a));
    const pointer = stack?.save();
    try {
      code = command.tool === 'ffmpeg' ? core.exec(...args) : core.ffprobe(...args);
    } finally {
      if (stack && pointer !== undefined) stack.restore(pointer);
    }
    core.reset();
    for (const path of command.outputs) {
      try {
        const bytes = FS.readFile(path);
        outputs[path] = bytes;
        transfer.push(bytes.buffer);
      } catch {
        outputs[path] = null;
      }
    }
  } finally {
    for (const path of command.outputs) tryUnlink(FS, path);
    if (mounted) {
      FS.unmount(dir);
      FS.rmdir(dir);
    } else {
      tryUnlink(FS, inputPath);
    }
  }
  post({ type: 'done', id, code, outputs, log: log.slice(), heapBytes: heapBytes() }, transfer);
}

scope.onmessage = (event: MessageEvent<ToFfmpegWorker>) => {
  const message = event.data;
  const work =
    message.type === 'init'
      ? init(message.coreURL, message.wasm).then(() =>
          post({ type: 'ready', heapBytes: heapBytes(), stackKept: stack !== null }),
        )
      : run(message.id, message);
  work.catch((error: unknown) =>
    post({
      type: 'failed',
      id: message.type === 'run' ? message.id : null,
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      heapBytes: core ? heapBytes() : null,
    }),
  );
};
