/** An accessibility scan of the page with axe-core (bundled by @axe-core/playwright, so it runs offline). */
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { expect } from '../fixtures.ts';

/** The impacts that fail a scan: what blocks or seriously hinders someone on a screen reader or keyboard. */
const FAILING_IMPACTS = new Set(['serious', 'critical']);

type Result = Awaited<ReturnType<AxeBuilder['analyze']>>['violations'][number];

/** One violation as a line: the rule, its impact, each element it found (and the contrast it measured). */
function describe(violation: Result): string {
  const nodes = violation.nodes.map((node) => {
    const data = node.any[0]?.data as { contrastRatio?: number; fgColor?: string; bgColor?: string } | null;
    const contrast = data?.contrastRatio
      ? ` (contrast ${data.contrastRatio}: ${data.fgColor} on ${data.bgColor})`
      : '';
    return `${node.target.join(' > ')}${contrast}`;
  });
  return `${violation.id} (${violation.impact}): ${violation.help}; on ${nodes.join(', ')}`;
}

/**
 * Scans the whole page as it stands and fails on any serious or critical violation, naming each rule, its
 * impact and the elements it found.
 */
export async function expectNoSeriousViolations(page: Page, state: string): Promise<void> {
  const { violations } = await new AxeBuilder({ page }).analyze();
  const failing = violations.filter((v) => FAILING_IMPACTS.has(v.impact ?? '')).map(describe);
  expect(failing, `serious or critical accessibility violations on ${state}`).toEqual([]);
}
