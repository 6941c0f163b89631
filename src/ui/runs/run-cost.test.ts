import { describe, expect, it } from 'vitest';
import {
  INPUT_CHOICES,
  presetConfig,
  type PresetName,
  presetById,
  withCutMixToggled,
  type RunConfig,
  type AdapterReport,
} from '../../store/domain.ts';
import { INPUT_KEYS } from '../../store/model-settings.ts';
import { figuresFromConfig } from '../model/model-figures.ts';
import { runCost, WASM_HEAP_BYTES, type CostInput } from './run-cost.ts';

const labels = Array.from({ length: 10 }, (_, i) => `c${i}`);
const figuresOf = (preset: PresetName, input: string, batch: number) => {
  const choice = INPUT_CHOICES[INPUT_KEYS.indexOf(input)]!;
  return figuresFromConfig(presetConfig(preset, choice, labels), { A: batch, B: batch });
};
const runs = (config: RunConfig) => ({ A: config, B: withCutMixToggled(config) });

function input(
  preset: PresetName,
  key: string,
  config: RunConfig,
  patch: Partial<CostInput> = {},
): CostInput {
  return {
    figures: figuresOf(preset, key, config.batchSize),
    configs: runs(config),
    trainClips: 204,
    backend: 'wasm',
    adapter: null,
    throughput: { backend: 'wasm', gflops: 28, size: 512, ms: 40 },
    figuresAtInput: (k) => figuresOf(preset, k, config.batchSize),
    inputs: INPUT_KEYS,
    input: key,
    fusedAttention: false,
    ...patch,
  };
}

describe('runCost', () => {
  it('lets the tiny model at 8x64 train on wasm and says how long a step, an epoch and both runs take', () => {
    const config = presetById('from-scratch').config;
    const cost = runCost(input('tiny', '8x64', config));
    expect(cost.fits).toBe(true);
    expect(cost.reason).toBeNull();
    expect(cost.checks[0]!.limit).toBeLessThan(WASM_HEAP_BYTES);
    const figures = figuresOf('tiny', '8x64', 8);
    const step = (3 * figures.forwardFlopsPerClip * 8) / 28e9 / 0.67;
    expect(cost.time!.A.stepSeconds).toBeCloseTo(step, 12);
    // 204 clips in batches of 8: 26 steps an epoch, 10 epochs.
    expect(cost.time!.A.stepsPerEpoch).toBe(26);
    expect(cost.time!.A.totalSteps).toBe(260);
    expect(cost.totalSeconds).toBeCloseTo(2 * 260 * step, 9);
    expect(runCost(input('tiny', '8x64', config, { throughput: null })).time).toBeNull();
  });

  it('refuses VideoMAE-Base at 16x224 on wasm, saying why, and offers what would fit', () => {
    const config = { ...presetById('write-up').config, batchSize: 1 };
    const cost = runCost(input('base', '16x224', config));
    expect(cost.fits).toBe(false);
    // Each run 1.5 GB of weights, gradients and Adam state, and one step's activations (3.3 GB).
    expect(cost.bothBytes).toBeGreaterThan(6e9);
    expect(cost.reason).toMatch(/^Needs 6\.\d GB for the wasm heap .* wasm can hold 3\.\d GB\.$/);
    // No batch below 1, and one run alone needs 4.8 GB too: a smaller input is what fits.
    expect(cost.remedies.map((r) => r.kind)).toEqual(['input']);
    const smaller = cost.remedies[0]!;
    expect(smaller.kind === 'input' && INPUT_KEYS.indexOf(smaller.input)).toBeGreaterThan(0);
    expect(runCost(input('base', smaller.kind === 'input' ? smaller.input : '', config)).fits).toBe(true);
  });

  it('offers a smaller batch when one fits, and WebGPU when a real adapter is there', () => {
    const config = { ...presetById('write-up').config, batchSize: 8 };
    const adapter = {
      isFallbackAdapter: false,
      limits: { maxStorageBufferBindingSize: 2 ** 30, maxBufferSize: 2 ** 32 },
    } as AdapterReport;
    const cost = runCost(input('small', '16x224', config, { adapter }));
    expect(cost.fits).toBe(false);
    const batch = cost.remedies.find((r) => r.kind === 'batch');
    expect(batch && batch.kind === 'batch' && batch.batchSize).toBeGreaterThanOrEqual(1);
    expect(cost.remedies.some((r) => r.kind === 'backend')).toBe(true);
  });

  it('checks the largest tensor against a WebGPU adapter’s binding size; fused attention never makes the scores', () => {
    const config = { ...presetById('write-up').config, batchSize: 2 };
    // A compatibility adapter (lavapipe): 128 MiB per storage binding.
    const adapter = {
      isFallbackAdapter: false,
      limits: { maxStorageBufferBindingSize: 128 * 2 ** 20, maxBufferSize: 2 ** 30 },
    } as AdapterReport;
    const stock = runCost(input('base', '16x224', config, { backend: 'webgpu', adapter }));
    // 12 heads x 1568^2 scores x 4 bytes x 2 clips = 236 MB > 128 MiB.
    expect(stock.fits).toBe(false);
    expect(stock.checks[0]!.need).toBe(2 * 4 * 12 * 1568 * 1568);
    // The refusal names the tensor and the limit it exceeds.
    expect(stock.reason).toMatch(/attention scores.*maxStorageBufferBindingSize/);
    const fused = runCost(
      input('base', '16x224', config, { backend: 'webgpu', adapter, fusedAttention: true }),
    );
    expect(fused.fits).toBe(true);
    // At batch 8 even the fused path's largest tensor, the MLP activations, passes the binding.
    const wide = runCost(
      input(
        'base',
        '16x224',
        { ...config, batchSize: 8 },
        { backend: 'webgpu', adapter, fusedAttention: true },
      ),
    );
    expect(wide.fits).toBe(false);
    expect(wide.reason).toMatch(/MLP hidden activations/);
    expect(wide.remedies).toContainEqual(expect.objectContaining({ kind: 'batch', batchSize: 6 }));
  });
});
