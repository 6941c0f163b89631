/** expandArchives over a mixed drop: what passes through, what is replaced, what is reported, cancelling. */
import { gzipSync, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import type { SourceFile } from '../source-files.ts';
import { ARCHIVE_ACCEPT, expandArchives, isArchive, type ArchiveProgress } from './index.ts';

function source(path: string, bytes: Uint8Array | string): SourceFile {
  return { path, file: new File([bytes as BlobPart], path.split('/').pop()!) };
}

const CLIP = new Uint8Array(2000).map((_, i) => (i * 7) & 0xff);

function zipOf(entries: Record<string, Uint8Array>): Uint8Array {
  return zipSync(entries, { level: 0 });
}

describe('isArchive', () => {
  it('by name: the four expandable kinds, case-insensitive, and the known unsupported ones', () => {
    for (const path of [
      'UCF101_subset.tar.gz',
      'a/b/UCF101_subset.TGZ',
      'clips.tar',
      'Clips.ZIP',
      'UCF101.rar',
      'x.7z',
      'x.tar.xz',
      'x.tar.bz2',
      'x.tar.zst',
    ]) {
      expect(isArchive(path), path).toBe(true);
    }
    for (const path of [
      'v_X_g01_c01.avi',
      'notes.txt',
      'clip.gz',
      'tar',
      'zip',
      'a.zip/clip.mp4',
      '._UCF101_subset.tar.gz',
      '__MACOSX/UCF101_subset.zip',
    ]) {
      expect(isArchive(path), path).toBe(false);
    }
    expect(ARCHIVE_ACCEPT).toBe('.tar.gz,.tgz,.tar,.zip');
  });
});

describe('expandArchives', () => {
  it('leaves other files as they are, and puts each archive’s entries in its place', async () => {
    const before = source('drop/readme.txt', 'hello');
    const after = source('drop/v_Loose_g01_c01.mp4', CLIP);
    const zip = source(
      'drop/UCF101_subset.zip',
      zipOf({ 'UCF101_subset/train/A/v_A_g01_c01.avi': CLIP, 'UCF101_subset/val/A/v_A_g02_c01.avi': CLIP }),
    );
    const result = await expandArchives([before, zip, after]);
    expect(result.archives).toEqual(['drop/UCF101_subset.zip']);
    expect(result.problems).toEqual([]);
    expect(result.files.map((f) => f.path)).toEqual([
      'drop/readme.txt',
      'drop/UCF101_subset/train/A/v_A_g01_c01.avi',
      'drop/UCF101_subset/val/A/v_A_g02_c01.avi',
      'drop/v_Loose_g01_c01.mp4',
    ]);
    expect(result.files[0]).toBe(before);
    expect(result.files[3]).toBe(after);
  });

  it('nested archives stay files, untouched', async () => {
    const inner = zipOf({ 'v_B_g01_c01.avi': CLIP });
    const outer = zipSync({ 'data/inner.zip': [inner, { level: 0 }], 'data/v_A_g01_c01.avi': CLIP });
    const result = await expandArchives([source('outer.zip', outer)]);
    expect(result.archives).toEqual(['outer.zip']);
    expect(result.files.map((f) => f.path)).toEqual(['data/inner.zip', 'data/v_A_g01_c01.avi']);
    expect(new Uint8Array(await result.files[0]!.file.arrayBuffer())).toEqual(inner);
  });

  it('a path twice in one archive gives one file, the later entry, as extracting it would', async () => {
    const bytes = zipSync({
      'd/v_A_g01_c01.avi': [new Uint8Array([1]), { level: 0 }],
      'd/v_A_g01_c02.avi': [new Uint8Array([2, 2]), { level: 0 }],
    });
    // Rename the second entry to the first one's name; the same length keeps every offset.
    const text = new TextDecoder('latin1').decode(bytes);
    const same = new TextEncoder().encode('d/v_A_g01_c01.avi');
    for (
      let at = text.indexOf('d/v_A_g01_c02.avi');
      at >= 0;
      at = text.indexOf('d/v_A_g01_c02.avi', at + 1)
    ) {
      bytes.set(same, at);
    }
    const result = await expandArchives([source('twice.zip', bytes)]);
    expect(result.problems).toEqual([]);
    expect(result.files.map((f) => f.path)).toEqual(['d/v_A_g01_c01.avi']);
    expect(new Uint8Array(await result.files[0]!.file.arrayBuffer())).toEqual(new Uint8Array([2, 2]));
  });

  it('a bad archive is reported by name and reason, and the other files and archives stay', async () => {
    const good = source('UCF101_subset.zip', zipOf({ 'UCF101_subset/train/A/v_A_g01_c01.avi': CLIP }));
    const result = await expandArchives([
      source('page.tar.gz', '<!doctype html><title>404</title>'),
      source('xz.tar.gz', new Uint8Array([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 1, 2, 3])),
      source('UCF101.rar', new Uint8Array([0x52, 0x61, 0x72, 0x21, 0x1a, 0x07, 0x01, 0x00])),
      source('empty.tgz', ''),
      source('plain.gz.tgz', gzipSync(new TextEncoder().encode('just text, not a tar'))),
      good,
      source('v_A_g02_c01.avi', CLIP),
    ]);
    expect(result.archives).toEqual([
      'page.tar.gz',
      'xz.tar.gz',
      'UCF101.rar',
      'empty.tgz',
      'plain.gz.tgz',
      'UCF101_subset.zip',
    ]);
    expect(result.files.map((f) => f.path)).toEqual([
      'UCF101_subset/train/A/v_A_g01_c01.avi',
      'v_A_g02_c01.avi',
    ]);
    expect(result.problems).toEqual([
      { path: 'page.tar.gz', reason: 'page.tar.gz: not a gzip, tar or zip archive' },
      { path: 'xz.tar.gz', reason: 'xz.tar.gz: not a gzip, tar or zip archive (the file holds xz data)' },
      {
        path: 'UCF101.rar',
        reason: 'UCF101.rar: RAR archives are not supported (use .zip, .tar.gz or .tar)',
      },
      { path: 'empty.tgz', reason: 'empty.tgz: the file is empty' },
      { path: 'plain.gz.tgz', reason: 'plain.gz.tgz: not a tar archive' },
    ]);
  });

  it('reports progress per archive, from 0 to the whole file', async () => {
    const zip = source('UCF101_subset.zip', zipOf({ 'a/v_A_g01_c01.avi': CLIP, 'a/v_A_g02_c01.avi': CLIP }));
    const reports: ArchiveProgress[] = [];
    await expandArchives([zip], { onProgress: (p) => reports.push(p) });
    const total = zip.file.size;
    expect(reports[0]).toEqual({ file: 'UCF101_subset.zip', readBytes: 0, totalBytes: total, entries: 0 });
    expect(reports.at(-1)).toEqual({
      file: 'UCF101_subset.zip',
      readBytes: total,
      totalBytes: total,
      entries: 2,
    });
  });

  it('cancelling rejects with the signal’s reason, before or while reading', async () => {
    const zip = source('UCF101_subset.zip', zipOf({ 'a/v_A_g01_c01.avi': CLIP, 'a/v_A_g02_c01.avi': CLIP }));
    const before = new AbortController();
    before.abort();
    await expect(expandArchives([zip], { signal: before.signal })).rejects.toMatchObject({
      name: 'AbortError',
    });

    const during = new AbortController();
    const reason = new Error('user dropped another folder');
    const run = expandArchives([zip], { signal: during.signal, onProgress: () => during.abort(reason) });
    await expect(run).rejects.toBe(reason);
  });
});
