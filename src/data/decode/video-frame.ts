/**
 * VideoFrame -> packed RGB at the working size, display-oriented. The frame's visible rectangle is copied
 * out in its native format and converted here (see yuv.ts for why), then resized to the display aspect and
 * rotated. The caller closes the frame.
 */
import type { SignalledColor } from '../bitstream-color.ts';
import { resizeRgb, rotateRgb, type RgbFrame, type Rotation } from '../image.ts';
import {
  matrixFromCode,
  matrixFromWebCodecs,
  rgbaToRgb,
  yuvToRgb,
  type PlanarLayout,
  type YuvColor,
  type YuvPlanes,
} from '../yuv.ts';

/** What the container / bitstream says about colour; the frame's own colour space fills the gaps. */
export type ColorPolicy = SignalledColor;

/**
 * The conversion to use: the signalled matrix; else what the browser reports unless that is BT.709, which
 * Chrome reports for streams that signal nothing; else BT.601, ffmpeg's choice for unsignalled streams.
 */
export function resolveColor(policy: ColorPolicy, space: VideoColorSpace | null): YuvColor {
  const signalled = policy.matrixCode !== null ? matrixFromCode(policy.matrixCode) : null;
  const reported = matrixFromWebCodecs(space?.matrix);
  const matrix = signalled ?? (reported && reported !== 'bt709' ? reported : 'bt601');
  return { matrix, fullRange: policy.fullRange ?? space?.fullRange ?? false };
}

const PLANAR: Partial<Record<VideoPixelFormat, { layout: PlanarLayout; bitDepth: number }>> = {
  I420: { layout: 'I420', bitDepth: 8 },
  I420A: { layout: 'I420', bitDepth: 8 },
  I422: { layout: 'I422', bitDepth: 8 },
  I444: { layout: 'I444', bitDepth: 8 },
  NV12: { layout: 'NV12', bitDepth: 8 },
  I420P10: { layout: 'I420', bitDepth: 10 },
  I420AP10: { layout: 'I420', bitDepth: 10 },
  I422P10: { layout: 'I422', bitDepth: 10 },
  I444P10: { layout: 'I444', bitDepth: 10 },
  I420P12: { layout: 'I420', bitDepth: 12 },
  I422P12: { layout: 'I422', bitDepth: 12 },
  I444P12: { layout: 'I444', bitDepth: 12 },
} as Partial<Record<VideoPixelFormat, { layout: PlanarLayout; bitDepth: number }>>;

function plane(buffer: ArrayBuffer, offset: number, bitDepth: number): Uint8Array | Uint16Array {
  if (bitDepth === 8) return new Uint8Array(buffer, offset);
  if (offset % 2 === 0) return new Uint16Array(buffer, offset, (buffer.byteLength - offset) >> 1);
  return new Uint16Array(buffer.slice(offset, offset + ((buffer.byteLength - offset) & ~1)));
}

/** Visible rect grown to even size where chroma is subsampled (copyTo requires sample-aligned rects). */
function alignedRect(frame: VideoFrame, layout: PlanarLayout): DOMRectInit {
  const rect = frame.visibleRect!;
  const evenX = layout !== 'I444';
  const evenY = layout === 'I420' || layout === 'NV12';
  const x = evenX ? rect.x & ~1 : rect.x;
  const y = evenY ? rect.y & ~1 : rect.y;
  let width = rect.x + rect.width - x;
  let height = rect.y + rect.height - y;
  if (evenX && width % 2) width = Math.min(frame.codedWidth - x, width + 1);
  if (evenY && height % 2) height = Math.min(frame.codedHeight - y, height + 1);
  return { x, y, width, height };
}

async function visibleRgb(frame: VideoFrame, policy: ColorPolicy): Promise<RgbFrame> {
  const visible = frame.visibleRect!;
  const format = frame.format;
  const planar = format ? PLANAR[format] : undefined;
  if (planar) {
    const rect = alignedRect(frame, planar.layout);
    const buffer = new ArrayBuffer(frame.allocationSize({ rect }));
    const layout = await frame.copyTo(buffer, { rect });
    const bytesPerSample = planar.bitDepth === 8 ? 1 : 2;
    const planes: YuvPlanes = {
      layout: planar.layout,
      bitDepth: planar.bitDepth,
      width: visible.width,
      height: visible.height,
      y: plane(buffer, layout[0]!.offset, planar.bitDepth),
      yStride: layout[0]!.stride / bytesPerSample,
      u: plane(buffer, layout[1]!.offset, planar.bitDepth),
      uStride: layout[1]!.stride / bytesPerSample,
      v: planar.layout === 'NV12' ? new Uint8Array(0) : plane(buffer, layout[2]!.offset, planar.bitDepth),
      vStride: planar.layout === 'NV12' ? 0 : layout[2]!.stride / bytesPerSample,
    };
    return yuvToRgb(planes, resolveColor(policy, frame.colorSpace));
  }
  // Packed RGB frames, or formats we do not handle (e.g. opaque GPU frames): let the browser convert.
  const rgbFormats: (VideoPixelFormat | null)[] = ['RGBA', 'RGBX', 'BGRA', 'BGRX'];
  const order = format === 'BGRA' || format === 'BGRX' ? 'bgr' : 'rgb';
  const options: VideoFrameCopyToOptions = rgbFormats.includes(format)
    ? { rect: visible }
    : ({ rect: visible, format: 'RGBA' } as VideoFrameCopyToOptions);
  const buffer = new Uint8Array(visible.width * visible.height * 4);
  const layout = await frame.copyTo(buffer, options);
  const converted = rgbFormats.includes(format) ? order : 'rgb';
  return rgbaToRgb(buffer, visible.width, visible.height, layout[0]!.stride, converted);
}

/** `outWidth` x `outHeight` is the size before rotation. */
export async function videoFrameToRgb(
  frame: VideoFrame,
  outWidth: number,
  outHeight: number,
  rotation: Rotation,
  policy: ColorPolicy,
): Promise<RgbFrame> {
  const rgb = await visibleRgb(frame, policy);
  return rotateRgb(resizeRgb(rgb, outWidth, outHeight), rotation);
}
