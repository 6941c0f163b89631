/**
 * RGB frames and the one resampler every path shares (working-resolution frames, training crops, previews,
 * and the tests' reference): separable bilinear with antialiasing when shrinking, i.e. a triangle filter
 * whose support widens with the scale factor, as PIL's BILINEAR (what Hugging Face's image processors use).
 */

/** Packed 8-bit RGB, row-major, no padding. */
export interface RgbFrame {
  width: number;
  height: number;
  data: Uint8Array;
}

export function rgbFrame(width: number, height: number, data?: Uint8Array): RgbFrame {
  const size = width * height * 3;
  if (data && data.length !== size) {
    throw new RangeError(`RGB frame ${width}x${height} needs ${size} bytes, got ${data.length}`);
  }
  return { width, height, data: data ?? new Uint8Array(size) };
}

/** Per-output-sample filter taps along one axis: source start index, tap count, normalised weights. */
export interface AxisTaps {
  start: Int32Array;
  count: Int32Array;
  weights: Float32Array;
  maxTaps: number;
}

/**
 * Taps for output samples [first, first + n) of an axis resized from `inSize` to `outSize` (the output may
 * be a window of the full resized axis: crops never resize pixels they throw away).
 */
export function axisTaps(inSize: number, outSize: number, first: number, n: number): AxisTaps {
  const scale = inSize / outSize;
  const support = Math.max(1, scale);
  const maxTaps = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(n);
  const count = new Int32Array(n);
  const weights = new Float32Array(n * maxTaps);
  const inv = 1 / Math.max(1, scale);
  for (let i = 0; i < n; i++) {
    const center = (first + i + 0.5) * scale;
    const lo = Math.max(0, Math.floor(center - support + 0.5));
    const hi = Math.min(inSize, Math.floor(center + support + 0.5));
    let total = 0;
    for (let k = lo; k < hi; k++) {
      const w = Math.max(0, 1 - Math.abs((k + 0.5 - center) * inv));
      weights[i * maxTaps + (k - lo)] = w;
      total += w;
    }
    if (total === 0) {
      // Cannot happen for valid sizes (the nearest source sample always has weight); kept for safety.
      const nearest = Math.min(inSize - 1, Math.max(0, Math.floor(center)));
      start[i] = nearest;
      count[i] = 1;
      weights[i * maxTaps] = 1;
      continue;
    }
    start[i] = lo;
    count[i] = hi - lo;
    for (let k = 0; k < hi - lo; k++) weights[i * maxTaps + k]! /= total;
  }
  return { start, count, weights, maxTaps };
}

/**
 * The horizontal half of the separable resample: source rows rowLo .. rowLo + rows - 1 filtered with `taps`
 * into `into` as [rows, taps.start.length, 3] (float, not rounded), the vertical pass's input.
 */
export function horizontalPass(
  src: RgbFrame,
  taps: AxisTaps,
  rowLo: number,
  rows: number,
  into: Float32Array,
): void {
  const s = src.data;
  const rowBytes = src.width * 3;
  const outW = taps.start.length;
  for (let r = 0; r < rows; r++) {
    const rowBase = (rowLo + r) * rowBytes;
    let o = r * outW * 3;
    for (let i = 0; i < outW; i++) {
      const k0 = taps.start[i]!;
      const n = taps.count[i]!;
      const wBase = i * taps.maxTaps;
      let red = 0;
      let green = 0;
      let blue = 0;
      for (let k = 0; k < n; k++) {
        const w = taps.weights[wBase + k]!;
        const p = rowBase + (k0 + k) * 3;
        red += w * s[p]!;
        green += w * s[p + 1]!;
        blue += w * s[p + 2]!;
      }
      into[o++] = red;
      into[o++] = green;
      into[o++] = blue;
    }
  }
}

export interface ResampleWindow {
  /** Size of the fully resized image. */
  scaledWidth: number;
  scaledHeight: number;
  /** The window of the resized image to produce. */
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Resizes `src` to scaledWidth x scaledHeight and returns the requested window as float RGB (0..255),
 * interleaved, row-major. Only the source rows the window needs are filtered.
 */
export function resampleWindow(src: RgbFrame, win: ResampleWindow): Float32Array {
  const xt = axisTaps(src.width, win.scaledWidth, win.x, win.width);
  const yt = axisTaps(src.height, win.scaledHeight, win.y, win.height);
  let rowLo = src.height;
  let rowHi = 0;
  for (let j = 0; j < win.height; j++) {
    rowLo = Math.min(rowLo, yt.start[j]!);
    rowHi = Math.max(rowHi, yt.start[j]! + yt.count[j]!);
  }
  const rows = rowHi - rowLo;
  const outW = win.width;
  const horizontal = new Float32Array(rows * outW * 3);
  horizontalPass(src, xt, rowLo, rows, horizontal);
  const out = new Float32Array(win.height * outW * 3);
  const rowLen = outW * 3;
  for (let j = 0; j < win.height; j++) {
    const k0 = yt.start[j]! - rowLo;
    const n = yt.count[j]!;
    const wBase = j * yt.maxTaps;
    const outBase = j * rowLen;
    for (let k = 0; k < n; k++) {
      const w = yt.weights[wBase + k]!;
      const inBase = (k0 + k) * rowLen;
      for (let c = 0; c < rowLen; c++) out[outBase + c]! += w * horizontal[inBase + c]!;
    }
  }
  return out;
}

function toBytes(values: Float32Array): Uint8Array {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = Math.round(values[i]!);
    out[i] = v < 0 ? 0 : v > 255 ? 255 : v;
  }
  return out;
}

export function resizeRgb(src: RgbFrame, width: number, height: number): RgbFrame {
  if (width === src.width && height === src.height) return { width, height, data: src.data.slice() };
  const values = resampleWindow(src, { scaledWidth: width, scaledHeight: height, x: 0, y: 0, width, height });
  return { width, height, data: toBytes(values) };
}

/** Clockwise rotation by a multiple of 90 degrees. */
export type Rotation = 0 | 90 | 180 | 270;

export function normalizeRotation(degrees: number): Rotation {
  const r = (((Math.round(degrees / 90) * 90) % 360) + 360) % 360;
  return r as Rotation;
}

export function rotateRgb(src: RgbFrame, rotation: Rotation): RgbFrame {
  if (rotation === 0) return src;
  const { width: w, height: h, data: s } = src;
  const ow = rotation === 180 ? w : h;
  const oh = rotation === 180 ? h : w;
  const out = new Uint8Array(s.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let ox: number;
      let oy: number;
      if (rotation === 90) {
        ox = h - 1 - y;
        oy = x;
      } else if (rotation === 180) {
        ox = w - 1 - x;
        oy = h - 1 - y;
      } else {
        ox = y;
        oy = w - 1 - x;
      }
      const si = (y * w + x) * 3;
      const oi = (oy * ow + ox) * 3;
      out[oi] = s[si]!;
      out[oi + 1] = s[si + 1]!;
      out[oi + 2] = s[si + 2]!;
    }
  }
  return { width: ow, height: oh, data: out };
}

/**
 * The size frames are kept at: the display size, shrunk (never grown) so the short side is at most
 * `maxShortSide`, aspect ratio kept.
 */
export function workingSize(
  displayWidth: number,
  displayHeight: number,
  maxShortSide: number,
): { width: number; height: number } {
  const short = Math.min(displayWidth, displayHeight);
  if (short <= maxShortSide) return { width: displayWidth, height: displayHeight };
  const scale = maxShortSide / short;
  return {
    width: Math.max(1, Math.round(displayWidth * scale)),
    height: Math.max(1, Math.round(displayHeight * scale)),
  };
}

/** Peak signal-to-noise ratio of two same-sized 8-bit images, in dB (Infinity when identical). */
export function psnr(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) throw new RangeError(`psnr of ${a.length} vs ${b.length} samples`);
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    sum += d * d;
  }
  if (sum === 0) return Infinity;
  return 10 * Math.log10((255 * 255) / (sum / a.length));
}
