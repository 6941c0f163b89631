/**
 * The safetensors format: an 8-byte little-endian header length N, N bytes of JSON (padded with spaces to
 * a multiple of 8), then the raw little-endian tensor data; each header entry gives dtype, shape and
 * `data_offsets` relative to the end of the header.
 */
import { CheckpointFormatError } from './errors.ts';
import { decodeElements, itemSize, shapeNumel, type StateDict, type StoredDtype } from './state-dict.ts';

/** The format's own reader refuses headers above 100 MB; so do we (a corrupt length would allocate GBs). */
const MAX_HEADER_BYTES = 100_000_000;

const DTYPES: Record<string, StoredDtype> = {
  F64: 'F64',
  F32: 'F32',
  F16: 'F16',
  BF16: 'BF16',
  I64: 'I64',
  I32: 'I32',
  I16: 'I16',
  I8: 'I8',
  U8: 'U8',
  BOOL: 'BOOL',
};

export interface SafetensorsFile {
  tensors: StateDict;
  metadata: Record<string, string>;
}

interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

export function readSafetensors(bytes: Uint8Array, file = 'model.safetensors'): SafetensorsFile {
  if (bytes.length < 8)
    throw new CheckpointFormatError(file, `only ${bytes.length} bytes, not a safetensors file`);
  const headerLength = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  if (headerLength > MAX_HEADER_BYTES || 8 + headerLength > bytes.length) {
    throw new CheckpointFormatError(
      file,
      `header length ${headerLength} does not fit in a ${bytes.length}-byte file (truncated or not safetensors)`,
    );
  }
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength)),
    );
  } catch (error) {
    throw new CheckpointFormatError(file, `header is not valid JSON (${(error as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header))
    throw new CheckpointFormatError(file, 'header is not a JSON object');
  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  const tensors: StateDict = new Map();
  let metadata: Record<string, string> = {};
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = (raw ?? {}) as Record<string, string>;
      continue;
    }
    const entry = raw as Partial<HeaderEntry>;
    const dtype = DTYPES[String(entry?.dtype)];
    if (!dtype)
      throw new CheckpointFormatError(file, `tensor ${name} has unsupported dtype ${String(entry?.dtype)}`);
    const shape = entry.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0))
      throw new CheckpointFormatError(file, `tensor ${name} has an invalid shape ${JSON.stringify(shape)}`);
    const offsets = entry.data_offsets;
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !offsets.every((o) => Number.isInteger(o) && o >= 0)
    )
      throw new CheckpointFormatError(
        file,
        `tensor ${name} has invalid data_offsets ${JSON.stringify(offsets)}`,
      );
    const [begin, end] = offsets;
    const count = shapeNumel(shape);
    if (end < begin || end > dataLength)
      throw new CheckpointFormatError(
        file,
        `tensor ${name} lies outside the data (offsets ${begin}-${end} of ${dataLength} bytes; truncated download?)`,
      );
    if (end - begin !== count * itemSize(dtype)) {
      throw new CheckpointFormatError(
        file,
        `tensor ${name}: ${dtype} [${shape.join(', ')}] needs ${count * itemSize(dtype)} bytes, the header gives ${end - begin}`,
      );
    }
    tensors.set(name, {
      dtype,
      shape: [...shape],
      data: decodeElements(bytes, dataStart + begin, count, dtype),
    });
  }
  return { tensors, metadata };
}

export interface TensorToWrite {
  shape: readonly number[];
  data: Float32Array;
}

/**
 * Writes float32 tensors the way the reference (Rust) writer does: entries sorted by name (all share one
 * dtype), compact JSON with `__metadata__` first, padded with spaces to a multiple of 8.
 */
export function writeSafetensors(
  tensors: Iterable<readonly [string, TensorToWrite]>,
  metadata: Record<string, string> = { format: 'pt' },
): Uint8Array {
  const entries = [...tensors].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const [name, t] of entries) {
    const count = shapeNumel(t.shape);
    if (count !== t.data.length)
      throw new Error(
        `writeSafetensors: ${name} has ${t.data.length} values for shape [${t.shape.join(', ')}]`,
      );
    header[name] = { dtype: 'F32', shape: [...t.shape], data_offsets: [offset, offset + count * 4] };
    offset += count * 4;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const withPadding = new Uint8Array(padded).fill(0x20);
    withPadding.set(json);
    json = withPadding;
  }
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let position = 8 + json.length;
  for (const [, t] of entries) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), position);
    position += t.data.byteLength;
  }
  return out;
}

/** `model.safetensors.index.json`: which shard holds each tensor. */
export interface ShardIndex {
  metadata?: Record<string, unknown>;
  weight_map: Record<string, string>;
}

export function parseShardIndex(text: string, file: string): ShardIndex {
  let index: ShardIndex;
  try {
    index = JSON.parse(text) as ShardIndex;
  } catch (error) {
    throw new CheckpointFormatError(file, `not valid JSON (${(error as Error).message})`);
  }
  if (!index || typeof index.weight_map !== 'object' || index.weight_map === null)
    throw new CheckpointFormatError(file, 'has no "weight_map"');
  return index;
}

/** The shard file names of an index, in first-use order. */
export function shardFiles(index: ShardIndex): string[] {
  return [...new Set(Object.values(index.weight_map))];
}

/**
 * Joins the shards of a sharded checkpoint, checking that every tensor the index names is in the shard it
 * names.
 */
export function mergeShards(
  index: ShardIndex,
  shards: ReadonlyMap<string, StateDict>,
  indexFile: string,
): StateDict {
  const merged: StateDict = new Map();
  for (const [name, shard] of Object.entries(index.weight_map)) {
    const tensors = shards.get(shard);
    if (!tensors) throw new CheckpointFormatError(indexFile, `shard ${shard} (for ${name}) was not loaded`);
    const tensor = tensors.get(name);
    if (!tensor)
      throw new CheckpointFormatError(shard, `does not contain ${name}, which ${indexFile} places there`);
    merged.set(name, tensor);
  }
  return merged;
}
