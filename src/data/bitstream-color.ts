/**
 * The colour description a stream signals in its own headers (H.264 SPS VUI, AV1 sequence header), which
 * WebCodecs does not expose reliably (Chrome reports BT.709 when nothing is signalled). Only the fields up to
 * the colour description are parsed.
 */

export interface SignalledColor {
  /** ISO/IEC 23091-2 matrix_coefficients, or null when not signalled. */
  matrixCode: number | null;
  fullRange: boolean | null;
}

const NOTHING: SignalledColor = { matrixCode: null, fullRange: null };

class BitReader {
  private bit = 0;
  constructor(private readonly bytes: Uint8Array) {}

  u(n: number): number {
    let value = 0;
    for (let i = 0; i < n; i++) {
      const byte = this.bytes[this.bit >> 3];
      if (byte === undefined) throw new RangeError('read past the end of a header');
      value = value * 2 + ((byte >> (7 - (this.bit & 7))) & 1);
      this.bit++;
    }
    return value;
  }

  flag(): boolean {
    return this.u(1) === 1;
  }

  ue(): number {
    let zeros = 0;
    while (this.u(1) === 0) {
      zeros++;
      if (zeros > 31) throw new RangeError('bad exp-Golomb code');
    }
    return 2 ** zeros - 1 + this.u(zeros);
  }

  se(): number {
    const k = this.ue();
    return k % 2 === 1 ? (k + 1) / 2 : -k / 2;
  }

  uvlc(): number {
    let zeros = 0;
    while (this.u(1) === 0) {
      zeros++;
      if (zeros >= 32) return 2 ** 32 - 1;
    }
    return 2 ** zeros - 1 + this.u(zeros);
  }
}

/** NAL payload without emulation-prevention bytes (00 00 03 -> 00 00). */
function unescapeRbsp(nal: Uint8Array): Uint8Array {
  const out = new Uint8Array(nal.length);
  let n = 0;
  let zeros = 0;
  for (const byte of nal) {
    if (zeros >= 2 && byte === 3) {
      zeros = 0;
      continue;
    }
    out[n++] = byte;
    zeros = byte === 0 ? zeros + 1 : 0;
  }
  return out.subarray(0, n);
}

const HIGH_PROFILES = new Set([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135]);

/** Colour signalled in an H.264 sequence parameter set NAL unit (with its one-byte NAL header). */
export function h264SpsColor(spsNal: Uint8Array): SignalledColor {
  try {
    const r = new BitReader(unescapeRbsp(spsNal.subarray(1)));
    const profile = r.u(8);
    r.u(16); // constraint flags, level
    r.ue(); // seq_parameter_set_id
    if (HIGH_PROFILES.has(profile)) {
      const chromaFormat = r.ue();
      if (chromaFormat === 3) r.u(1);
      r.ue();
      r.ue();
      r.u(1);
      if (r.flag()) {
        for (let i = 0; i < (chromaFormat !== 3 ? 8 : 12); i++) {
          if (!r.flag()) continue;
          const size = i < 6 ? 16 : 64;
          let last = 8;
          let next = 8;
          for (let j = 0; j < size; j++) {
            if (next !== 0) next = (last + r.se() + 256) % 256;
            last = next === 0 ? last : next;
          }
        }
      }
    }
    r.ue(); // log2_max_frame_num_minus4
    const pocType = r.ue();
    if (pocType === 0) r.ue();
    else if (pocType === 1) {
      r.u(1);
      r.se();
      r.se();
      const cycle = r.ue();
      for (let i = 0; i < cycle; i++) r.se();
    }
    r.ue(); // max_num_ref_frames
    r.u(1);
    r.ue();
    r.ue();
    if (!r.flag()) r.u(1); // frame_mbs_only_flag, mb_adaptive_frame_field_flag
    r.u(1); // direct_8x8_inference_flag
    if (r.flag()) {
      r.ue();
      r.ue();
      r.ue();
      r.ue();
    }
    if (!r.flag()) return NOTHING; // vui_parameters_present_flag
    if (r.flag() && r.u(8) === 255) r.u(32); // aspect ratio, extended SAR
    if (r.flag()) r.u(1); // overscan
    if (!r.flag()) return NOTHING; // video_signal_type_present_flag
    r.u(3);
    const fullRange = r.flag();
    if (!r.flag()) return { matrixCode: null, fullRange };
    r.u(16); // primaries, transfer
    return { matrixCode: r.u(8), fullRange };
  } catch {
    return NOTHING;
  }
}

/** Reads a leb128 value at `pos`; returns [value, bytes used]. */
function leb128(bytes: Uint8Array, pos: number): [number, number] {
  let value = 0;
  for (let i = 0; i < 8; i++) {
    const byte = bytes[pos + i];
    if (byte === undefined) throw new RangeError('truncated leb128');
    value += (byte & 0x7f) * 2 ** (7 * i);
    if (!(byte & 0x80)) return [value, i + 1];
  }
  throw new RangeError('leb128 too long');
}

/** Colour signalled in the sequence header OBU among `obus` (e.g. av1C's configOBUs). */
export function av1SequenceColor(obus: Uint8Array): SignalledColor {
  try {
    let pos = 0;
    while (pos < obus.length) {
      const header = obus[pos]!;
      const type = (header >> 3) & 0xf;
      const hasExtension = (header >> 2) & 1;
      const hasSize = (header >> 1) & 1;
      pos += 1 + hasExtension;
      let size = obus.length - pos;
      if (hasSize) {
        const [value, used] = leb128(obus, pos);
        size = value;
        pos += used;
      }
      if (type === 1) return parseAv1SequenceHeader(obus.subarray(pos, pos + size));
      pos += size;
    }
  } catch {
    // fall through
  }
  return NOTHING;
}

function parseAv1SequenceHeader(bytes: Uint8Array): SignalledColor {
  const r = new BitReader(bytes);
  const profile = r.u(3);
  r.u(1); // still_picture
  const reduced = r.flag();
  if (reduced) r.u(5);
  else {
    let decoderModel = false;
    let bufferDelayLength = 0;
    if (r.flag()) {
      r.u(32);
      r.u(32);
      if (r.flag()) r.uvlc();
      decoderModel = r.flag();
      if (decoderModel) {
        bufferDelayLength = r.u(5) + 1;
        r.u(32);
        r.u(5);
        r.u(5);
      }
    }
    const initialDisplayDelay = r.flag();
    const points = r.u(5) + 1;
    for (let i = 0; i < points; i++) {
      r.u(12);
      const level = r.u(5);
      if (level > 7) r.u(1);
      if (decoderModel && r.flag()) {
        r.u(bufferDelayLength);
        r.u(bufferDelayLength);
        r.u(1);
      }
      if (initialDisplayDelay && r.flag()) r.u(4);
    }
  }
  const widthBits = r.u(4) + 1;
  const heightBits = r.u(4) + 1;
  r.u(widthBits);
  r.u(heightBits);
  if (!reduced && r.flag()) {
    r.u(4);
    r.u(3);
  }
  r.u(3); // 128x128 superblock, filter intra, intra edge filter
  if (!reduced) {
    r.u(4); // interintra, masked compound, warped motion, dual filter
    const orderHint = r.flag();
    if (orderHint) r.u(2);
    const chooseScreen = r.flag();
    const forceScreen = chooseScreen ? 2 : r.u(1);
    if (forceScreen > 0 && !r.flag()) r.u(1);
    if (orderHint) r.u(3);
  }
  r.u(3); // superres, cdef, restoration
  const highBitDepth = r.flag();
  if (profile === 2 && highBitDepth) r.u(1);
  const mono = profile === 1 ? false : r.flag();
  let primaries = 2;
  let transfer = 2;
  let matrix = 2;
  if (r.flag()) {
    primaries = r.u(8);
    transfer = r.u(8);
    matrix = r.u(8);
  }
  const described = !(primaries === 2 && transfer === 2 && matrix === 2);
  let fullRange: boolean;
  if (mono) fullRange = r.flag();
  else if (primaries === 1 && transfer === 13 && matrix === 0) fullRange = true;
  else fullRange = r.flag();
  return { matrixCode: described && matrix !== 2 ? matrix : null, fullRange };
}
