/**
 * Compute backend selection: the one place that decides which tfjs backend runs the model, and why.
 *
 * WebGPU is the goal, but only on a real GPU. A fallback adapter (SwiftShader: WebGPU emulated on the CPU) is
 * about 50x slower than tfjs's wasm backend on the same machine, so `auto` treats it like no adapter at all.
 * The decision (`planBackends`) is pure so it can be tested in Node; probing and initialising need a browser.
 */

export const BACKENDS = ['webgpu', 'wasm', 'webgl', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];
export type BackendPreference = 'auto' | BackendName;
export const BACKEND_PREFERENCES: readonly BackendPreference[] = ['auto', ...BACKENDS];

export interface AdapterReport {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter: boolean;
  features: string[];
  limits: {
    maxComputeWorkgroupStorageSize: number;
    maxComputeInvocationsPerWorkgroup: number;
    maxStorageBufferBindingSize: number;
    maxBufferSize: number;
  };
}

export interface WebGPUProbe {
  /** `navigator.gpu` exists in this context. */
  api: boolean;
  adapter: AdapterReport | null;
  /** Why there is no adapter, when there is none. */
  error?: string;
}

export interface BackendPlan {
  /** Backends to try, best first; the first that initialises wins. */
  order: BackendName[];
  reason: string;
}

/** The order after the first choice fails: wasm is the fastest CPU path; webgl and cpu are last resorts. */
const FALLBACK_ORDER: readonly BackendName[] = ['wasm', 'webgl', 'cpu'];

export function describeAdapter(adapter: AdapterReport): string {
  const name = [adapter.vendor, adapter.architecture].filter(Boolean).join(' ') || adapter.description;
  return name || 'unknown adapter';
}

export function planBackends(probe: WebGPUProbe, preference: BackendPreference): BackendPlan {
  if (preference !== 'auto') {
    const rest = FALLBACK_ORDER.filter((b) => b !== preference);
    let reason = `${preference} chosen in settings`;
    if (preference === 'webgpu' && probe.adapter?.isFallbackAdapter) {
      reason += ` (the only adapter is a software fallback, ${describeAdapter(probe.adapter)}: expect it to be slow)`;
    }
    return { order: [preference, ...rest], reason };
  }
  if (probe.adapter && !probe.adapter.isFallbackAdapter) {
    return {
      order: ['webgpu', ...FALLBACK_ORDER],
      reason: `WebGPU adapter found (${describeAdapter(probe.adapter)}): training runs on the GPU`,
    };
  }
  if (probe.adapter) {
    return {
      order: [...FALLBACK_ORDER],
      reason:
        `Only a software WebGPU adapter was found (${describeAdapter(probe.adapter)}, a CPU emulation); ` +
        'the wasm backend is faster on this machine',
    };
  }
  const why = probe.api
    ? (probe.error ?? 'no adapter was returned')
    : 'this browser has no WebGPU (navigator.gpu)';
  return { order: [...FALLBACK_ORDER], reason: `No WebGPU adapter: ${why}; using the fastest CPU backend` };
}

export interface BackendAttempt {
  backend: BackendName;
  error: string;
}

export interface BackendReport {
  backend: BackendName;
  preference: BackendPreference;
  reason: string;
  adapter: AdapterReport | null;
  /** Backends that were tried first and failed, with their errors. */
  failed: BackendAttempt[];
  wasm: { simd: boolean; threads: boolean; threadCount: number } | null;
}

/** Asks the browser for a WebGPU adapter and describes it. Works on the main thread and in workers. */
export async function probeWebGPU(gpu: GPU | undefined = globalThis.navigator?.gpu): Promise<WebGPUProbe> {
  if (!gpu) return { api: false, adapter: null };
  let adapter: GPUAdapter | null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (error) {
    return { api: true, adapter: null, error: `requestAdapter failed: ${String(error)}` };
  }
  if (!adapter) return { api: true, adapter: null, error: 'requestAdapter returned null' };
  // Chrome before 136 put the fallback flag on the adapter; later versions on `adapter.info`.
  const info = adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
  const legacy = adapter as GPUAdapter & { isFallbackAdapter?: boolean };
  const limits = adapter.limits;
  return {
    api: true,
    adapter: {
      vendor: info.vendor ?? '',
      architecture: info.architecture ?? '',
      device: info.device ?? '',
      description: info.description ?? '',
      isFallbackAdapter: Boolean(info.isFallbackAdapter ?? legacy.isFallbackAdapter),
      features: [...adapter.features].sort(),
      limits: {
        maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
        maxComputeInvocationsPerWorkgroup: limits.maxComputeInvocationsPerWorkgroup,
        maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
        maxBufferSize: limits.maxBufferSize,
      },
    },
  };
}
