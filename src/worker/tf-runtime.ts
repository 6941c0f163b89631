/**
 * Loads tfjs with every backend the app can use and switches between them. Import this only inside a
 * worker: tfjs never runs on the UI thread.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
// The wasm binaries are served by the app itself (no CDN); Vite fingerprints them and gives their URLs.
import wasmPlainUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { probeWebGPU, type BackendName, type WebGPUProbe } from './backend.ts';
import { registerWebGPUBackend } from './webgpu-device.ts';
import { installWasmSliceKernels } from '../kernels/wasm-slice.ts';

// Our own factory for the webgpu backend, so the app can see and recover from a lost device.
registerWebGPUBackend();

setWasmPaths({
  'tfjs-backend-wasm.wasm': wasmPlainUrl,
  'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedSimdUrl,
});

export { tf };

let cachedProbe: Promise<WebGPUProbe> | null = null;

export function probeOnce(): Promise<WebGPUProbe> {
  cachedProbe ??= probeWebGPU();
  return cachedProbe;
}

/**
 * Threads the wasm backend gets: every core but one. The spare core keeps the page (and the browser's
 * compositor) answering clicks while training saturates the rest; on a 2-core machine that costs about a
 * third of wasm's training speed (`npm run bench -- train --wasm-threads N` measures it).
 */
export function defaultWasmThreads(cores: number = navigator.hardwareConcurrency || 1): number {
  return Math.max(1, cores - 1);
}

let wasmThreadsChosen = false;

/** Fixes the wasm backend's thread count; only the first call before the backend starts has effect. */
export function chooseWasmThreads(threads: number): void {
  if (wasmThreadsChosen) return;
  wasmThreadsChosen = true;
  setThreadsCount(threads);
}

/** Makes `backend` the active tfjs backend; returns the error text when it cannot start. */
export async function activate(backend: BackendName): Promise<string | null> {
  if (backend === 'wasm') {
    chooseWasmThreads(defaultWasmThreads());
    installWasmSliceKernels();
  }
  try {
    const ok = await tf.setBackend(backend);
    if (!ok) return `${backend} did not initialise`;
    await tf.ready();
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}
