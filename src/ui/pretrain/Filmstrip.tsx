import { useEffect, useRef } from 'react';
import type { PreviewFrame } from '../../store/domain.ts';

/** Frames drawn per strip: enough to see a tube run through time. */
const MAX_FRAMES = 8;
const GAP = 3;

export function framesToDraw(count: number): number[] {
  if (count <= MAX_FRAMES) return Array.from({ length: count }, (_, i) => i);
  return Array.from({ length: MAX_FRAMES }, (_, i) => Math.round((i * (count - 1)) / (MAX_FRAMES - 1)));
}

/** A clip's frames side by side on one canvas, at their own pixel size (scaled by CSS). */
export function Filmstrip({
  frames,
  label,
  testId,
}: {
  frames: readonly PreviewFrame[];
  label: string;
  testId: string;
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const indices = framesToDraw(frames.length);
  const width = frames[0]?.width ?? 0;
  const height = frames[0]?.height ?? 0;
  useEffect(() => {
    const context = canvas.current?.getContext('2d');
    if (!context || width === 0) return;
    context.clearRect(0, 0, context.canvas.width, context.canvas.height);
    framesToDraw(frames.length).forEach((t, i) => {
      const frame = frames[t]!;
      const image = new ImageData(new Uint8ClampedArray(frame.rgba), frame.width, frame.height);
      context.putImageData(image, i * (width + GAP), 0);
    });
  }, [frames, width, height]);
  return (
    <canvas
      ref={canvas}
      className="filmstrip"
      width={Math.max(1, indices.length * (width + GAP) - GAP)}
      height={Math.max(1, height)}
      role="img"
      aria-label={`${label}, ${indices.length} of ${frames.length} frames`}
      data-testid={testId}
      data-frames={frames.length}
    />
  );
}
