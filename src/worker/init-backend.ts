/**
 * Starts tfjs on the backend the plan picks: for `auto` with an adapter, after timing WebGPU against wasm.
 */
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import {
  needsMeasurement,
  planBackends,
  type BackendAttempt,
  type BackendPreference,
  type BackendReport,
} from './backend.ts';
import { measureBackends } from './measure-backends.ts';
import { activate, defaultWasmThreads, probeOnce, tf } from './tf-runtime.ts';

async function wasmFeatures(): Promise<BackendReport['wasm']> {
  const env = tf.env();
  return {
    simd: Boolean(await env.getAsync('WASM_HAS_SIMD_SUPPORT')),
    threads: Boolean(await env.getAsync('WASM_HAS_MULTITHREAD_SUPPORT')),
    threadCount: getThreadsCount(),
  };
}

export async function initBackend(preference: BackendPreference): Promise<BackendReport> {
  const probe = await probeOnce();
  const measurement =
    probe.adapter && needsMeasurement(probe, preference)
      ? await measureBackends(probe.adapter, defaultWasmThreads())
      : null;
  const plan = planBackends(probe, preference, measurement ?? undefined);
  const failed: BackendAttempt[] = [];
  for (const backend of plan.order) {
    const error = await activate(backend);
    if (error === null) {
      let reason = plan.reason;
      if (failed.length > 0) {
        reason += `; ${failed.map((f) => `${f.backend} failed (${f.error})`).join(', ')}, so ${backend} is used`;
      }
      return {
        backend,
        preference,
        reason,
        adapter: probe.adapter,
        failed,
        measurement,
        wasm: backend === 'wasm' ? await wasmFeatures() : null,
      };
    }
    failed.push({ backend, error });
  }
  throw new Error(`No tfjs backend could start: ${failed.map((f) => `${f.backend}: ${f.error}`).join('; ')}`);
}
