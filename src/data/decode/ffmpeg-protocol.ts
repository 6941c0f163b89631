/**
 * Messages between the ffmpeg.wasm pool (in the data worker) and one ffmpeg.wasm instance (its own worker,
 * so that a hung or crashed instance can be terminated without touching anything else). Each `run` is one
 * whole command: the input is written (or mounted), the command runs, the outputs are read and every file
 * is removed again, and the reply says how large the instance's wasm heap has grown: ffmpeg.wasm leaks
 * memory with every command, and the pool recycles an instance before the leak can crash it.
 */

/** The token in `args` that the instance replaces by the input file's path. */
export const INPUT_TOKEN = '{input}';

export interface FfmpegCommand {
  tool: 'ffmpeg' | 'ffprobe';
  args: string[];
  input: { blob: Blob; extension: string };
  /** Files the command writes (absolute paths in the instance's file system), read back after it ran. */
  outputs: string[];
  /** Test hook: make this instance fail as a crashed one does (an emscripten abort) instead of running. */
  fault?: 'abort';
}

export interface FfmpegCommandResult {
  /** ffmpeg's exit code (ffprobe returns -1 even on success; its output file is what counts). */
  code: number;
  /** Each requested output, or null when the command did not write it. */
  outputs: Record<string, Uint8Array | null>;
  /** The last lines ffmpeg logged (progress lines left out), for a plain reason when it failed. */
  log: string[];
  heapBytes: number;
}

export type ToFfmpegWorker =
  { type: 'init'; coreURL: string; wasm: WebAssembly.Module } | ({ type: 'run'; id: number } & FfmpegCommand);

export type FromFfmpegWorker =
  /** `stackKept`: the instance restores its stack after each command (else the pool retires it early). */
  | { type: 'ready'; heapBytes: number; stackKept: boolean }
  /** Any line ffmpeg wrote: the pool's stall guard counts it as progress. */
  | { type: 'alive' }
  | ({ type: 'done'; id: number } & FfmpegCommandResult)
  | { type: 'failed'; id: number | null; error: string; heapBytes: number | null };
