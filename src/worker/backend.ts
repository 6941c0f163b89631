/**
 * Compute backend selection: the one place that decides which tfjs backend runs the model, and why.
 *
 * WebGPU is the goal, but only where it is faster. An adapter's name does not say so: SwiftShader (flagged
 * as a fallback) is ~30x slower than tfjs's wasm backend on a CPU-only machine, and Mesa's lavapipe behind a
 * compatibility-mode adapter (empty info, not flagged) ~4x slower. So `auto` times a matMul on both and takes
 * the faster (`measure-backends.ts`, cached per device). The decision (`planBackends`) is pure so it can be
 * tested in Node; probing, measuring and initialising need a browser.
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
  /** No `core-features-and-limits` feature: a compatibility-mode adapter (e.g. Dawn on OpenGL ES). */
  compatibilityMode: boolean;
  limits: {
    maxComputeWorkgroupStorageSize: number;
    maxComputeInvocationsPerWorkgroup: number;
    maxStorageBufferBindingSize: number;
    maxStorageBuffersPerShaderStage: number;
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

/** A float32 matMul timed on one backend: what `auto` compares and what step-time estimates start from. */
export interface MatMulThroughput {
  backend: BackendName;
  /** Billions of multiply-adds x 2 per second on a float32 matMul of `size` x `size` x `size`. */
  gflops: number;
  size: number;
  /** Wall time the measurement took, warm-up included. */
  ms: number;
}

/** WebGPU timed against wasm on this device, for `auto`. */
export interface BackendMeasurement {
  /** Null when WebGPU could not start or failed the probe (`webgpuError` says why). */
  webgpu: MatMulThroughput | null;
  webgpuError?: string;
  /** Null when wasm could not start (then WebGPU wins if it ran). */
  wasm: MatMulThroughput | null;
  /** True when read from this device's cache rather than timed in this session. */
  cached: boolean;
  /** When it was timed (ms since the epoch). */
  measuredAt: number;
}

export interface BackendPlan {
  /** Backends to try, best first; the first that initialises wins. */
  order: BackendName[];
  reason: string;
}

/** The order after the first choice fails: wasm is the fastest CPU path; webgl and cpu are last resorts. */
const FALLBACK_ORDER: readonly BackendName[] = ['wasm', 'webgl', 'cpu'];

const MIB = 2 ** 20;

/**
 * The adapter's name, or, when its info is empty (lavapipe's compatibility adapter), its traits: that is
 * all that tells one such adapter from another.
 */
export function describeAdapter(adapter: AdapterReport): string {
  const name = [adapter.vendor, adapter.architecture].filter(Boolean).join(' ') || adapter.description;
  if (name) return name;
  const binding = adapter.limits.maxStorageBufferBindingSize;
  const size =
    binding >= 2 ** 30 ? `${(binding / 2 ** 30).toFixed(0)} GiB` : `${Math.round(binding / MIB)} MiB`;
  return [
    adapter.compatibilityMode ? 'compatibility-mode adapter' : 'adapter',
    `${size} bindings`,
    'no vendor info',
  ].join(', ');
}

/** Whether `auto` must time WebGPU against wasm before it can decide: whenever there is an adapter. */
export function needsMeasurement(probe: WebGPUProbe, preference: BackendPreference): boolean {
  return preference === 'auto' && probe.adapter !== null;
}

/**
 * What identifies "this device" for the cached measurement: the adapter as reported, the browser (a new
 * version can change either backend's speed) and the wasm thread count.
 */
export function measurementKey(adapter: AdapterReport, userAgent: string, wasmThreads: number): string {
  return JSON.stringify({ adapter, userAgent, wasmThreads });
}

function gflops(t: MatMulThroughput): string {
  return t.gflops >= 10 ? t.gflops.toFixed(0) : t.gflops.toPrecision(2);
}

/** `auto` with an adapter: the faster of the two measured backends leads, the other follows. */
function planByMeasurement(adapter: AdapterReport, measured: BackendMeasurement): BackendPlan {
  const described = describeAdapter(adapter);
  const traits = [
    adapter.compatibilityMode && !described.includes('compatibility') && 'compatibility mode',
    adapter.isFallbackAdapter && 'software fallback',
  ].filter((t): t is string => typeof t === 'string');
  const named = `WebGPU adapter (${[described, ...traits].join(', ')})`;
  const when = measured.cached ? ' (timed earlier on this device)' : '';
  const { webgpu, wasm } = measured;
  if (!webgpu) {
    return {
      order: [...FALLBACK_ORDER],
      reason: `${named} failed the timing probe (${measured.webgpuError ?? 'no result'}); using the fastest CPU backend`,
    };
  }
  if (!wasm) {
    return {
      order: ['webgpu', ...FALLBACK_ORDER],
      reason: `${named}: ${gflops(webgpu)} GFLOP/s measured; wasm did not start, using webgpu`,
    };
  }
  const useGpu = webgpu.gflops > wasm.gflops;
  return {
    order: useGpu ? ['webgpu', ...FALLBACK_ORDER] : [...FALLBACK_ORDER],
    reason:
      `${named}: ${gflops(webgpu)} GFLOP/s measured vs wasm ${gflops(wasm)} GFLOP/s${when} — ` +
      `using ${useGpu ? 'webgpu' : 'wasm'}`,
  };
}

/**
 * Which backends to try, in order, and why. `measured` is WebGPU timed against wasm (see `needsMeasurement`);
 * without it `auto` falls back to trusting the adapter's fallback flag.
 */
export function planBackends(
  probe: WebGPUProbe,
  preference: BackendPreference,
  measured?: BackendMeasurement,
): BackendPlan {
  if (preference !== 'auto') {
    const rest = FALLBACK_ORDER.filter((b) => b !== preference);
    let reason = `${preference} chosen in settings`;
    if (preference === 'webgpu' && probe.adapter?.isFallbackAdapter) {
      reason += ` (the only adapter is a software fallback, ${describeAdapter(probe.adapter)}: expect it to be slow)`;
    }
    return { order: [preference, ...rest], reason };
  }
  if (probe.adapter && measured) return planByMeasurement(probe.adapter, measured);
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
  /** WebGPU timed against wasm, when `auto` had an adapter to judge. */
  measurement: BackendMeasurement | null;
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
      compatibilityMode: !adapter.features.has('core-features-and-limits'),
      limits: {
        maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
        maxComputeInvocationsPerWorkgroup: limits.maxComputeInvocationsPerWorkgroup,
        maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
        maxStorageBuffersPerShaderStage: limits.maxStorageBuffersPerShaderStage,
        maxBufferSize: limits.maxBufferSize,
      },
    },
  };
}
