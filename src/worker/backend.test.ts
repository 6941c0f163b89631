import { describe, expect, it } from 'vitest';
import { planBackends, type AdapterReport, type WebGPUProbe } from './backend.ts';

function adapter(overrides: Partial<AdapterReport> = {}): AdapterReport {
  return {
    vendor: 'nvidia',
    architecture: 'hopper',
    device: '',
    description: '',
    isFallbackAdapter: false,
    features: [],
    limits: {
      maxComputeWorkgroupStorageSize: 32768,
      maxComputeInvocationsPerWorkgroup: 1024,
      maxStorageBufferBindingSize: 2 ** 30,
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
