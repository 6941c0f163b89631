/** The VideoMAE-against-Hugging-Face check the model-parity specs run on each backend (harness page). */
import type { Page } from '@playwright/test';
import { expect } from '../fixtures.ts';
import { callHarness, openHarness } from '../harness/harness.ts';
import { FAKE_HUB_URL } from '../../playwright.config.ts';
import { classifierFixtures } from '../../scripts/lib/videomae-fixtures.ts';
import type { ParityResult } from '../harness/suites/model.ts';

/** The Hub stand-in serves fixtures/<dir> for the directories at the top of the fixtures folder. */
export const PARITY_REPOS = classifierFixtures()
  .filter((f) => !f.name.includes('/'))
  .map((f) => `fixtures/${f.name}`);

export async function expectModelParity(page: Page, backend: string, repo: string): Promise<void> {
  await openHarness(page, 'model');
  expect(await callHarness<string>(page, 'useBackend', backend)).toBe(backend);
  const r = await callHarness<ParityResult>(page, 'classifierParity', FAKE_HUB_URL, repo);
  expect(r.backend).toBe(backend);
  expect(r.logitsMaxDiff).toBeLessThan(1e-4);
  expect(r.hiddenStates).toBeGreaterThan(1);
  expect(r.hiddenWorstAbs).toBeLessThan(1e-4);
  expect(r.hiddenWorstRel).toBeLessThan(1e-5);
  expect(r.intLossDiff).toBeLessThan(1e-5);
  expect(r.softLossDiff).toBeLessThan(1e-5);
  expect(r.gradsChecked).toBeGreaterThan(10);
  expect(r.gradWorstRel).toBeLessThan(1e-3);
  expect(r.adamLogitsDiff).toBeLessThan(1e-3);
  expect(r.leakedByForward).toBe(0);
  expect(r.leakedByTrainingStep).toBe(0);
}
