/**
 * Files from what the user gave the page: a drop (folders are walked recursively through
 * `webkitGetAsEntry()`), a folder picker (`<input webkitdirectory>`, paths from `webkitRelativePath`) or
 * loose files. Paths are `/`-separated and start with the dropped folder's name, like the sample dataset's.
 */
import type { SourceFile } from './source-files.ts';

export interface CollectedFiles {
  files: SourceFile[];
  /** The dropped folder's name, or "N files". */
  name: string;
}

function countOf(files: readonly SourceFile[]): string {
  return `${files.length} file${files.length === 1 ? '' : 's'}`;
}

function fileOf(entry: FileSystemFileEntry): Promise<File> {
  return new Promise((resolve, reject) => entry.file(resolve, reject));
}

async function readAll(reader: FileSystemDirectoryReader): Promise<FileSystemEntry[]> {
  const all: FileSystemEntry[] = [];
  // readEntries returns at most ~100 entries per call; an empty batch means the end.
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) =>
      reader.readEntries(resolve, reject),
    );
    if (batch.length === 0) return all;
    all.push(...batch);
  }
}

async function walk(entry: FileSystemEntry, out: SourceFile[]): Promise<void> {
  if (entry.isFile) {
    const file = await fileOf(entry as FileSystemFileEntry);
    out.push({ path: entry.fullPath.replace(/^\/+/, ''), file });
  } else if (entry.isDirectory) {
    const children = await readAll((entry as FileSystemDirectoryEntry).createReader());
    for (const child of children) await walk(child, out);
  }
}

/** Must be called synchronously in the drop handler: the DataTransfer empties once the event returns. */
export function collectDropped(transfer: DataTransfer): Promise<CollectedFiles> {
  const entries = [...transfer.items]
    .filter((item) => item.kind === 'file')
    .map((item) => item.webkitGetAsEntry?.() ?? null);
  const loose = [...transfer.files];
  return (async () => {
    const files: SourceFile[] = [];
    if (entries.length > 0 && entries.every((e) => e !== null)) {
      for (const entry of entries) await walk(entry!, files);
    } else {
      files.push(...loose.map((file) => ({ path: file.name, file })));
    }
    files.sort((a, b) => (a.path < b.path ? -1 : 1));
    const only = entries.length === 1 ? entries[0] : null;
    return { files, name: only?.isDirectory ? only.name : countOf(files) };
  })();
}

/** From `<input type="file" webkitdirectory>` or `<input type="file" multiple>`. */
export function collectPicked(list: FileList): CollectedFiles {
  const files = [...list]
    .map((file) => ({ path: file.webkitRelativePath || file.name, file }))
    .sort((a, b) => (a.path < b.path ? -1 : 1));
  const roots = new Set(files.map((f) => (f.path.includes('/') ? f.path.split('/')[0]! : '')));
  const root = roots.size === 1 ? [...roots][0]! : '';
  return { files, name: root || countOf(files) };
}
