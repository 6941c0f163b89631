import { describe, expect, it } from 'vitest';
import {
  describeAdapter,
  measurementKey,
  needsMeasurement,
  planBackends,
  type AdapterReport,
  type BackendMeasurement,
  type MatMulThroughput,
  type WebGPUProbe,
} from './backend.ts';

function adapter(overrides: Partial<AdapterReport> = {}): AdapterReport {
  return {
    vendor: 'nvidia',
    architecture: 'hopper',
    device: '',
    description: '',
    isFallbackAdapter: false,
    features: ['core-features-and-limits'],
    compatibilityMode: false,
    limits: {
      maxComputeWorkgroupStorageSize: 32768,
      maxComputeInvocationsPerWorkgroup: 1024,
      maxStorageBufferBindingSize: 2 ** 30,
      maxStorageBuffersPerShaderStage: 10,
      maxBufferSize: 2 ** 30,
    },
    ...overrides,
  };
}

const hardware: WebGPUProbe = { api: true, adapter: adapter() };
const swiftshader: WebGPUProbe = {
  api: true,
  adapter: adapter({ vendor: 'google', architecture: 'swiftshader', isFallbackAdapter: true }),
};
// Mesa lavapipe through Dawn's OpenGL ES backend: empty info, not flagged as a fallback, compat limits.
const lavapipe: WebGPUProbe = {
  api: true,
  adapter: adapter({
    vendor: '',
    architecture: '',
    features: [],
    compatibilityMode: true,
    limits: {
      maxComputeWorkgroupStorageSize: 16384,
      maxComputeInvocationsPerWorkgroup: 256,
      maxStorageBufferBindingSize: 128 * 2 ** 20,
      maxStorageBuffersPerShaderStage: 8,
      maxBufferSize: 2 ** 28,
    },
  }),
};
const noAdapter: WebGPUProbe = { api: true, adapter: null, error: 'requestAdapter returned null' };
const noApi: WebGPUProbe = { api: false, adapter: null };

describe('planBackends', () => {
  it('uses WebGPU on a hardware adapter', () => {
    const plan = planBackends(hardware, 'auto');
    expect(plan.order[0]).toBe('webgpu');
    expect(plan.reason).toContain('nvidia hopper');
  });

  it('treats a software (fallback) adapter like no GPU and prefers wasm', () => {
    const plan = planBackends(swiftshader, 'auto');
    expect(plan.order).toEqual(['wasm', 'webgl', 'cpu']);
    expect(plan.reason).toMatch(/software WebGPU adapter.*google swiftshader/);
  });

  it('says why there is no adapter', () => {
    expect(planBackends(noAdapter, 'auto').reason).toContain('requestAdapter returned null');
    expect(planBackends(noApi, 'auto').reason).toContain('no WebGPU');
    expect(planBackends(noApi, 'auto').order[0]).toBe('wasm');
  });

  it('honours an explicit choice first, then falls back', () => {
    expect(planBackends(swiftshader, 'webgpu').order).toEqual(['webgpu', 'wasm', 'webgl', 'cpu']);
    expect(planBackends(swiftshader, 'webgpu').reason).toContain('expect it to be slow');
    expect(planBackends(hardware, 'webgl').order).toEqual(['webgl', 'wasm', 'cpu']);
    expect(planBackends(hardware, 'cpu').reason).toBe('cpu chosen in settings');
  });
});

function timed(backend: 'webgpu' | 'wasm', gflops: number): MatMulThroughput {
  return { backend, gflops, size: 1024, ms: 300 };
}

function measured(webgpu: number | null, wasm: number | null, cached = false): BackendMeasurement {
  return {
    webgpu: webgpu === null ? null : timed('webgpu', webgpu),
    ...(webgpu === null && { webgpuError: 'device request failed' }),
    wasm: wasm === null ? null : timed('wasm', wasm),
    cached,
    measuredAt: 0,
  };
}

describe('auto decides by measurement', () => {
  it('measures whenever auto has an adapter, never for an explicit choice or without one', () => {
    expect(needsMeasurement(lavapipe, 'auto')).toBe(true);
    expect(needsMeasurement(hardware, 'auto')).toBe(true);
    expect(needsMeasurement(lavapipe, 'webgpu')).toBe(false);
    expect(needsMeasurement(noAdapter, 'auto')).toBe(false);
  });

  it('picks wasm over a compatibility adapter with empty info that measures slower, and says so', () => {
    const plan = planBackends(lavapipe, 'auto', measured(7.2, 26));
    expect(plan.order).toEqual(['wasm', 'webgl', 'cpu']);
    expect(plan.reason).toBe(
      'WebGPU adapter (compatibility-mode adapter, 128 MiB bindings, no vendor info): ' +
        '7.2 GFLOP/s measured vs wasm 26 GFLOP/s — using wasm',
    );
  });

  it('picks webgpu when it measures faster, whatever the adapter is called', () => {
    const plan = planBackends(lavapipe, 'auto', measured(300, 26, true));
    expect(plan.order).toEqual(['webgpu', 'wasm', 'webgl', 'cpu']);
    expect(plan.reason).toContain(
      '300 GFLOP/s measured vs wasm 26 GFLOP/s (timed earlier on this device) — using webgpu',
    );
  });

  it('a flagged fallback adapter that measured slower loses too, named as such', () => {
    const plan = planBackends(swiftshader, 'auto', measured(0.85, 26));
    expect(plan.order[0]).toBe('wasm');
    expect(plan.reason).toContain('google swiftshader, software fallback');
  });

  it('a WebGPU probe that failed means wasm; a wasm that failed means webgpu', () => {
    const failed = planBackends(hardware, 'auto', measured(null, 26));
    expect(failed.order[0]).toBe('wasm');
    expect(failed.reason).toContain('failed the timing probe (device request failed)');
    expect(planBackends(hardware, 'auto', measured(50, null)).order[0]).toBe('webgpu');
  });

  it('an explicit choice ignores measurements', () => {
    expect(planBackends(lavapipe, 'webgpu', measured(7, 26)).order[0]).toBe('webgpu');
  });
});

describe('describeAdapter', () => {
  it('names an adapter with info by vendor and architecture, one without by its traits', () => {
    expect(describeAdapter(adapter())).toBe('nvidia hopper');
    expect(describeAdapter(lavapipe.adapter!)).toBe(
      'compatibility-mode adapter, 128 MiB bindings, no vendor info',
    );
  });
});

describe('measurementKey', () => {
  it('changes with the adapter, the browser and the wasm threads', () => {
    const base = measurementKey(lavapipe.adapter!, 'Chrome/156', 1);
    expect(measurementKey(lavapipe.adapter!, 'Chrome/156', 1)).toBe(base);
    expect(measurementKey(hardware.adapter!, 'Chrome/156', 1)).not.toBe(base);
    expect(measurementKey(lavapipe.adapter!, 'Chrome/157', 1)).not.toBe(base);
    expect(measurementKey(lavapipe.adapter!, 'Chrome/156', 3)).not.toBe(base);
  });
});
