/**
 * Harness suite for `npm run bench -- train`: the app's training step (../train-step-run.ts) with the
 * backend switching the browser bench needs.
 */
export { useBackend } from './backends.ts';
export { chooseWasmThreads, defaultWasmThreads } from '../../../src/worker/tf-runtime.ts';
export * from '../train-step-run.ts';
