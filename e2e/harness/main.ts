/**
 * A page for browser tests of modules that have no UI of their own (model parity, kernels, decoders).
 * `/e2e/harness/index.html?suite=<name>` loads `suites/<name>.ts` and exposes its exports as
 * `window.harness`; a test then calls them with `page.evaluate`. Served by the dev server only.
 */
const suites = import.meta.glob('./suites/*.ts');

declare global {
  interface Window {
    harness: Record<string, unknown>;
    harnessReady: boolean;
    harnessError: string | null;
  }
}

window.harnessReady = false;
window.harnessError = null;

async function load(): Promise<void> {
  const name = new URL(window.location.href).searchParams.get('suite');
  const loader = suites[`./suites/${name}.ts`];
  if (!loader) throw new Error(`No harness suite "${name}" (have: ${Object.keys(suites).join(', ')})`);
  window.harness = (await loader()) as Record<string, unknown>;
  window.harnessReady = true;
  document.getElementById('status')!.textContent = `suite ${name} ready`;
}

load().catch((error: unknown) => {
  window.harnessError = String(error);
  document.getElementById('status')!.textContent = window.harnessError;
});
