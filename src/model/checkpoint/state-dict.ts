/**
 * A checkpoint in memory: HF state_dict names to float32 values in PyTorch shapes (C order). The dtype the
 * file stored is kept for the load report; every floating dtype is widened to float32 on read.
 */

export type StoredDtype = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

export interface CheckpointTensor {
  dtype: StoredDtype;
  shape: number[];
  data: Float32Array;
}

export type StateDict = Map<string, CheckpointTensor>;

export const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** float16 bits to float32 value (subnormals, infinities and NaN included). */
export function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/**
 * Reads `count` elements of `dtype` stored little-endian at `bytes[offset...]` as float32. F32 data that
 * happens to be 4-byte aligned is returned as a view (no copy: a ViT-B checkpoint is 350 MB).
 */
export function decodeElements(
  bytes: Uint8Array,
  offset: number,
  count: number,
  dtype: StoredDtype,
): Float32Array {
  const start = bytes.byteOffset + offset;
  if (dtype === 'F32' && LITTLE_ENDIAN && start % 4 === 0)
    return new Float32Array(bytes.buffer, start, count);
  const view = new DataView(bytes.buffer, start, count * itemSize(dtype));
  const out = new Float32Array(count);
  switch (dtype) {
    case 'F32':
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
      break;
    case 'F64':
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(i * 8, true);
      break;
    case 'F16':
      for (let i = 0; i < count; i++) out[i] = halfToFloat(view.getUint16(i * 2, true));
      break;
    case 'BF16': {
      // bfloat16 is the top half of a float32: shift the bits into place.
      const words = new Uint32Array(out.buffer);
      for (let i = 0; i < count; i++) words[i] = view.getUint16(i * 2, true) << 16;
      break;
    }
    case 'I64':
      for (let i = 0; i < count; i++) out[i] = Number(view.getBigInt64(i * 8, true));
      break;
    case 'I32':
      for (let i = 0; i < count; i++) out[i] = view.getInt32(i * 4, true);
      break;
    case 'I16':
      for (let i = 0; i < count; i++) out[i] = view.getInt16(i * 2, true);
      break;
    case 'I8':
      for (let i = 0; i < count; i++) out[i] = view.getInt8(i);
      break;
    case 'U8':
    case 'BOOL':
      for (let i = 0; i < count; i++) out[i] = view.getUint8(i);
      break;
  }
  return out;
}

export function itemSize(dtype: StoredDtype): number {
  switch (dtype) {
    case 'F64':
    case 'I64':
      return 8;
    case 'F32':
    case 'I32':
      return 4;
    case 'F16':
    case 'BF16':
    case 'I16':
      return 2;
    default:
      return 1;
  }
}

export function shapeNumel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}
