/**
 * YUV to RGB, done here rather than by the browser: Chrome converts a stream with no colour description
 * as BT.709 while ffmpeg (and so PyAV / decord, which the reference pipelines decode with) uses BT.601, a
 * visible hue shift in saturated colours. Converting ourselves makes every decoder path agree with ffmpeg.
 * Chroma is upsampled by replication, as ffmpeg's unscaled converters and libyuv do.
 */
import type { RgbFrame } from './image.ts';

export type MatrixName = 'bt601' | 'bt709' | 'bt2020' | 'fcc' | 'smpte240m';

export interface YuvColor {
  matrix: MatrixName;
  fullRange: boolean;
}

export const DEFAULT_COLOR: YuvColor = { matrix: 'bt601', fullRange: false };

/** Kr, Kb of each matrix (ITU-R BT.601 / BT.709 / BT.2020, FCC, SMPTE 240M). */
const LUMA_WEIGHTS: Readonly<Record<MatrixName, readonly [number, number]>> = {
  bt601: [0.299, 0.114],
  bt709: [0.2126, 0.0722],
  bt2020: [0.2627, 0.0593],
  fcc: [0.3, 0.11],
  smpte240m: [0.212, 0.087],
};

/**
 * The matrix named by an ISO/IEC 23091-2 `matrix_coefficients` code (H.264/HEVC VUI, AV1, VP9 vpcC, MP4
 * colr), or null for "unspecified" and codes with no YUV matrix of their own.
 */
export function matrixFromCode(code: number): MatrixName | null {
  switch (code) {
    case 1:
      return 'bt709';
    case 4:
      return 'fcc';
    case 5:
    case 6:
      return 'bt601';
    case 7:
      return 'smpte240m';
    case 9:
    case 10:
      return 'bt2020';
    default:
      return null;
  }
}

/** The matrix of a WebCodecs VideoColorSpace `matrix` string. */
export function matrixFromWebCodecs(name: string | null | undefined): MatrixName | null {
  switch (name) {
    case 'bt709':
      return 'bt709';
    case 'bt470bg':
    case 'smpte170m':
      return 'bt601';
    case 'bt2020-ncl':
      return 'bt2020';
    default:
      return null;
  }
}

export type PlanarLayout = 'I420' | 'I422' | 'I444' | 'NV12';

export interface YuvPlanes {
  layout: PlanarLayout;
  /** Bits per sample: 8 (Uint8Array planes) or 10 / 12 (Uint16Array planes). */
  bitDepth: number;
  width: number;
  height: number;
  y: Uint8Array | Uint16Array;
  yStride: number;
  /** For NV12, `u` holds interleaved UV and `v` is unused. */
  u: Uint8Array | Uint16Array;
  uStride: number;
  v: Uint8Array | Uint16Array;
  vStride: number;
}

interface Coefficients {
  yOffset: number;
  yScale: number;
  cOffset: number;
  cScale: number;
  rv: number;
  gu: number;
  gv: number;
  bu: number;
}

function coefficients(bitDepth: number, color: YuvColor): Coefficients {
  const [kr, kb] = LUMA_WEIGHTS[color.matrix];
  const kg = 1 - kr - kb;
  const max = (1 << bitDepth) - 1;
  const shift = bitDepth - 8;
  // Code values map to normalised Y' in [0,1] and C in [-0.5,0.5].
  return {
    yOffset: color.fullRange ? 0 : 16 << shift,
    yScale: color.fullRange ? 1 / max : 1 / (219 << shift),
    cOffset: 128 << shift,
    cScale: color.fullRange ? 1 / max : 1 / (224 << shift),
    rv: 2 * (1 - kr),
    gu: (2 * kb * (1 - kb)) / kg,
    gv: (2 * kr * (1 - kr)) / kg,
    bu: 2 * (1 - kb),
  };
}

/** Converts planes to packed 8-bit RGB at the planes' size. */
export function yuvToRgb(planes: YuvPlanes, color: YuvColor): RgbFrame {
  const k = coefficients(planes.bitDepth, color);
  return planes.bitDepth === 8 ? convert8(planes, k) : convertDeep(planes, k);
}

/** 8-bit: per-code lookup tables, chroma read once per pixel pair, clamping by Uint8ClampedArray. */
function convert8(planes: YuvPlanes, k: Coefficients): RgbFrame {
  const { width, height, layout } = planes;
  const luma = new Float32Array(256);
  const rOfV = new Float32Array(256);
  const gOfU = new Float32Array(256);
  const gOfV = new Float32Array(256);
  const bOfU = new Float32Array(256);
  for (let code = 0; code < 256; code++) {
    const c = (code - k.cOffset) * k.cScale * 255;
    // +0.5 so that the clamped array's conversion rounds like Math.round for the values that matter.
    luma[code] = (code - k.yOffset) * k.yScale * 255 + 0.5;
    rOfV[code] = k.rv * c;
    gOfU[code] = k.gu * c;
    gOfV[code] = k.gv * c;
    bOfU[code] = k.bu * c;
  }
  const out = new Uint8Array(width * height * 3);
  const clamped = new Uint8ClampedArray(out.buffer);
  const xShift = layout === 'I444' ? 0 : 1;
  const yShift = layout === 'I420' || layout === 'NV12' ? 1 : 0;
  const nv12 = layout === 'NV12';
  const { y: yp, u: up, v: vp } = planes;
  for (let row = 0; row < height; row++) {
    const yRow = row * planes.yStride;
    const uRow = (row >> yShift) * planes.uStride;
    const vRow = (row >> yShift) * planes.vStride;
    let o = row * width * 3;
    for (let col = 0; col < width; col++) {
      const cx = col >> xShift;
      const u = nv12 ? up[uRow + 2 * cx]! : up[uRow + cx]!;
      const v = nv12 ? up[uRow + 2 * cx + 1]! : vp[vRow + cx]!;
      const l = luma[yp[yRow + col]!]!;
      clamped[o++] = Math.floor(l + rOfV[v]!);
      clamped[o++] = Math.floor(l - gOfU[u]! - gOfV[v]!);
      clamped[o++] = Math.floor(l + bOfU[u]!);
    }
  }
  return { width, height, data: out };
}

/** 10 / 12-bit planes. */
function convertDeep(planes: YuvPlanes, k: Coefficients): RgbFrame {
  const { width, height, layout } = planes;
  const out = new Uint8Array(width * height * 3);
  const xShift = layout === 'I444' ? 0 : 1;
  const yShift = layout === 'I420' || layout === 'NV12' ? 1 : 0;
  const { y: yp, u: up, v: vp } = planes;
  for (let row = 0; row < height; row++) {
    const yRow = row * planes.yStride;
    const cRow = (row >> yShift) * planes.uStride;
    const vRow = (row >> yShift) * planes.vStride;
    let o = row * width * 3;
    for (let col = 0; col < width; col++) {
      const luma = (yp[yRow + col]! - k.yOffset) * k.yScale;
      const cx = col >> xShift;
      const nv12 = layout === 'NV12';
      const cb = ((nv12 ? up[cRow + 2 * cx]! : up[cRow + cx]!) - k.cOffset) * k.cScale;
      const cr = ((nv12 ? up[cRow + 2 * cx + 1]! : vp[vRow + cx]!) - k.cOffset) * k.cScale;
      out[o++] = clampByte((luma + k.rv * cr) * 255);
      out[o++] = clampByte((luma - k.gu * cb - k.gv * cr) * 255);
      out[o++] = clampByte((luma + k.bu * cb) * 255);
    }
  }
  return { width, height, data: out };
}

function clampByte(v: number): number {
  const r = Math.round(v);
  return r < 0 ? 0 : r > 255 ? 255 : r;
}

/** Packed RGBA / RGBX / BGRA / BGRX to RGB. */
export function rgbaToRgb(
  data: Uint8Array,
  width: number,
  height: number,
  stride: number,
  order: 'rgb' | 'bgr',
): RgbFrame {
  const out = new Uint8Array(width * height * 3);
  let o = 0;
  for (let row = 0; row < height; row++) {
    let p = row * stride;
    for (let col = 0; col < width; col++, p += 4) {
      if (order === 'rgb') {
        out[o++] = data[p]!;
        out[o++] = data[p + 1]!;
        out[o++] = data[p + 2]!;
      } else {
        out[o++] = data[p + 2]!;
        out[o++] = data[p + 1]!;
        out[o++] = data[p]!;
      }
    }
  }
  return { width, height, data: out };
}
