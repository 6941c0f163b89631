/**
 * Zip archives made by fflate (stored, deflated, streamed with data descriptors) and by Python's zipfile
 * (zip64, a symlink, a UTF-8 name, a comment), whole and damaged, against the bytes put in.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Zip, ZipDeflate, ZipPassThrough, zipSync, type Zippable } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SourceFile } from '../source-files.ts';
import { expandArchivesWith } from './expand.ts';
import { expandArchives } from './index.ts';

/** Even seconds, local time: what a DOS timestamp holds exactly. */
const MTIME = new Date(2021, 4, 6, 7, 8, 10);

function content(path: string, size: number, compressible = false): Uint8Array {
  const out = new Uint8Array(size);
  let x = createHash('sha256').update(path).digest().readUInt32LE(0);
  for (let i = 0; i < size; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = compressible ? 0x61 + (x >>> 29) : x >>> 24;
  }
  return out;
}

/** The files put into the fflate zip, by path and how they are stored. */
const STORED = 'UCF101_subset/train/ApplyEyeMakeup/v_ApplyEyeMakeup_g01_c01.avi';
const DEFLATED = 'UCF101_subset/train/ApplyEyeMakeup/v_ApplyEyeMakeup_g01_c02.avi';
const EMPTY = 'UCF101_subset/val/Archery/v_Archery_g02_c01.avi';
const RANDOM = 'UCF101_subset/test/BabyCrawling/v_BabyCrawling_g03_c01.avi';
const NESTED = 'UCF101_subset/nested.tar.gz';
const SOURCES: Record<string, Uint8Array> = {
  [STORED]: content(STORED, 300_000),
  [DEFLATED]: content(DEFLATED, 50_000, true),
  [EMPTY]: new Uint8Array(0),
  [RANDOM]: content(RANDOM, 70_000),
  [NESTED]: content(NESTED, 1000),
};

function fflateZip(extra: Zippable = {}): Uint8Array<ArrayBuffer> {
  return zipSync(
    {
      'UCF101_subset/': new Uint8Array(0),
      [STORED]: [SOURCES[STORED]!, { level: 0 }],
      [DEFLATED]: [SOURCES[DEFLATED]!, { level: 6 }],
      [EMPTY]: [SOURCES[EMPTY]!, { level: 6 }],
      [RANDOM]: [SOURCES[RANDOM]!, { level: 9 }],
      [NESTED]: [SOURCES[NESTED]!, { level: 0 }],
      '__MACOSX/UCF101_subset/train/ApplyEyeMakeup/._v_ApplyEyeMakeup_g01_c01.avi': new Uint8Array(4096),
      '__MACOSX/UCF101_subset/train/ApplyEyeMakeup/v_ApplyEyeMakeup_g01_c03.avi': new Uint8Array(10),
      'UCF101_subset/train/ApplyEyeMakeup/._v_ApplyEyeMakeup_g01_c02.avi': new Uint8Array(4096),
      'UCF101_subset/.DS_Store': new Uint8Array(6148),
      ...extra,
    },
    { mtime: MTIME },
  );
}

/** Size and SHA-256: exact, and fast where a deep equal of large arrays is not. */
function digest(bytes: Uint8Array): string {
  return `${bytes.length} bytes, sha256 ${createHash('sha256').update(bytes).digest('hex')}`;
}

async function digestOf(blob: Blob): Promise<string> {
  return digest(new Uint8Array(await blob.arrayBuffer()));
}

function zipSource(bytes: Uint8Array<ArrayBuffer>, path: string): SourceFile {
  return { path, file: new File([bytes], path.split('/').pop()!) };
}

async function expectSources(files: SourceFile[], prefix = ''): Promise<void> {
  expect(files.map((f) => f.path).sort()).toEqual(
    Object.keys(SOURCES)
      .map((p) => prefix + p)
      .sort(),
  );
  for (const { path, file } of files) {
    expect(file.name).toBe(path.split('/').pop());
    expect(file.lastModified, path).toBe(MTIME.getTime());
    expect(await digestOf(file), path).toBe(digest(SOURCES[path.slice(prefix.length)]!));
  }
}

/** Where each entry's headers sit, from the central directory (the test's own minimal reader). */
function layout(
  zip: Uint8Array,
): Map<string, { central: number; local: number; dataStart: number; compressed: number }> {
  const v = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const eocd = zip.length - 22;
  expect(v.getUint32(eocd, true)).toBe(0x06054b50);
  const out = new Map<string, { central: number; local: number; dataStart: number; compressed: number }>();
  let at = v.getUint32(eocd + 16, true);
  for (let i = 0; i < v.getUint16(eocd + 10, true); i++) {
    const nameLength = v.getUint16(at + 28, true);
    const name = new TextDecoder().decode(zip.subarray(at + 46, at + 46 + nameLength));
    const local = v.getUint32(at + 42, true);
    const dataStart = local + 30 + v.getUint16(local + 26, true) + v.getUint16(local + 28, true);
    out.set(name, { central: at, local, dataStart, compressed: v.getUint32(at + 20, true) });
    at += 46 + nameLength + v.getUint16(at + 30, true) + v.getUint16(at + 32, true);
  }
  return out;
}

describe('zips made by fflate', () => {
  it('stored and deflated entries byte for byte; no directories, __MACOSX, AppleDouble or .DS_Store', async () => {
    const result = await expandArchives([zipSource(fflateZip(), 'UCF101_subset.zip')]);
    expect(result.problems).toEqual([]);
    expect(result.archives).toEqual(['UCF101_subset.zip']);
    await expectSources(result.files);
  });

  it('through fflate as well as DecompressionStream, and under the folder the zip was dropped in', async () => {
    const result = await expandArchivesWith(
      [zipSource(fflateZip(), 'downloads/UCF101_subset.zip')],
      {},
      'fflate',
    );
    expect(result.problems).toEqual([]);
    await expectSources(result.files, 'downloads/');
  });

  it('stored entries are slices of the archive: their bytes are never read while expanding', async () => {
    const bytes = fflateZip();
    const file = new File([bytes], 'UCF101_subset.zip');
    let sliceBytesRead = 0;
    const slice = file.slice.bind(file);
    Object.assign(file, {
      arrayBuffer: () => Promise.reject(new Error('read whole')),
      stream: () => {
        throw new Error('streamed whole');
      },
      slice: (start?: number, end?: number) => {
        const part = slice(start, end);
        const read = part.arrayBuffer.bind(part);
        Object.assign(part, {
          arrayBuffer: () => {
            sliceBytesRead += part.size;
            return read();
          },
        });
        return part;
      },
    });
    const result = await expandArchives([{ path: 'UCF101_subset.zip', file }]);
    expect(result.problems).toEqual([]);
    // The 64 KiB tail (end record), the central directory and the local headers; not the 300 kB entry.
    expect(bytes.length).toBeGreaterThan(350_000);
    expect(sliceBytesRead).toBeLessThan(80_000);
    await expectSources(result.files);
  });

  it('a streamed zip (data descriptors after each entry) reads through its central directory', async () => {
    const chunks: Uint8Array[] = [];
    const zip = new Zip((error, chunk) => {
      if (error) throw error;
      chunks.push(chunk);
    });
    const deflated = new ZipDeflate(DEFLATED, { level: 6 });
    deflated.mtime = MTIME;
    zip.add(deflated);
    deflated.push(SOURCES[DEFLATED]!, true);
    const stored = new ZipPassThrough(NESTED);
    stored.mtime = MTIME;
    zip.add(stored);
    stored.push(SOURCES[NESTED]!, true);
    zip.end();
    const bytes = new Uint8Array(await new Blob(chunks as BlobPart[]).arrayBuffer());
    const result = await expandArchives([zipSource(bytes, 'streamed.zip')]);
    expect(result.problems).toEqual([]);
    expect(result.files.map((f) => f.path)).toEqual([DEFLATED, NESTED]);
    for (const { path, file } of result.files)
      expect(await digestOf(file), path).toBe(digest(SOURCES[path]!));

    // Cut before its central directory, the streamed zip cannot tell where its deflated entry ends.
    const cut = await expandArchives([zipSource(bytes.subarray(0, bytes.length - 150), 'streamed.zip')]);
    expect(cut.files).toEqual([]);
    expect(cut.problems).toEqual([
      {
        path: 'streamed.zip',
        reason: `streamed.zip: truncated: the zip's central directory is missing, and ${DEFLATED} has no size`,
      },
    ]);
  });

  it('a self-extracting zip (a program before the archive) still reads', async () => {
    const program = new TextEncoder().encode('MZ' + 'x'.repeat(4094));
    const bytes = new Uint8Array(await new Blob([program, fflateZip()] as BlobPart[]).arrayBuffer());
    const result = await expandArchives([zipSource(bytes, 'UCF101_subset.zip')]);
    expect(result.problems).toEqual([]);
    await expectSources(result.files);
  });

  it('an empty zip is no files and no problem; a text file named .zip is not a zip', async () => {
    const empty = zipSync({});
    expect(empty.length).toBe(22);
    const result = await expandArchives([
      zipSource(empty, 'empty.zip'),
      zipSource(new TextEncoder().encode('Not Found'), 'notes.zip'),
    ]);
    expect(result.files).toEqual([]);
    expect(result.problems).toEqual([
      { path: 'notes.zip', reason: 'notes.zip: not a zip archive (no end-of-central-directory record)' },
    ]);
  });
});

describe('damaged zips', () => {
  it('encrypted and unsupported entries are reported each, and the rest is read', async () => {
    const bytes = fflateZip();
    const at = layout(bytes);
    const v = new DataView(bytes.buffer);
    // The encryption flag, and bzip2 as the method, in both the central and the local header.
    for (const header of [at.get(DEFLATED)!.central + 8, at.get(DEFLATED)!.local + 6]) {
      v.setUint16(header, v.getUint16(header, true) | 1, true);
    }
    v.setUint16(at.get(RANDOM)!.central + 10, 12, true);
    v.setUint16(at.get(RANDOM)!.local + 8, 12, true);
    const result = await expandArchives([zipSource(bytes, 'UCF101_subset.zip')]);
    expect(result.files.map((f) => f.path).sort()).toEqual([EMPTY, NESTED, STORED].sort());
    expect(result.problems).toEqual([
      { path: DEFLATED, reason: 'UCF101_subset.zip: encrypted zip entries are not supported' },
      { path: RANDOM, reason: 'UCF101_subset.zip: unsupported compression method 12 (bzip2)' },
    ]);
  });

  it.each(['native', 'fflate'] as const)(
    'a CRC-32 mismatch and corrupt deflate data fail only their own entries (%s inflater)',
    async (impl) => {
      const bytes = fflateZip();
      const at = layout(bytes);
      const v = new DataView(bytes.buffer);
      v.setUint32(
        at.get(DEFLATED)!.central + 16,
        v.getUint32(at.get(DEFLATED)!.central + 16, true) ^ 1,
        true,
      );
      // Deflate block type 3 does not exist: the first byte of the data decides it.
      bytes[at.get(RANDOM)!.dataStart] = 0xff;
      const result = await expandArchivesWith([zipSource(bytes, 'UCF101_subset.zip')], {}, impl);
      expect(result.files.map((f) => f.path).sort()).toEqual([EMPTY, NESTED, STORED].sort());
      for (const { path, file } of result.files)
        expect(await digestOf(file), path).toBe(digest(SOURCES[path]!));
      expect(result.problems).toHaveLength(2);
      expect(result.problems[0]).toEqual({
        path: DEFLATED,
        reason: 'UCF101_subset.zip: corrupt: CRC-32 mismatch',
      });
      expect(result.problems[1]!.path).toBe(RANDOM);
      expect(result.problems[1]!.reason).toMatch(
        /^UCF101_subset\.zip: the compressed data is corrupt \(.+\)$/,
      );
    },
  );

  it('a zip cut inside an entry: the entries before it, recovered from their local headers', async () => {
    const bytes = fflateZip();
    const at = layout(bytes);
    const order = [...at.entries()].sort((a, b) => a[1].local - b[1].local);
    const cutIn = order.findIndex(([name]) => name === RANDOM);
    const cut = at.get(RANDOM)!.dataStart + 1000;
    const result = await expandArchives([zipSource(bytes.subarray(0, cut), 'UCF101_subset.zip')]);
    const before = order.slice(0, cutIn).map(([name]) => name);
    expect(result.files.map((f) => f.path)).toEqual(before.filter((name) => name in SOURCES));
    for (const { path, file } of result.files)
      expect(await digestOf(file), path).toBe(digest(SOURCES[path]!));
    expect(result.problems).toEqual([
      {
        path: 'UCF101_subset.zip',
        reason: `UCF101_subset.zip: truncated: the archive ends inside ${RANDOM}`,
      },
    ]);
  });

  it('a zip cut inside its central directory: every entry recovered, the missing end named', async () => {
    const bytes = fflateZip();
    const result = await expandArchives([
      zipSource(bytes.subarray(0, bytes.length - 40), 'UCF101_subset.zip'),
    ]);
    await expectSources(result.files);
    expect(result.problems).toEqual([
      {
        path: 'UCF101_subset.zip',
        reason: "UCF101_subset.zip: truncated: the zip's end-of-central-directory record is missing",
      },
    ]);
  });

  it('cut before its directory, an entry whose CRC follows its data (bit 3) still reads, checked', async () => {
    const one = zipSync({ [DEFLATED]: [SOURCES[DEFLATED]!, { level: 6 }] }, { mtime: MTIME });
    const at = layout(one).get(DEFLATED)!;
    const local = one.slice(0, at.dataStart + at.compressed);
    const v = new DataView(local.buffer);
    const crc = v.getUint32(14, true);
    // As Java's ZipOutputStream and others write it: sizes up front, CRC in a descriptor after the data.
    v.setUint16(6, v.getUint16(6, true) | 8, true);
    v.setUint32(14, 0, true);
    const descriptor = new DataView(new ArrayBuffer(16));
    descriptor.setUint32(0, 0x08074b50, true);
    descriptor.setUint32(4, crc, true);
    descriptor.setUint32(8, at.compressed, true);
    descriptor.setUint32(12, SOURCES[DEFLATED]!.length, true);
    const bytes = new Uint8Array(await new Blob([local, descriptor.buffer]).arrayBuffer());
    const result = await expandArchives([zipSource(bytes, 'cut.zip')]);
    expect(result.files.map((f) => f.path)).toEqual([DEFLATED]);
    expect(await digestOf(result.files[0]!.file)).toBe(digest(SOURCES[DEFLATED]!));
    expect(result.problems).toEqual([
      { path: 'cut.zip', reason: "cut.zip: truncated: the zip's central directory is missing" },
    ]);
  });

  it('unsafe names (.., absolute, drive letters) are refused and reported', async () => {
    const bytes = fflateZip({
      '../evil.avi': new Uint8Array(10),
      '/etc/abs.avi': new Uint8Array(10),
      'C:/Windows/drive.avi': new Uint8Array(10),
      'UCF101_subset/../../up.avi': new Uint8Array(10),
    });
    const result = await expandArchives([zipSource(bytes, 'UCF101_subset.zip')]);
    await expectSources(result.files);
    expect(result.problems).toEqual(
      ['../evil.avi', '/etc/abs.avi', 'C:/Windows/drive.avi', 'UCF101_subset/../../up.avi'].map((path) => ({
        path,
        reason: 'UCF101_subset.zip: unsafe path in archive',
      })),
    );
  });
});

function hasPython(): boolean {
  try {
    execFileSync('python3', ['-c', 'import zipfile'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const PYTHON = hasPython();
if (!PYTHON) console.warn('zip.test.ts: python3 not found, the zipfile cases are skipped');

describe.skipIf(!PYTHON)("zips made by Python's zipfile", () => {
  let root: string;
  const files: Record<string, Uint8Array> = {
    'UCF101_subset/train/Café/v_Café_g01_c01.avi': content('cafe', 20_000, true),
    'UCF101_subset/train/Archery/v_Archery_g01_c01.avi': content('archery', 40_000),
    'UCF101_subset/test/Archery/v_Archery_g02_c01.avi': content('archery-test', 5000, true),
  };

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'archive-zip-'));
    for (const [path, bytes] of Object.entries(files)) {
      const full = join(root, 'src', path);
      mkdirSync(dirname(full), { recursive: true });
      writeFileSync(full, bytes);
      utimesSync(full, MTIME, MTIME);
    }
  });

  afterAll(() => rmSync(root, { recursive: true, force: true }));

  /** Stored and deflated entries, a directory, a symlink, an archive comment; zip64 when asked. */
  function pythonZip(name: string, zip64: boolean): Uint8Array<ArrayBuffer> {
    const script = `
import os, sys, zipfile
out, src, zip64 = sys.argv[1], sys.argv[2], sys.argv[3] == '1'
if zip64:
    # Everything over 64 bytes counts as large: zip64 extra fields, a zip64 end record and locator.
    zipfile.ZIP64_LIMIT = 64
with zipfile.ZipFile(out, 'w') as z:
    z.comment = b'UCF101 subset, repacked'
    z.writestr(zipfile.ZipInfo('UCF101_subset/empty/'), b'')
    for i, path in enumerate(sorted(${JSON.stringify(Object.keys(files))})):
        method = zipfile.ZIP_STORED if i % 2 else zipfile.ZIP_DEFLATED
        z.write(os.path.join(src, path), path, compress_type=method)
    link = zipfile.ZipInfo('UCF101_subset/link.avi')
    link.create_system = 3
    link.external_attr = 0o120777 << 16
    z.writestr(link, 'train/Archery/v_Archery_g01_c01.avi')
`;
    const out = join(root, name);
    execFileSync('python3', ['-c', script, out, join(root, 'src'), zip64 ? '1' : '0']);
    return new Uint8Array(readFileSync(out));
  }

  it.each([false, true])(
    'every file byte for byte, the symlink and directory left out (zip64: %s)',
    async (zip64) => {
      const bytes = pythonZip(`py-${zip64}.zip`, zip64);
      expect(Buffer.from(bytes).includes(Buffer.from([0x50, 0x4b, 0x06, 0x06]))).toBe(zip64);
      const result = await expandArchives([zipSource(bytes, 'UCF101_subset.zip')]);
      expect(result.problems).toEqual([]);
      expect(result.files.map((f) => f.path).sort()).toEqual(Object.keys(files).sort());
      for (const { path, file } of result.files) {
        expect(await digestOf(file), path).toBe(digest(files[path]!));
        expect(file.lastModified, path).toBe(MTIME.getTime());
      }
    },
  );
});
