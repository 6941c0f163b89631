import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test as plainTest } from '@playwright/test';
import { test, expect } from '../fixtures.ts';
import { callHarness, openHarness } from '../harness/harness.ts';
import { FAKE_HUB_URL } from '../../playwright.config.ts';
import { FIXTURES_ROOT } from '../../scripts/lib/videomae-fixtures.ts';
import type { HubLoadResult } from '../harness/suites/model.ts';

const REPO = 'fixtures/tiny_cls_meanpool';
const expected = JSON.parse(readFileSync(join(FIXTURES_ROOT, 'tiny_cls_meanpool/expected.json'), 'utf8')) as {
  logits: number[][];
};
const weightBytes = readFileSync(join(FIXTURES_ROOT, 'tiny_cls_meanpool/model.safetensors')).length;

function maxAbs(a: number[][], b: number[][]): number {
  return Math.max(...a.flatMap((row, i) => row.map((v, j) => Math.abs(v - b[i]![j]!))));
}

test('loads from the Hub with byte progress, and a second load comes from Cache Storage', async ({
  page,
}) => {
  await openHarness(page, 'model');
  await callHarness(page, 'useBackend', 'wasm');
  const first = await callHarness<HubLoadResult>(page, 'hubLoad', FAKE_HUB_URL, REPO, { clearCache: true });
  expect(first.format).toBe('safetensors');
  const weights = first.progress.filter((p) => p.file === 'model.safetensors');
  expect(weights.length).toBeGreaterThan(1);
  expect(weights.every((p) => !p.fromCache && p.totalBytes === weightBytes)).toBe(true);
  expect(weights.at(-1)).toMatchObject({ loadedBytes: weightBytes, done: true });
  expect(maxAbs(first.logits, expected.logits)).toBeLessThan(1e-4);

  // A reload of the page: nothing may be requested from the Hub any more.
  await page.reload();
  await openHarness(page, 'model');
  await callHarness(page, 'useBackend', 'wasm');
  const hubRequests: string[] = [];
  page.on('request', (request) => {
    // meta.json and input.bin are fetched by the harness itself; the checkpoint files must not be.
    if (/\/(config\.json|model\.safetensors|\.videomae-checkpoint\.json)$/.test(request.url()))
      hubRequests.push(request.url());
  });
  const second = await callHarness<HubLoadResult>(page, 'hubLoad', FAKE_HUB_URL, REPO);
  expect(second.progress.length).toBeGreaterThan(0);
  expect(second.progress.every((p) => p.fromCache)).toBe(true);
  expect(hubRequests).toEqual([]);
  expect(second.logits).toEqual(first.logits);
});

test('loads dropped files (config.json + pytorch_model.bin) to the same logits', async ({ page }) => {
  await openHarness(page, 'model');
  await callHarness(page, 'useBackend', 'wasm');
  const logits = await callHarness<number[][]>(page, 'filesLoad', FAKE_HUB_URL, REPO, 'pytorch_model.bin');
  expect(maxAbs(logits, expected.logits)).toBeLessThan(1e-4);
});

// Chromium logs every 401/404 response as a console error, which the shared fixture counts as a failure:
// this test expects those responses, so it uses the plain page.
plainTest('names what is missing when the Hub says 401 or 404', async ({ page }) => {
  await openHarness(page, 'model');
  const missingRepo = await callHarness<{ name: string; message: string }>(
    page,
    'hubLoadError',
    FAKE_HUB_URL,
    'fixtures/nope',
  );
  expect(missingRepo.name).toBe('HubRepoNotFoundError');
  expect(missingRepo.message).toContain('Repository "fixtures/nope" was not found');
  const badRevision = await callHarness<{ name: string; message: string }>(
    page,
    'hubLoadError',
    FAKE_HUB_URL,
    REPO,
    'v2',
  );
  expect(badRevision.name).toBe('HubRevisionNotFoundError');
});
