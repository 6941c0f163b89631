/**
 * Dataset archives (`UCF101_subset.tar.gz`, `.tgz`, `.tar`, `.zip`) expanded into the files they hold,
 * streaming and memory-bounded, for the data worker's ingest.
 */
export { ARCHIVE_ACCEPT, isArchive } from './detect.ts';
export type { ArchiveProgress } from './entries.ts';
export { expandArchives, type ExpandedFiles, type ExpandOptions } from './expand.ts';
