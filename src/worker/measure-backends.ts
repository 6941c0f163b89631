/**
 * Times a float32 matMul on the active backend, and WebGPU against wasm for `auto`, remembering the result
 * per device in the Cache API (available in workers) so that later page loads skip the probe.
 */
import { activate, tf } from './tf-runtime.ts';
import {
  measurementKey,
  type AdapterReport,
  type BackendMeasurement,
  type BackendName,
  type MatMulThroughput,
} from './backend.ts';

/** matMul sizes tried in turn (256: 34 MFLOP, 1024: 2.1 GFLOP). */
const SIZES = [256, 512, 1024];
/** A product shorter than this is too quick to time well; grow it. */
const ENOUGH_MS = 40;
const CACHE_NAME = 'backend-measurements-v1';

/**
 * `auto` starts at 512: at 256 a software adapter's fixed cost per dispatch and readback (~0.2 s on lavapipe
 * under load) swamps the arithmetic, and training multiplies far larger matrices than that.
 */
const PROBE_MIN_SIZE = 512;

/**
 * Times the active backend: grows the product from `minSize` until one takes long enough, never past ~1 s
 * on slow ones.
 */
export async function timeMatMul(backend: BackendName, minSize = SIZES[0]!): Promise<MatMulThroughput> {
  const started = performance.now();
  const timeOne = async (size: number): Promise<number> => {
    const a = tf.randomNormal([size, size], 0, 1, 'float32', 3);
    try {
      // One untimed product compiles the kernel (WebGPU, WebGL) and warms the caches.
      const warm = tf.matMul(a, a);
      await warm.data();
      warm.dispose();
      const t0 = performance.now();
      const product = tf.matMul(a, a);
      await product.data();
      product.dispose();
      return performance.now() - t0;
    } finally {
      a.dispose();
    }
  };
  const sizes = SIZES.filter((s) => s >= minSize);
  let size = sizes[0] ?? minSize;
  let ms = await timeOne(size);
  for (const next of sizes.slice(1)) {
    if (ms > ENOUGH_MS) break;
    size = next;
    ms = await timeOne(size);
  }
  return { backend, gflops: (2 * size ** 3) / (ms * 1e6), size, ms: performance.now() - started };
}

async function cacheUrl(key: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(key));
  const hex = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
  return new URL(`/__backend-measurement/${hex}`, self.location.origin).href;
}

async function recall(key: string): Promise<BackendMeasurement | null> {
  try {
    const cache = await caches.open(CACHE_NAME);
    const hit = await cache.match(await cacheUrl(key));
    if (!hit) return null;
    return { ...((await hit.json()) as BackendMeasurement), cached: true };
  } catch {
    // No Cache API here (an insecure origin): measure every time.
    return null;
  }
}

async function remember(key: string, measurement: BackendMeasurement): Promise<void> {
  try {
    const cache = await caches.open(CACHE_NAME);
    const body = JSON.stringify(measurement);
    await cache.put(
      await cacheUrl(key),
      new Response(body, { headers: { 'content-type': 'application/json' } }),
    );
  } catch {
    // Not cached: the next page load measures again, which costs time but not correctness.
  }
}

async function timeOn(backend: BackendName): Promise<{ result: MatMulThroughput | null; error?: string }> {
  const error = await activate(backend);
  if (error !== null) return { result: null, error };
  try {
    return { result: await timeMatMul(backend, PROBE_MIN_SIZE) };
  } catch (failure) {
    return { result: null, error: failure instanceof Error ? failure.message : String(failure) };
  }
}

/**
 * WebGPU timed against wasm on this device: from the cache when this adapter, browser and thread count were
 * timed before, else measured now (leaves whichever backend ran last active; the caller activates its pick).
 */
export async function measureBackends(
  adapter: AdapterReport,
  wasmThreads: number,
): Promise<BackendMeasurement> {
  const key = measurementKey(adapter, navigator.userAgent, wasmThreads);
  const known = await recall(key);
  if (known) return known;
  const webgpu = await timeOn('webgpu');
  const wasm = await timeOn('wasm');
  const measurement: BackendMeasurement = {
    webgpu: webgpu.result,
    ...(webgpu.error !== undefined && { webgpuError: webgpu.error }),
    wasm: wasm.result,
    cached: false,
    measuredAt: Date.now(),
  };
  // A failed start may be passing (a busy GPU process); only a complete measurement is worth keeping.
  if (webgpu.result && wasm.result) await remember(key, { ...measurement, cached: true });
  return measurement;
}
