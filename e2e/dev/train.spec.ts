import { test, expect } from '../fixtures.ts';
import { callHarness, openHarness } from '../harness/harness.ts';

type Pieces = { results: Record<string, number[]>; leaked: number };

function maxRelativeDifference(a: number[], b: number[]): number {
  let scale = 0;
  for (const v of b) scale = Math.max(scale, Math.abs(v));
  let worst = 0;
  a.forEach((v, i) => {
    worst = Math.max(worst, Math.abs(v - b[i]!) / Math.max(Math.abs(b[i]!), 0.1 * scale, 1e-30));
  });
  return a.length === b.length ? worst : Number.POSITIVE_INFINITY;
}

for (const backend of ['webgpu', 'wasm'] as const) {
  test(`training pieces on ${backend} match cpu: CutMix pixels exactly, loss and AdamW closely`, async ({
    page,
  }) => {
    test.setTimeout(180_000);
    await openHarness(page, 'train');
    expect(await callHarness<string>(page, 'useBackend', 'cpu')).toBe('cpu');
    const cpu = await callHarness<Pieces>(page, 'trainPieces');
    expect(await callHarness<string>(page, 'useBackend', backend)).toBe(backend);
    const other = await callHarness<Pieces>(page, 'trainPieces');
    expect(other.leaked).toBe(0);
    expect(Object.keys(other.results).sort()).toEqual(Object.keys(cpu.results).sort());
    for (const [key, expected] of Object.entries(cpu.results)) {
      const actual = other.results[key]!;
      if (key.startsWith('mix-') && key !== 'mix-mixup') expect(actual, key).toEqual(expected);
      else expect(maxRelativeDifference(actual, expected), key).toBeLessThan(1e-5);
    }
  });
}
