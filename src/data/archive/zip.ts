/**
 * Zip read through `Blob.slice()`: the central directory from the end of the file (zip64 too), then each
 * entry from its local header. Stored entries are slices of the archive (no copy); deflated ones are
 * inflated as a stream, their size and CRC-32 checked.
 *
 * A zip cut short has lost its central directory; its entries are then recovered front to back from their
 * local headers, as far as those record sizes.
 */
import { ArchiveContext, ArchiveFault, BlobBuilder, errorText, judgeEntryName } from './entries.ts';
import { crc32, inflateBlob, SourceReadError, type InflateImpl } from './inflate.ts';

const LOCAL_SIG = 0x04034b50;
const CENTRAL_SIG = 0x02014b50;
const EOCD_SIG = 0x06054b50;
const ZIP64_LOCATOR_SIG = 0x07064b50;
const ZIP64_EOCD_SIG = 0x06064b50;
const DESCRIPTOR_SIG = 0x08074b50;
const EOCD_BYTES = 22;
const MAX_COMMENT = 0xffff;
const ZIP64_LOCATOR_BYTES = 20;
const LOCAL_BYTES = 30;
/** A central directory this large would describe millions of entries: the end record is garbage. */
const MAX_DIRECTORY_BYTES = 256 << 20;

const FLAG_ENCRYPTED = 0x1;
const FLAG_DESCRIPTOR = 0x8;
const FLAG_UTF8 = 0x800;

const METHOD_NAMES: Readonly<Record<number, string>> = {
  1: 'Shrink',
  6: 'Implode',
  9: 'Deflate64',
  12: 'bzip2',
  14: 'LZMA',
  93: 'Zstandard',
  95: 'XZ',
  98: 'PPMd',
  99: 'AES encryption',
};

interface ZipEntry {
  name: string;
  flags: number;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  mtimeMs: number;
  kind: 'file' | 'directory' | 'symlink';
}

async function bytesAt(blob: Blob, start: number, end: number): Promise<Uint8Array> {
  return new Uint8Array(await blob.slice(start, end).arrayBuffer());
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function u64(v: DataView, at: number): number {
  return v.getUint32(at, true) + v.getUint32(at + 4, true) * 0x1_0000_0000;
}

const CP437_HIGH =
  'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0';
const utf8 = new TextDecoder('utf-8');
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Names are UTF-8 when flagged; unflagged ones are, by the spec, CP437, but many tools write UTF-8 without
 * the flag, so valid UTF-8 is taken as such. Backslashes are DOS separators written by old Windows tools.
 */
function decodeName(raw: Uint8Array, flags: number, extras: Map<number, Uint8Array>): string {
  let name: string | null = null;
  if (flags & FLAG_UTF8) name = utf8.decode(raw);
  const unicode = extras.get(0x7075);
  if (name === null && unicode && unicode.length > 5 && unicode[0] === 1) {
    // Info-ZIP's Unicode path, valid only while it matches the plain name it stands for.
    if (view(unicode).getUint32(1, true) === crc32(raw)) name = utf8.decode(unicode.subarray(5));
  }
  if (name === null) {
    try {
      name = strictUtf8.decode(raw);
    } catch {
      name = String.fromCharCode(...raw).replace(/[\x80-\xff]/g, (c) => CP437_HIGH[c.charCodeAt(0) - 128]!);
    }
  }
  return name.replaceAll('\\', '/');
}

function parseExtras(extra: Uint8Array): Map<number, Uint8Array> {
  const out = new Map<number, Uint8Array>();
  const v = view(extra);
  for (let at = 0; at + 4 <= extra.length;) {
    const id = v.getUint16(at, true);
    const size = v.getUint16(at + 2, true);
    if (at + 4 + size > extra.length) break;
    out.set(id, extra.subarray(at + 4, at + 4 + size));
    at += 4 + size;
  }
  return out;
}

/** DOS date and time are local time, 2-second steps. */
function dosTime(date: number, time: number): number {
  return new Date(
    (date >> 9) + 1980,
    ((date >> 5) & 0xf) - 1,
    date & 0x1f,
    time >> 11,
    (time >> 5) & 0x3f,
    (time & 0x1f) * 2,
  ).getTime();
}

/** The extended timestamp extra (UTC seconds) is exact where DOS time is local and coarse. */
function mtimeOf(extras: Map<number, Uint8Array>, date: number, time: number): number {
  const stamp = extras.get(0x5455);
  if (stamp && stamp.length >= 5 && stamp[0]! & 1) return view(stamp).getUint32(1, true) * 1000;
  return dosTime(date, time);
}

/** Zip64 extra fields hold, in order, only the values whose 32-bit field is saturated. */
function applyZip64(
  extras: Map<number, Uint8Array>,
  fields: { size: number; compressedSize: number; offset?: number },
): void {
  const zip64 = extras.get(0x0001);
  if (!zip64) return;
  const v = view(zip64);
  let at = 0;
  const next = (value: number): number => {
    if (value !== 0xffffffff || at + 8 > zip64.length) return value;
    const big = u64(v, at);
    at += 8;
    return big;
  };
  fields.size = next(fields.size);
  fields.compressedSize = next(fields.compressedSize);
  if (fields.offset !== undefined) fields.offset = next(fields.offset);
}

interface Directory {
  entries: { entry: ZipEntry; localOffset: number }[];
}

/** Finds the end-of-central-directory record in the file's last 64 KiB; null when there is none. */
async function readDirectory(file: Blob): Promise<Directory | null> {
  const tailStart = Math.max(0, file.size - (EOCD_BYTES + MAX_COMMENT + ZIP64_LOCATOR_BYTES));
  const tail = await bytesAt(file, tailStart, file.size);
  const tv = view(tail);
  let eocd = -1;
  for (let at = tail.length - EOCD_BYTES; at >= 0; at--) {
    if (tv.getUint32(at, true) !== EOCD_SIG) continue;
    // A comment may contain the signature: prefer a record whose comment reaches the file's end exactly.
    const ends = at + EOCD_BYTES + tv.getUint16(at + 20, true);
    if (ends === tail.length) {
      eocd = at;
      break;
    }
    if (ends < tail.length && eocd < 0) eocd = at;
  }
  if (eocd < 0) return null;

  const disk = tv.getUint16(eocd + 4, true);
  const directoryDisk = tv.getUint16(eocd + 6, true);
  let count = tv.getUint16(eocd + 10, true);
  let size = tv.getUint32(eocd + 12, true);
  let offset = tv.getUint32(eocd + 16, true);
  let directoryEnd = tailStart + eocd;

  const locator = eocd - ZIP64_LOCATOR_BYTES;
  if (locator >= 0 && tv.getUint32(locator, true) === ZIP64_LOCATOR_SIG) {
    const recordAt = u64(tv, locator + 8);
    const record = view(await bytesAt(file, recordAt, recordAt + 56));
    if (record.byteLength < 56 || record.getUint32(0, true) !== ZIP64_EOCD_SIG) {
      throw new ArchiveFault('the zip64 end-of-central-directory record is missing');
    }
    count = u64(record, 32);
    size = u64(record, 40);
    offset = u64(record, 48);
    directoryEnd = recordAt;
  } else if (disk !== 0 || directoryDisk !== 0) {
    throw new ArchiveFault('split (multi-part) zip archives are not supported');
  }

  // Self-extracting archives carry a program before the zip, and their offsets ignore it.
  const shift = directoryEnd - size - offset;
  if (shift < 0 || size > MAX_DIRECTORY_BYTES)
    throw new ArchiveFault("the zip's central directory is corrupt");
  const directory = await bytesAt(file, offset + shift, offset + shift + size);
  return { entries: parseDirectory(directory, count, shift) };
}

function parseDirectory(bytes: Uint8Array, count: number, shift: number): Directory['entries'] {
  const v = view(bytes);
  const out: Directory['entries'] = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    if (at + 46 > bytes.length || v.getUint32(at, true) !== CENTRAL_SIG) {
      throw new ArchiveFault(`the zip's central directory is corrupt (entry ${i + 1} of ${count})`);
    }
    const host = v.getUint8(at + 5);
    const flags = v.getUint16(at + 8, true);
    const nameLength = v.getUint16(at + 28, true);
    const extraLength = v.getUint16(at + 30, true);
    const commentLength = v.getUint16(at + 32, true);
    const external = v.getUint32(at + 38, true);
    const end = at + 46 + nameLength + extraLength + commentLength;
    if (end > bytes.length) throw new ArchiveFault("the zip's central directory is corrupt");
    const raw = bytes.subarray(at + 46, at + 46 + nameLength);
    const extras = parseExtras(bytes.subarray(at + 46 + nameLength, at + 46 + nameLength + extraLength));
    const fields = {
      size: v.getUint32(at + 24, true),
      compressedSize: v.getUint32(at + 20, true),
      offset: v.getUint32(at + 42, true),
    };
    applyZip64(extras, fields);
    const name = decodeName(raw, flags, extras);
    // Unix (3) and macOS (19) hosts keep the file mode in the upper half of the external attributes.
    const unixType = host === 3 || host === 19 ? (external >>> 16) & 0o170000 : 0;
    const kind =
      unixType === 0o120000
        ? 'symlink'
        : name.endsWith('/') || unixType === 0o040000 || (unixType === 0 && external & 0x10)
          ? 'directory'
          : 'file';
    out.push({
      entry: {
        name,
        flags,
        method: v.getUint16(at + 10, true),
        crc: v.getUint32(at + 16, true),
        compressedSize: fields.compressedSize,
        size: fields.size,
        mtimeMs: mtimeOf(extras, v.getUint16(at + 14, true), v.getUint16(at + 12, true)),
        kind,
      },
      localOffset: fields.offset + shift,
    });
    at = end;
  }
  return out;
}

/** The local header before an entry's data: its own name and extra lengths say where the data starts. */
interface LocalHeader {
  entry: ZipEntry;
  dataStart: number;
  /** Its data descriptor, if any, has 8-byte sizes. */
  zip64: boolean;
}

/** 'short' when the file ends inside the header, null when there is no header at `at`. */
async function readLocalHeader(file: Blob, at: number): Promise<LocalHeader | 'short' | null> {
  // One read covers the fixed part and, nearly always, the name and extras.
  let head = await bytesAt(file, at, at + LOCAL_BYTES + 512);
  const v = view(head);
  if (head.length >= 4 && v.getUint32(0, true) !== LOCAL_SIG) return null;
  if (head.length < LOCAL_BYTES) return 'short';
  const flags = v.getUint16(6, true);
  const nameLength = v.getUint16(26, true);
  const extraLength = v.getUint16(28, true);
  const dataStart = at + LOCAL_BYTES + nameLength + extraLength;
  if (head.length < LOCAL_BYTES + nameLength + extraLength) head = await bytesAt(file, at, dataStart);
  if (head.length < LOCAL_BYTES + nameLength + extraLength) return 'short';
  const raw = head.subarray(LOCAL_BYTES, LOCAL_BYTES + nameLength);
  const extras = parseExtras(head.subarray(LOCAL_BYTES + nameLength, LOCAL_BYTES + nameLength + extraLength));
  const fields = { size: v.getUint32(22, true), compressedSize: v.getUint32(18, true) };
  applyZip64(extras, fields);
  const name = decodeName(raw, flags, extras);
  return {
    entry: {
      name,
      flags,
      method: v.getUint16(8, true),
      crc: v.getUint32(14, true),
      compressedSize: fields.compressedSize,
      size: fields.size,
      mtimeMs: mtimeOf(extras, v.getUint16(12, true), v.getUint16(10, true)),
      kind: name.endsWith('/') ? 'directory' : 'file',
    },
    dataStart,
    zip64: extras.has(0x0001),
  };
}

/** Inflates one deflated entry; returns its parts, or the reason it is corrupt. */
async function inflateEntry(
  ctx: ArchiveContext,
  data: Blob,
  dataStart: number,
  entry: ZipEntry,
  impl: InflateImpl | undefined,
): Promise<BlobPart[] | string> {
  const inflated = inflateBlob(data, 'deflate-raw', impl);
  const builder = new BlobBuilder();
  let crc = 0;
  try {
    for (;;) {
      ctx.throwIfAborted();
      ctx.progress(dataStart + inflated.sourceBytes);
      const { done, value } = await inflated.reader.read();
      if (done) break;
      // Never inflate past the declared size: a lying header must not fill memory.
      if (builder.size + value.byteLength > entry.size) {
        return `corrupt: the data inflates to more than the ${entry.size} bytes its header gives`;
      }
      crc = crc32(value, crc);
      builder.push(value);
    }
  } catch (error) {
    ctx.throwIfAborted();
    if (error instanceof SourceReadError)
      throw new ArchiveFault(`could not read the file (${error.message})`);
    return `the compressed data is corrupt (${errorText(error)})`;
  } finally {
    await inflated.reader.cancel().catch(() => undefined);
  }
  if (builder.size !== entry.size) {
    return `corrupt: the data inflates to ${builder.size} bytes, its header gives ${entry.size}`;
  }
  if (crc !== entry.crc) return 'corrupt: CRC-32 mismatch';
  return builder.finish();
}

/** Takes one entry whose data starts at `dataStart`: a file, a problem, or nothing (skipped). */
async function extract(
  ctx: ArchiveContext,
  entry: ZipEntry,
  dataStart: number,
  impl: InflateImpl | undefined,
): Promise<void> {
  if (entry.kind !== 'file') return;
  const path = ctx.accept(entry.name);
  if (path === null) return;
  if (entry.flags & FLAG_ENCRYPTED || entry.method === 99) {
    return ctx.entryProblem(path, 'encrypted zip entries are not supported');
  }
  if (entry.method !== 0 && entry.method !== 8) {
    const known = METHOD_NAMES[entry.method];
    return ctx.entryProblem(
      path,
      `unsupported compression method ${entry.method}${known ? ` (${known})` : ''}`,
    );
  }
  const dataEnd = dataStart + entry.compressedSize;
  if (dataEnd > ctx.archive.file.size) {
    return ctx.entryProblem(path, `truncated: the archive ends inside ${entry.name}`);
  }
  const data = ctx.archive.file.slice(dataStart, dataEnd);
  if (entry.method === 0) {
    if (entry.compressedSize !== entry.size) return ctx.entryProblem(path, 'corrupt: stored sizes disagree');
    ctx.addFile(path, [data], entry.mtimeMs);
  } else {
    const parts = await inflateEntry(ctx, data, dataStart, entry, impl);
    if (typeof parts === 'string') ctx.entryProblem(path, parts);
    else ctx.addFile(path, parts, entry.mtimeMs);
  }
  ctx.progress(dataEnd);
}

/** Without a central directory: entries front to back, as long as their local headers give their sizes. */
async function recoverFromLocalHeaders(ctx: ArchiveContext, impl: InflateImpl | undefined): Promise<void> {
  const file = ctx.archive.file;
  const head = await bytesAt(file, 0, 4);
  if (head.length < 4 || view(head).getUint32(0, true) !== LOCAL_SIG) {
    throw new ArchiveFault('not a zip archive (no end-of-central-directory record)');
  }
  let at = 0;
  for (;;) {
    ctx.throwIfAborted();
    const sigBytes = await bytesAt(file, at, at + 4);
    if (sigBytes.length < 4) throw new ArchiveFault("truncated: the zip's central directory is missing");
    const sig = view(sigBytes).getUint32(0, true);
    if (sig === CENTRAL_SIG || sig === EOCD_SIG || sig === ZIP64_EOCD_SIG) {
      throw new ArchiveFault("truncated: the zip's end-of-central-directory record is missing");
    }
    const local = await readLocalHeader(file, at);
    if (local === 'short') throw new ArchiveFault('truncated: the archive ends inside a zip entry header');
    if (local === null) throw new ArchiveFault(`corrupt: no zip entry header at byte ${at}`);
    const { entry, dataStart } = local;
    if (entry.flags & FLAG_DESCRIPTOR && entry.compressedSize === 0) {
      // Streamed writers put sizes after the data, and only the lost central directory repeats them;
      // zero is believable only when a descriptor follows at once.
      const next = await bytesAt(file, dataStart, dataStart + 4);
      if (next.length < 4 || view(next).getUint32(0, true) !== DESCRIPTOR_SIG) {
        throw new ArchiveFault(
          `truncated: the zip's central directory is missing, and ${entry.name} has no size`,
        );
      }
    }
    if (dataStart + entry.compressedSize > file.size) {
      throw new ArchiveFault(`truncated: the archive ends inside ${entry.name}`);
    }
    at = dataStart + entry.compressedSize;
    if (entry.flags & FLAG_DESCRIPTOR) {
      // The CRC (and the sizes) of a streamed entry follow its data, with or without a signature.
      const descriptor = await bytesAt(file, at, at + 24);
      const dv = view(descriptor);
      const signed = descriptor.length >= 4 && dv.getUint32(0, true) === DESCRIPTOR_SIG;
      const length = (signed ? 4 : 0) + (local.zip64 ? 20 : 12);
      if (descriptor.length < length) {
        throw new ArchiveFault(`truncated: the archive ends inside ${entry.name}`);
      }
      entry.crc = dv.getUint32(signed ? 4 : 0, true);
      at += length;
    }
    await extract(ctx, entry, dataStart, impl);
  }
}

export async function readZip(ctx: ArchiveContext, impl?: InflateImpl): Promise<void> {
  const file = ctx.archive.file;
  const directory = await readDirectory(file);
  if (!directory) return recoverFromLocalHeaders(ctx, impl);
  for (const { entry, localOffset } of directory.entries) {
    ctx.throwIfAborted();
    if (entry.kind !== 'file' || judgeEntryName(entry.name).kind === 'skip') continue;
    const local = await readLocalHeader(file, localOffset);
    if (local === null || local === 'short') {
      const path = ctx.accept(entry.name);
      if (path !== null) ctx.entryProblem(path, `corrupt: no local header for ${entry.name}`);
      continue;
    }
    await extract(ctx, entry, local.dataStart, impl);
  }
  ctx.progress(file.size);
}
