import type { Page } from '@playwright/test';
import { test, expect, isProblem } from '../fixtures.ts';
import { callHarness, openHarness } from '../harness/harness.ts';
import type { AttentionShape, MemoryResult, ParityResult } from '../harness/suites/attention.ts';
import type { AttentionPlan } from '../../src/kernels/attention-tiling.ts';

/**
 * The fused WGSL attention against the stock tfjs ops on the webgpu backend. Here that is lavapipe (or
 * SwiftShader with E2E_WEBGPU_ADAPTER=swiftshader): CPU emulation, and every new head dim compiles its
 * shaders, so shapes are small except N = 392 (VideoMAE at 8 frames of 112 x 112); benchmarks measure the
 * large ones.
 */
const TOLERANCE = 1e-4;

const SHAPES: (AttentionShape & { logitScale?: number })[] = [
  { batch: 1, heads: 1, tokens: 392, headDim: 64 },
  { batch: 1, heads: 2, tokens: 200, headDim: 32 },
  // Peaked softmax (logits ~ N(0, 16)): exercises the online rescaling across key tiles.
  { batch: 1, heads: 2, tokens: 150, headDim: 64, logitScale: 4 },
  { batch: 2, heads: 3, tokens: 45, headDim: 64 },
  { batch: 1, heads: 2, tokens: 100, headDim: 96 },
  { batch: 1, heads: 1, tokens: 67, headDim: 128 },
  { batch: 3, heads: 1, tokens: 1, headDim: 32 },
  { batch: 1, heads: 16, tokens: 17, headDim: 64 },
  { batch: 1, heads: 2, tokens: 33, headDim: 40 },
  { batch: 2, heads: 2, tokens: 50, keyTokens: 77, headDim: 32 },
];

function expectParity(result: ParityResult, shape: AttentionShape): void {
  const label = JSON.stringify(shape);
  expect(result.finite, label).toBe(true);
  expect(result.selectedPath, label).toBe('fused');
  for (const name of ['out', 'dq', 'dk', 'dv'] as const) {
    expect(result.maxDiff[name], `${label} ${name}`).toBeLessThan(TOLERANCE);
    // A comparison means something only if the tensors are not all zero (with a single key the softmax
    // is constant, so dq and dk are exactly zero).
    const alwaysZero = (shape.keyTokens ?? shape.tokens) === 1 && (name === 'dq' || name === 'dk');
    if (!alwaysZero) expect(result.maxReference[name], `${label} ${name}`).toBeGreaterThan(0.05);
  }
}

test.describe('fused attention on webgpu', () => {
  // One page for all tests: SwiftShader compiles each pipeline in seconds, and a page keeps them.
  test.describe.configure({ mode: 'serial', timeout: 240_000 });
  let page: Page;
  const problems: string[] = [];

  test.beforeAll(async ({ browser }) => {
    page = await browser.newPage();
    // What the `page` fixture checks, for this shared page: page errors, console errors, WGSL warnings.
    page.on('pageerror', (error) => problems.push(`${error.name}: ${error.message}`));
    page.on('console', (message) => {
      if (isProblem(message)) problems.push(`[${message.type()}] ${message.text()}`);
    });
    await openHarness(page, 'attention');
    expect(await callHarness<string>(page, 'useBackend', 'webgpu')).toBe('webgpu');
  });

  test.afterEach(() => {
    expect(problems, 'page errors, console errors or WGSL/Invalid warnings').toEqual([]);
  });

  test.afterAll(async () => {
    await page.close();
  });

  // One test per shape: each new head dim compiles its shaders, seconds apiece on a CPU adapter.
  for (const { logitScale, ...shape } of SHAPES) {
    test(`matches the stock ops: output and dq, dk, dv within 1e-4 for ${JSON.stringify(shape)}`, async () => {
      const result = await callHarness<ParityResult>(page, 'attentionParity', shape, 1, logitScale ?? 1);
      expectParity(result, shape);
    });
  }

  test('matches with the large tiles a GPU gets', async () => {
    await callHarness(page, 'useGpuTiling', true);
    try {
      const plan = await callHarness<AttentionPlan>(page, 'planFor', 8);
      for (const tile of [plan.forward, plan.backward]) {
        expect(tile.rows * tile.cols, JSON.stringify(tile)).toBeGreaterThanOrEqual(32 * 32);
      }
      // 150 tokens: full tiles and a partial one, whatever the tile side.
      const shape = { batch: 2, heads: 3, tokens: 150, headDim: 8 };
      expectParity(await callHarness<ParityResult>(page, 'attentionParity', shape, 2), shape);
    } finally {
      await callHarness(page, 'useGpuTiling', false);
    }
  });

  test('trains through tf.variableGrads: loss and every weight gradient match the stock path', async () => {
    const result = await callHarness<{
      lossDiff: number;
      maxGradDiff: number;
      maxGrad: number;
      fusedPathUsed: boolean;
    }>(page, 'variableGradsParity', { batch: 2, heads: 2, tokens: 40, headDim: 32 });
    expect(result.fusedPathUsed).toBe(true);
    expect(result.lossDiff).toBeLessThan(1e-5);
    expect(result.maxGrad).toBeGreaterThan(1e-3);
    expect(result.maxGradDiff).toBeLessThan(TOLERANCE * result.maxGrad);
  });

  test('is chosen automatically on webgpu, and the stock path otherwise', async () => {
    expect(await callHarness(page, 'pathChoices')).toEqual({
      default: 'fused',
      fusedFalse: 'stock',
      dropout: 'stock',
      dropoutZero: 'fused',
      int32: 'stock',
    });
    expect(await callHarness<string>(page, 'useBackend', 'cpu')).toBe('cpu');
    try {
      expect((await callHarness<Record<string, string>>(page, 'pathChoices')).default).toBe('stock');
    } finally {
      expect(await callHarness<string>(page, 'useBackend', 'webgpu')).toBe('webgpu');
    }
  });

  test('peak memory of forward + backward grows linearly in N, the stock path quadratically', async () => {
    const peaks: Record<string, number> = {};
    for (const tokens of [256, 512]) {
      for (const path of ['fused', 'stock'] as const) {
        const shape = { batch: 1, heads: 1, tokens, headDim: 64 };
        const result = await callHarness<MemoryResult>(page, 'attentionPeakMemory', shape, path);
        expect(result.leakedBytes, `${path} N=${tokens} leaks`).toBe(0);
        peaks[`${path}${tokens}`] = result.peakBytesAboveInputs;
      }
    }
    const fusedGrowth = peaks.fused512! / peaks.fused256!;
    const stockGrowth = peaks.stock512! / peaks.stock256!;
    expect(fusedGrowth, JSON.stringify(peaks)).toBeLessThan(2.2);
    expect(stockGrowth, JSON.stringify(peaks)).toBeGreaterThan(3);
    // Even at N = 512 (d = 64) the N x N terms already dominate the stock path.
    expect(peaks.fused512!, JSON.stringify(peaks)).toBeLessThan(0.4 * peaks.stock512!);
  });
});
