/** Replaces each dropped archive by its entries, one archive at a time. */
import type { SkippedFile } from '../dataset-index.ts';
import type { SourceFile } from '../source-files.ts';
import { isArchive, sniffArchive, unsupportedArchive } from './detect.ts';
import { ArchiveContext, ArchiveFault, errorText, type ArchiveProgress } from './entries.ts';
import type { InflateImpl } from './inflate.ts';
import { readTar, readTarGz } from './tar.ts';
import { readZip } from './zip.ts';

export interface ExpandOptions {
  /** Per archive: a first report at 0, at most one every 100 ms while reading, and a last one. */
  onProgress?: (progress: ArchiveProgress) => void;
  /** Aborting rejects expandArchives with the signal's reason; nothing else makes it reject. */
  signal?: AbortSignal;
}

export interface ExpandedFiles {
  /** The non-archive files as given, and in each archive's place its entries, in archive order. */
  files: SourceFile[];
  /**
   * Faults, each reason starting with the archive's name. An archive unreadable from some point on has
   * its own path here (its entries before that point are in `files`); a single bad entry has the path it
   * would have had in `files` (an unsafe one, its name in the archive).
   */
  problems: SkippedFile[];
  /** The paths of the files taken for archives (isArchive), readable or not. */
  archives: string[];
}

async function expandOne(
  archive: SourceFile,
  options: ExpandOptions,
  impl: InflateImpl | undefined,
): Promise<ArchiveContext> {
  const ctx = new ArchiveContext(archive, options.signal, options.onProgress);
  ctx.progress(0, true);
  try {
    const unsupported = unsupportedArchive(archive.path);
    if (unsupported) throw new ArchiveFault(`${unsupported} are not supported (use .zip, .tar.gz or .tar)`);
    if (archive.file.size === 0) throw new ArchiveFault('the file is empty');
    const head = new Uint8Array(await archive.file.slice(0, 512).arrayBuffer());
    const sniffed = sniffArchive(head, archive.path);
    if (sniffed.kind === 'unknown') {
      const holds = sniffed.what ? ` (the file holds ${sniffed.what})` : '';
      throw new ArchiveFault(`not a gzip, tar or zip archive${holds}`);
    }
    if (sniffed.kind === 'tar') await readTar(ctx);
    else if (sniffed.kind === 'tar.gz') await readTarGz(ctx, impl);
    else await readZip(ctx, impl);
  } catch (error) {
    options.signal?.throwIfAborted();
    ctx.fault(
      error instanceof ArchiveFault ? error.message : `could not read the archive (${errorText(error)})`,
    );
  }
  // The last report: as far as the reader got, all of the file when the archive was whole.
  ctx.progress(0, true);
  return ctx;
}

/** As expandArchives, with the inflater chosen (tests run both). */
export async function expandArchivesWith(
  files: readonly SourceFile[],
  options: ExpandOptions,
  impl: InflateImpl | undefined,
): Promise<ExpandedFiles> {
  const out: ExpandedFiles = { files: [], problems: [], archives: [] };
  for (const source of files) {
    options.signal?.throwIfAborted();
    if (!isArchive(source.path)) {
      out.files.push(source);
      continue;
    }
    out.archives.push(source.path);
    const ctx = await expandOne(source, options, impl);
    out.files.push(...ctx.entries);
    out.problems.push(...ctx.problems);
  }
  return out;
}

/**
 * Replaces every archive among `files` (see isArchive) by the files inside it, read without loading the
 * archive whole: entries of a .tar and stored zip entries are slices of the archive file; .tar.gz and
 * deflated zip entries are decompressed as a stream, each entry into one File. A bad archive never
 * rejects: what was read before the fault is kept and the fault is in `problems`.
 */
export function expandArchives(
  files: readonly SourceFile[],
  options: ExpandOptions = {},
): Promise<ExpandedFiles> {
  return expandArchivesWith(files, options, undefined);
}
