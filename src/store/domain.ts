/**
 * What the components compute with besides the store's state: the domain's types and pure helpers (run
 * presets and settings, model sizes, dataset summaries, metric points), passed on from the data and compute
 * layers' public modules. Components import from the store only (see docs/architecture.md), so a component
 * can never reach a worker or a tensor.
 */
export * from '../worker/index.ts';
export * from '../data/index.ts';
