/**
 * The data layer as the page sees it: the data worker's client and protocol, what the page does itself
 * before the worker (collecting dropped files, fetching the sample), and the dataset definitions it shows
 * (index, summary, splits, sampling settings, errors). The page's store imports the data side through this
 * module only (see docs/architecture.md).
 */
export { DataClient, getDataClient } from './client.ts';
export type * from './worker/protocol.ts';
export { collectDropped, collectPicked, type CollectedFiles } from './collect-files.ts';
export { fetchSampleDataset, type FetchProgress } from './sample-dataset.ts';
export { ARCHIVE_ACCEPT } from './archive/index.ts';
export type * from './dataset-index.ts';
export { summarizeDataset, type CountedValue, type DatasetSummary } from './summary.ts';
export { SPLIT_NAMES } from './splits.ts';
export { baseName, type SourceFile } from './source-files.ts';
export { DEFAULT_SPLIT_OPTIONS, type SplitOptions } from './labels.ts';
export {
  DEFAULT_PREPROCESS,
  evalClipSpec,
  trainClipSpec,
  type ClipSpec,
  type PreprocessSettings,
} from './clip-spec.ts';
export { IngestCancelledError, messageOf } from './errors.ts';
