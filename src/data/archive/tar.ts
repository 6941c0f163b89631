/**
 * Tar (ustar, pax, GNU long names) read from a plain .tar by header slices, or from a decompressed
 * .tar.gz stream.
 *
 * A plain .tar is walked header by header with `Blob.slice()`: only the 512-byte headers (and pax / long
 * name records) are read, and every entry is a slice of the archive, so nothing is copied. A .tar.gz is
 * read once, front to back, through the decompressor; each entry's bytes become one File as they pass.
 */
import { ArchiveContext, ArchiveFault, BlobBuilder, errorText } from './entries.ts';
import { inflateBlob, isTruncationError, SourceReadError, type InflateImpl } from './inflate.ts';

const BLOCK = 512;
/** Pax and GNU long-name records hold a path or a few attributes; more than this is not a tar. */
const MAX_META_BYTES = 1 << 20;

type Bytes = Uint8Array<ArrayBuffer>;

/** Sequential access to the tar bytes, whichever way they are stored. */
interface TarInput {
  /** Offset in the tar data of the next byte. */
  readonly position: number;
  /** How far into the archive file this is, for progress. */
  readonly archiveBytes: number;
  /** The next `n` bytes; fewer only where the data ends. */
  read(n: number): Promise<Uint8Array>;
  /** False when the data ends first. */
  skip(n: number): Promise<boolean>;
  /** The next `n` bytes as blob parts, or null when the data ends first. */
  take(n: number): Promise<BlobPart[] | null>;
}

class SlicedInput implements TarInput {
  position = 0;
  constructor(private readonly blob: Blob) {}
  get archiveBytes(): number {
    return this.position;
  }
  async read(n: number): Promise<Uint8Array> {
    const end = Math.min(this.blob.size, this.position + n);
    const bytes = new Uint8Array(await this.blob.slice(this.position, end).arrayBuffer());
    this.position = end;
    return bytes;
  }
  async skip(n: number): Promise<boolean> {
    const ok = this.position + n <= this.blob.size;
    this.position = Math.min(this.blob.size, this.position + n);
    return ok;
  }
  async take(n: number): Promise<BlobPart[] | null> {
    if (this.position + n > this.blob.size) {
      this.position = this.blob.size;
      return null;
    }
    const part = this.blob.slice(this.position, this.position + n);
    this.position += n;
    return [part];
  }
}

class StreamInput implements TarInput {
  position = 0;
  private chunk: Bytes = new Uint8Array(0);
  private at = 0;

  constructor(
    private readonly reader: ReadableStreamDefaultReader<Bytes>,
    private readonly sourceBytes: () => number,
    /** Called before each chunk: a single large entry must still show progress and heed cancelling. */
    private readonly tick: () => void,
  ) {}

  get archiveBytes(): number {
    return this.sourceBytes();
  }

  /** False at the end of the data. */
  private async more(): Promise<boolean> {
    while (this.at >= this.chunk.byteLength) {
      this.tick();
      const { done, value } = await this.reader.read();
      if (done) return false;
      this.chunk = value;
      this.at = 0;
    }
    return true;
  }

  /** Hands the next `n` bytes to `sink` as views of the decompressed chunks; returns how many it got. */
  private async pass(n: number, sink: ((view: Bytes) => void) | null): Promise<number> {
    let done = 0;
    while (done < n && (await this.more())) {
      const k = Math.min(n - done, this.chunk.byteLength - this.at);
      sink?.(this.chunk.subarray(this.at, this.at + k));
      this.at += k;
      this.position += k;
      done += k;
    }
    return done;
  }

  async read(n: number): Promise<Uint8Array> {
    const out = new Uint8Array(n);
    let filled = 0;
    const got = await this.pass(n, (view) => {
      out.set(view, filled);
      filled += view.byteLength;
    });
    return got === n ? out : out.subarray(0, got);
  }

  async skip(n: number): Promise<boolean> {
    return (await this.pass(n, null)) === n;
  }

  async take(n: number): Promise<BlobPart[] | null> {
    const builder = new BlobBuilder();
    const got = await this.pass(n, (view) => builder.push(view));
    return got === n ? builder.finish() : null;
  }

  /** Reads to the end, so that the decompressor checks the gzip trailer (CRC-32, length). */
  async drain(): Promise<void> {
    this.chunk = new Uint8Array(0);
    this.at = 0;
    while (await this.more()) this.at = this.chunk.byteLength;
  }
}

const latin1 = new TextDecoder('latin1');
const utf8 = new TextDecoder('utf-8');

function cString(bytes: Uint8Array, from: number, length: number): string {
  const field = bytes.subarray(from, from + length);
  const nul = field.indexOf(0);
  return utf8.decode(nul < 0 ? field : field.subarray(0, nul));
}

/** Octal (NUL- or space-terminated), or GNU's base-256 for sizes and times too large for octal. */
function numberField(bytes: Uint8Array, from: number, length: number): number {
  const field = bytes.subarray(from, from + length);
  if (field[0]! & 0x80) {
    let value = field[0]! & 0x7f;
    // A negative base-256 number (0xff lead) is only ever a pre-1970 time.
    if (field[0] === 0xff) return -1;
    for (let i = 1; i < field.length; i++) value = value * 256 + field[i]!;
    return value;
  }
  const text = latin1.decode(field).replace(/\0.*$/s, '').trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) return Number.NaN;
  return parseInt(text, 8);
}

interface Header {
  name: string;
  size: number;
  mtime: number;
  type: string;
}

function isZeroBlock(block: Uint8Array): boolean {
  for (let i = 0; i < BLOCK; i++) if (block[i] !== 0) return false;
  return true;
}

/** True for a 512-byte block whose checksum holds: a tar header (ustar or the older v7 layout). */
export function isTarHeader(block: Uint8Array): boolean {
  if (block.length < BLOCK) return false;
  const stored = numberField(block, 148, 8);
  if (!Number.isFinite(stored)) return false;
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const byte = i >= 148 && i < 156 ? 0x20 : block[i]!;
    unsigned += byte;
    signed += byte > 127 ? byte - 256 : byte;
  }
  // Some old tars summed signed chars.
  return stored === unsigned || stored === signed;
}

function parseHeader(block: Uint8Array): Header | null {
  if (!isTarHeader(block)) return null;
  let name = cString(block, 0, 100);
  // POSIX ustar ("ustar\0" "00") splits long paths into prefix + name; GNU's "ustar  " puts times there.
  const posix = latin1.decode(block.subarray(257, 263)) === 'ustar\0';
  const prefix = posix ? cString(block, 345, 155) : '';
  if (prefix) name = `${prefix}/${name}`;
  const size = numberField(block, 124, 12);
  const mtime = numberField(block, 136, 12);
  if (!Number.isFinite(size) || size < 0) return null;
  return { name, size, mtime, type: String.fromCharCode(block[156]!) };
}

/** Pax extended header records: `<length> <key>=<value>\n`, the length counting the whole record. */
function parsePax(bytes: Uint8Array): Map<string, string> {
  const records = new Map<string, string>();
  let at = 0;
  while (at < bytes.length) {
    if (bytes[at] === 0) break;
    const space = bytes.indexOf(0x20, at);
    const length = space < 0 ? Number.NaN : Number(latin1.decode(bytes.subarray(at, space)));
    if (!Number.isInteger(length) || length <= space - at || at + length > bytes.length) {
      throw new ArchiveFault('corrupt pax header');
    }
    const record = utf8.decode(bytes.subarray(space + 1, at + length - 1));
    const eq = record.indexOf('=');
    if (eq > 0) records.set(record.slice(0, eq), record.slice(eq + 1));
    at += length;
  }
  return records;
}

function padding(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}

/** Types with no data blocks: hard link, symlink, devices, directory, FIFO. */
const BODYLESS = new Set(['1', '2', '3', '4', '5', '6']);
/**
 * GNU's dump directories, volume labels and old long names carry data that is not a file. Every other type
 * ('0', old tars' NUL, contiguous '7', and, as POSIX says, unknown ones) is read as a regular file.
 */
const SKIPPED_WITH_DATA = new Set(['D', 'V', 'N']);

/** What the reader is in the middle of, for a truncation message when the stream itself fails. */
interface TarState {
  inside: string | null;
  ended: boolean;
}

async function readEntries(input: TarInput, ctx: ArchiveContext, state: TarState): Promise<void> {
  let pax: Map<string, string> | null = null;
  let longName: string | null = null;
  let first = true;

  const readMeta = async (size: number, what: string): Promise<Uint8Array> => {
    if (size > MAX_META_BYTES) throw new ArchiveFault(`corrupt: a ${what} record of ${size} bytes`);
    state.inside = `a ${what} record`;
    const bytes = await input.read(size);
    if (bytes.length < size || !(await input.skip(padding(size)))) {
      throw new ArchiveFault(`truncated: the archive ends inside a ${what} record`);
    }
    state.inside = null;
    return bytes;
  };
  const skipData = async (size: number, name: string): Promise<void> => {
    state.inside = name;
    if (!(await input.skip(size))) throw new ArchiveFault(`truncated: the archive ends inside ${name}`);
    state.inside = null;
    await input.skip(padding(size));
  };

  for (;;) {
    ctx.throwIfAborted();
    ctx.progress(input.archiveBytes);
    const at = input.position;
    state.inside = 'a header';
    const block = await input.read(BLOCK);
    state.inside = null;
    // GNU tar extracts archives that stop right after an entry, without the two zero blocks.
    if (block.length === 0 || (block.length === BLOCK && isZeroBlock(block))) {
      state.ended = true;
      return;
    }
    if (block.length < BLOCK) {
      throw new ArchiveFault(first ? 'not a tar archive' : 'truncated: the archive ends inside a header');
    }
    const header = parseHeader(block);
    if (!header) {
      throw new ArchiveFault(first ? 'not a tar archive' : `corrupt: bad tar header at byte ${at}`);
    }
    first = false;
    // GNU's old sparse format may continue its map in extra header blocks before the data.
    if (header.type === 'S') {
      for (let extended = block[482] !== 0; extended;) {
        const more = await input.read(BLOCK);
        if (more.length < BLOCK) throw new ArchiveFault('truncated: the archive ends inside a header');
        extended = more[504] !== 0;
      }
    }

    switch (header.type) {
      case 'x':
        pax = parsePax(await readMeta(header.size, 'pax header'));
        continue;
      case 'L':
        longName = cString(await readMeta(header.size, 'long name'), 0, header.size);
        continue;
      case 'g':
      case 'K':
        // Global pax attributes (comments, charsets) and long link targets say nothing about our files.
        await readMeta(header.size, 'pax header');
        continue;
    }

    // A pax sparse file's real name is in GNU.sparse.name; `path` is a made-up GNUSparseFile.N/ one.
    const name = pax?.get('GNU.sparse.name') ?? pax?.get('path') ?? longName ?? header.name;
    const paxSize = pax?.get('size');
    const size = paxSize !== undefined ? Number(paxSize) : header.size;
    const paxTime = pax?.get('mtime');
    const mtime = paxTime !== undefined ? Number(paxTime) : header.mtime;
    const sparse = header.type === 'S' || [...(pax?.keys() ?? [])].some((k) => k.startsWith('GNU.sparse.'));
    pax = null;
    longName = null;
    if (!Number.isSafeInteger(size) || size < 0) throw new ArchiveFault(`corrupt: bad size for ${name}`);

    if (BODYLESS.has(header.type)) continue;
    if (SKIPPED_WITH_DATA.has(header.type) || name.endsWith('/')) {
      await skipData(size, name);
      continue;
    }
    const path = ctx.accept(name);
    if (path === null) {
      await skipData(size, name);
      continue;
    }
    if (sparse || header.type === 'M') {
      ctx.entryProblem(path, `${sparse ? 'sparse' : 'multi-volume'} tar entries are not supported`);
      await skipData(size, name);
      continue;
    }
    state.inside = name;
    const parts = await input.take(size);
    if (!parts) throw new ArchiveFault(`truncated: the archive ends inside ${name}`);
    state.inside = null;
    ctx.addFile(path, parts, mtime * 1000);
    // Missing padding after the last entry is a cut archive whose entries are all whole.
    await input.skip(padding(size));
  }
}

/** A plain .tar: headers are read through slices, entries are slices of the archive. */
export async function readTar(ctx: ArchiveContext): Promise<void> {
  const input = new SlicedInput(ctx.archive.file);
  try {
    await readEntries(input, ctx, { inside: null, ended: false });
    // What follows the end marker is padding.
    input.position = ctx.archive.file.size;
  } finally {
    ctx.progress(input.archiveBytes);
  }
}

/** A .tar.gz: one pass through the decompressor. */
export async function readTarGz(ctx: ArchiveContext, impl?: InflateImpl): Promise<void> {
  const inflated = inflateBlob(ctx.archive.file, 'gzip', impl);
  const input = new StreamInput(
    inflated.reader,
    () => inflated.sourceBytes,
    () => {
      ctx.throwIfAborted();
      ctx.progress(inflated.sourceBytes);
    },
  );
  const state: TarState = { inside: null, ended: false };
  try {
    try {
      await readEntries(input, ctx, state);
    } catch (error) {
      if (!(error instanceof ArchiveFault)) throw error;
      // Corrupt deflate data often decodes to garbage for a while before zlib notices: a bad tar header
      // may be the first sign. Reading on lets the decompressor name the real cause, if it is one.
      await input.drain();
      throw error;
    }
    await input.drain();
  } catch (error) {
    ctx.throwIfAborted();
    if (error instanceof ArchiveFault) throw error;
    if (error instanceof SourceReadError)
      throw new ArchiveFault(`could not read the file (${error.message})`);
    if (inflated.sourceEnded && isTruncationError(error) && state.inside !== null) {
      throw new ArchiveFault(`truncated: the archive ends inside ${state.inside}`);
    }
    throw new ArchiveFault(`the gzip data is corrupt (${errorText(error)})`);
  } finally {
    await inflated.reader.cancel().catch(() => undefined);
    ctx.progress(inflated.sourceBytes);
  }
}
