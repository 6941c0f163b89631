/**
 * Tar archives made by GNU tar (GNU, pax and ustar formats, gzip) against the files they were made from.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  closeSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SourceFile } from '../source-files.ts';
import { expandArchivesWith } from './expand.ts';
import { expandArchives, type ArchiveProgress } from './index.ts';

const MTIME_S = Date.UTC(2021, 4, 6, 7, 8, 9) / 1000;
const LONG_DIR = `Class${'L'.repeat(60)}/Sub${'M'.repeat(40)}`;

/** Files that must come out of every archive of the tree, byte for byte. */
const KEPT: Record<string, number> = {
  'UCF101_subset/train/ApplyEyeMakeup/v_ApplyEyeMakeup_g01_c01.avi': 3001,
  'UCF101_subset/train/ApplyEyeMakeup/v_ApplyEyeMakeup_g01_c02.avi': 512,
  'UCF101_subset/train/Archery/v_Archery_g02_c01.avi': 0,
  'UCF101_subset/val/Archery/v_Archery_g03_c01.avi': 70_000,
  'UCF101_subset/test/BabyCrawling/v_BabyCrawling_g04_c01.avi': 513,
  // Over 100 characters: a GNU long-name record, a pax path, or ustar's prefix field.
  [`UCF101_subset/train/${LONG_DIR}/v_Long_g01_c01.avi`]: 100,
};
/** In the tree, never in the result. */
const DROPPED = [
  'UCF101_subset/train/ApplyEyeMakeup/.DS_Store',
  'UCF101_subset/train/ApplyEyeMakeup/._v_ApplyEyeMakeup_g01_c01.avi',
];
const NESTED_ZIP = 'UCF101_subset/nested.zip';

let root: string;
let tree: string;

function sh(command: string, args: string[], cwd = root): Buffer {
  return execFileSync(command, args, { cwd, maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Bytes that differ per file and per position, so a shifted or swapped entry shows. */
function content(path: string, size: number): Uint8Array {
  const out = new Uint8Array(size);
  const seed = createHash('sha256').update(path).digest();
  for (let i = 0; i < size; i++) out[i] = (seed[i % 32]! + i * 31 + (i >> 8)) & 0xff;
  return out;
}

function write(base: string, path: string, bytes: Uint8Array | string): void {
  const full = join(base, path);
  mkdirSync(dirname(full), { recursive: true });
  writeFileSync(full, bytes);
  utimesSync(full, MTIME_S, MTIME_S);
}

function archiveFile(path: string, name = path.split('/').pop()!): SourceFile {
  return { path: name, file: new File([readFileSync(join(root, path))], name) };
}

/** Size and SHA-256: exact, and fast where a deep equal of large arrays is not. */
function digest(bytes: Uint8Array): string {
  return `${bytes.length} bytes, sha256 ${createHash('sha256').update(bytes).digest('hex')}`;
}

async function digestOf(blob: Blob): Promise<string> {
  return digest(new Uint8Array(await blob.arrayBuffer()));
}

/** An archive File that refuses to be read whole and counts what is read through slices. */
function meteredArchive(bytes: Uint8Array<ArrayBuffer>, name: string) {
  const file = new File([bytes], name);
  const meter = { sliceBytesRead: 0, streamed: 0 };
  const slice = file.slice.bind(file);
  const stream = file.stream.bind(file);
  const refuse = () => Promise.reject(new Error(`${name} was read whole`));
  Object.assign(file, {
    arrayBuffer: refuse,
    bytes: refuse,
    text: refuse,
    stream: () => {
      meter.streamed++;
      return stream();
    },
    slice: (start?: number, end?: number, type?: string) => {
      const part = slice(start, end, type);
      const read = part.arrayBuffer.bind(part);
      Object.assign(part, {
        arrayBuffer: () => {
          meter.sliceBytesRead += part.size;
          return read();
        },
      });
      return part;
    },
  });
  return { source: { path: name, file }, meter };
}

async function expectTree(files: SourceFile[]): Promise<void> {
  expect(files.map((f) => f.path).sort()).toEqual([...Object.keys(KEPT), NESTED_ZIP].sort());
  for (const { path, file } of files) {
    expect(file.name).toBe(path.split('/').pop());
    expect(file.lastModified, path).toBe(MTIME_S * 1000);
    expect(await digestOf(file), path).toBe(digest(readFileSync(join(tree, '..', path))));
  }
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'archive-tar-'));
  tree = join(root, 'src', 'UCF101_subset');
  const src = join(root, 'src');
  for (const [path, size] of Object.entries(KEPT)) write(src, path, content(path, size));
  for (const path of DROPPED) write(src, path, 'metadata, not video');
  write(src, NESTED_ZIP, zipSync({ 'inner/v_X_g01_c01.avi': content('inner', 200) }));
  mkdirSync(join(tree, 'empty'));
  symlinkSync('train/Archery/v_Archery_g02_c01.avi', join(tree, 'link.avi'));
  // Sorted after train/, so tar stores it as a hard link to the file it met first.
  linkSync(join(tree, 'train/ApplyEyeMakeup/v_ApplyEyeMakeup_g01_c01.avi'), join(tree, 'zz_hardlink.avi'));
  const tar = (format: string, out: string, extra: string[] = []) =>
    sh('tar', [
      '--sort=name',
      `--format=${format}`,
      ...extra,
      '-cf',
      join(root, out),
      '-C',
      src,
      'UCF101_subset',
    ]);
  tar('gnu', 'gnu.tar');
  tar('pax', 'pax.tar');
  tar('ustar', 'ustar.tar');
  tar('gnu', 'UCF101_subset.tar.gz', ['-z']);
  tar('gnu', 'UCF101_subset.tgz', ['-z']);
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('tar archives made by GNU tar', () => {
  it('the archives hold what the test means them to: a long name, pax headers, links, a directory', () => {
    const listing = sh('tar', ['-tvf', 'gnu.tar']).toString();
    expect(listing).toMatch(/^d.* UCF101_subset\/empty\/$/m);
    expect(listing).toMatch(/^l.* UCF101_subset\/link\.avi -> /m);
    expect(listing).toMatch(/^h.* UCF101_subset\/zz_hardlink\.avi link to /m);
    const gnu = readFileSync(join(root, 'gnu.tar'));
    expect(gnu.includes('././@LongLink')).toBe(true);
    const pax = readFileSync(join(root, 'pax.tar'));
    expect(pax.includes(`path=UCF101_subset/train/${LONG_DIR}`)).toBe(true);
  });

  it.each(['gnu.tar', 'pax.tar', 'ustar.tar', 'UCF101_subset.tar.gz', 'UCF101_subset.tgz'])(
    '%s: every file, byte for byte, with its path and mtime; no links, directories or macOS metadata',
    async (name) => {
      const result = await expandArchives([archiveFile(name)]);
      expect(result.problems).toEqual([]);
      expect(result.archives).toEqual([name]);
      await expectTree(result.files);
    },
  );

  it('.tar.gz through fflate (where the platform has no DecompressionStream) gives the same', async () => {
    const result = await expandArchivesWith([archiveFile('UCF101_subset.tar.gz')], {}, 'fflate');
    expect(result.problems).toEqual([]);
    await expectTree(result.files);
  });

  it('a plain .tar is read by its headers only: its entries are slices of the archive', async () => {
    const { source, meter } = meteredArchive(readFileSync(join(root, 'gnu.tar')), 'gnu.tar');
    const result = await expandArchives([source]);
    expect(result.problems).toEqual([]);
    const entryBytes = result.files.reduce((sum, f) => sum + f.file.size, 0);
    expect(entryBytes).toBeGreaterThan(70_000);
    // 18 headers (with the GNU long-name records) and the first block: a few KiB, no entry data.
    expect(meter.sliceBytesRead).toBeLessThan(16 * 1024);
    expect(meter.streamed).toBe(0);
    await expectTree(result.files);
  });

  it('a .tar.gz that a browser already gunzipped (plain tar bytes, .tar.gz name) is read as a tar', async () => {
    const result = await expandArchives([
      { path: 'UCF101_subset.tar.gz', file: new File([readFileSync(join(root, 'gnu.tar'))], 'x') },
    ]);
    expect(result.problems).toEqual([]);
    await expectTree(result.files);
  });
});

describe('damaged tar archives', () => {
  /** a.bin (1000 B), b.bin (200 kB), c.bin (1000 B), incompressible, so gzip offsets track tar offsets. */
  function abc(dir: string): string {
    const base = join(root, dir);
    for (const [name, size] of [
      ['a.bin', 1000],
      ['b.bin', 200_000],
      ['c.bin', 1000],
    ] as const) {
      const bytes = new Uint8Array(size);
      let x = name.charCodeAt(0);
      for (let i = 0; i < size; i++) bytes[i] = (x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 24;
      write(base, name, bytes);
    }
    return base;
  }

  it('a truncated .tar keeps the entries before the cut and names the entry it ends in', async () => {
    const base = abc('cut-tar');
    sh('tar', ['--sort=name', '-cf', 'whole.tar', '-C', base, 'a.bin', 'b.bin', 'c.bin']);
    const whole = readFileSync(join(root, 'whole.tar'));
    // a.bin: header 0-512, data 512-1536; b.bin: header 1536-2048, data from 2048.
    const result = await expandArchives([
      { path: 'data/cut.tar', file: new File([whole.subarray(0, 20_000)], 'cut.tar') },
    ]);
    expect(result.files.map((f) => f.path)).toEqual(['data/a.bin']);
    expect(await digestOf(result.files[0]!.file)).toBe(digest(readFileSync(join(base, 'a.bin'))));
    expect(result.problems).toEqual([
      { path: 'data/cut.tar', reason: 'cut.tar: truncated: the archive ends inside b.bin' },
    ]);
  });

  it.each(['native', 'fflate'] as const)(
    'a truncated .tar.gz (%s inflater) keeps the entries before the cut and names the entry it ends in',
    async (impl) => {
      const base = abc('cut-gz');
      sh('tar', ['--sort=name', '-czf', 'whole.tar.gz', '-C', base, 'a.bin', 'b.bin', 'c.bin']);
      const whole = readFileSync(join(root, 'whole.tar.gz'));
      const file = new File([whole.subarray(0, 100_000)], 'cut.tar.gz');
      const result = await expandArchivesWith([{ path: 'cut.tar.gz', file }], {}, impl);
      expect(result.files.map((f) => f.path)).toEqual(['a.bin']);
      expect(await digestOf(result.files[0]!.file)).toBe(digest(readFileSync(join(base, 'a.bin'))));
      expect(result.problems).toEqual([
        { path: 'cut.tar.gz', reason: 'cut.tar.gz: truncated: the archive ends inside b.bin' },
      ]);
    },
  );

  it.each(['native', 'fflate'] as const)(
    'a .tar.gz whose CRC-32 does not match (%s inflater): the gzip data is corrupt, whole entries read stay',
    async (impl) => {
      const base = abc('crc-gz');
      sh('tar', ['--sort=name', '-czf', 'crc.tar.gz', '-C', base, 'a.bin', 'b.bin', 'c.bin']);
      const bytes = new Uint8Array(readFileSync(join(root, 'crc.tar.gz')));
      bytes[bytes.length - 8]! ^= 0xff;
      const file = new File([bytes], 'crc.tar.gz');
      const result = await expandArchivesWith([{ path: 'crc.tar.gz', file }], {}, impl);
      // The error discards what the decompressor had queued, so the last entries may be lost with it.
      const paths = result.files.map((f) => f.path);
      expect(['a.bin', 'b.bin', 'c.bin'].slice(0, paths.length)).toEqual(paths);
      expect(paths.length).toBeGreaterThanOrEqual(1);
      for (const { path, file } of result.files) {
        expect(await digestOf(file), path).toBe(digest(readFileSync(join(base, path))));
      }
      expect(result.problems).toHaveLength(1);
      expect(result.problems[0]!.path).toBe('crc.tar.gz');
      expect(result.problems[0]!.reason).toMatch(/^crc\.tar\.gz: the gzip data is corrupt \(.+\)$/);
    },
  );

  it.each(['native', 'fflate'] as const)(
    'corrupt deflate data in a .tar.gz (%s inflater): the entries before it stay, the gzip data is the cause',
    async (impl) => {
      const base = join(root, 'mid-gz');
      write(base, 'a.txt', 'first entry, whole\n'.repeat(50));
      const words = ['clip', 'frame', 'group', 'class', 'split', 'train', 'video', 'tensor'];
      let x = 7;
      const text = Array.from(
        { length: 60_000 },
        () => words[(x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 29],
      ).join(' ');
      write(base, 'b.txt', text);
      sh('tar', ['--sort=name', '-czf', 'mid.tar.gz', '-C', base, 'a.txt', 'b.txt']);
      const bytes = new Uint8Array(readFileSync(join(root, 'mid.tar.gz')));
      for (let i = 0; i < 16; i++) bytes[Math.floor(bytes.length * 0.6) + i]! ^= 0x5a;
      const file = new File([bytes], 'mid.tar.gz');
      const result = await expandArchivesWith([{ path: 'mid.tar.gz', file }], {}, impl);
      // Garbage of the right length is only caught by the CRC at the end, after b.txt was taken (fflate);
      // zlib may catch it sooner. Either way a.txt, before the damage, is exact.
      expect(['a.txt', 'b.txt']).toEqual(expect.arrayContaining(result.files.map((f) => f.path)));
      expect(result.files[0]!.path).toBe('a.txt');
      expect(await result.files[0]!.file.text()).toBe('first entry, whole\n'.repeat(50));
      expect(result.problems).toHaveLength(1);
      expect(result.problems[0]!.path).toBe('mid.tar.gz');
      expect(result.problems[0]!.reason).toMatch(/^mid\.tar\.gz: the gzip data is corrupt \(.+\)$/);
    },
  );

  it('unsafe names (.., absolute) are refused and reported; the other entries stay', async () => {
    const base = abc('unsafe');
    sh('tar', ['-P', '--transform', 's,^a,../a,', '-cf', 'unsafe.tar', '-C', base, 'a.bin', 'c.bin']);
    sh('tar', ['-P', '-rf', 'unsafe.tar', join(base, 'c.bin')]);
    const result = await expandArchives([archiveFile('unsafe.tar')]);
    expect(result.files.map((f) => f.path)).toEqual(['c.bin']);
    expect(result.problems).toEqual([
      { path: '../a.bin', reason: 'unsafe.tar: unsafe path in archive' },
      { path: join(base, 'c.bin'), reason: 'unsafe.tar: unsafe path in archive' },
    ]);
  });

  it.each(['gnu', 'pax'])(
    'sparse entries (%s) are reported as unsupported; the entries after them are read',
    async (format) => {
      const base = join(root, `sparse-${format}`);
      write(base, 'z.txt', 'after the sparse file');
      writeFileSync(join(base, 'sparse.avi'), '');
      execFileSync('truncate', ['-s', '5M', join(base, 'sparse.avi')]);
      const fd = openSync(join(base, 'sparse.avi'), 'r+');
      writeSync(fd, 'data in the middle', 3_000_000);
      closeSync(fd);
      sh('tar', [
        '--sparse',
        `--format=${format}`,
        '-cf',
        `sparse-${format}.tar`,
        '-C',
        base,
        'sparse.avi',
        'z.txt',
      ]);
      const result = await expandArchives([archiveFile(`sparse-${format}.tar`)]);
      expect(result.files.map((f) => f.path)).toEqual(['z.txt']);
      expect(await result.files[0]!.file.text()).toBe('after the sparse file');
      expect(result.problems).toEqual([
        { path: 'sparse.avi', reason: `sparse-${format}.tar: sparse tar entries are not supported` },
      ]);
    },
  );

  it('not a tar, and an empty tar', async () => {
    const garbage = new File(['<html>404 Not Found</html>'.repeat(40)], 'x.tar');
    const empty = new File([new Uint8Array(10_240)], 'empty.tar');
    const result = await expandArchives([
      { path: 'x.tar', file: garbage },
      { path: 'empty.tar', file: empty },
    ]);
    expect(result.files).toEqual([]);
    expect(result.problems).toEqual([{ path: 'x.tar', reason: 'x.tar: not a tar archive' }]);
  });
});

describe('a large .tar.gz', () => {
  it('streams 30 MB through, never reading the archive whole, with progress to the end', async () => {
    const base = join(root, 'large', 'UCF101_subset', 'train', 'BenchPress');
    const sizes = [12_000_000, 10_000_000, 8_000_000];
    const digests: string[] = [];
    sizes.forEach((size, n) => {
      const bytes = new Uint8Array(size);
      let x = n + 1;
      // Low-entropy noise: gzip -1 gets through it fast, yet every byte is checked.
      for (let i = 0; i < size; i++)
        bytes[i] = ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 28) + (i & 0x30);
      write(base, `v_BenchPress_g0${n + 1}_c01.avi`, bytes);
      digests.push(digest(bytes));
    });
    sh('sh', ['-c', 'tar -cf - -C large UCF101_subset | gzip -1 > large.tar.gz']);
    const { source, meter } = meteredArchive(readFileSync(join(root, 'large.tar.gz')), 'large.tar.gz');
    const reports: ArchiveProgress[] = [];
    const result = await expandArchives([source], { onProgress: (p) => reports.push(p) });
    expect(result.problems).toEqual([]);
    expect(meter.streamed).toBe(1);
    expect(result.files.map((f) => f.path).sort()).toEqual(
      sizes.map((_, n) => `UCF101_subset/train/BenchPress/v_BenchPress_g0${n + 1}_c01.avi`),
    );
    for (const { path, file } of result.files) {
      const n = Number(/_g0(\d)_/.exec(path)![1]) - 1;
      expect(file.size).toBe(sizes[n]);
      expect(await digestOf(file), path).toBe(digests[n]);
    }
    expect(reports.length).toBeGreaterThanOrEqual(2);
    expect(reports[0]).toEqual({
      file: 'large.tar.gz',
      readBytes: 0,
      totalBytes: source.file.size,
      entries: 0,
    });
    expect(reports.at(-1)).toEqual({
      file: 'large.tar.gz',
      readBytes: source.file.size,
      totalBytes: source.file.size,
      entries: 3,
    });
    for (let i = 1; i < reports.length; i++)
      expect(reports[i]!.readBytes).toBeGreaterThanOrEqual(reports[i - 1]!.readBytes);
  });
});
