/**
 * A clip's picture for the gallery: its middle frame, decoded by the data worker (so AVI and every other
 * format the ingest reads shows too), drawn on a small canvas.
 */
import { useEffect, useRef, useState } from 'react';
import { useDataset } from '../../store/dataset.ts';
import './results.css';

const THUMB_SHORT_SIDE = 96;

export function ClipThumbnail({ clipId }: { clipId: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const frameCount = useDataset((s) => s.index?.clips.find((c) => c.id === clipId)?.frameCount ?? null);
  const [failed, setFailed] = useState(false);

  useEffect(() => {
    if (frameCount === null) return;
    let cancelled = false;
    const middle = Math.max(0, Math.floor(frameCount / 2));
    useDataset
      .getState()
      .readFrames(clipId, [middle], THUMB_SHORT_SIDE)
      .then((frames) => {
        const target = canvas.current;
        if (cancelled || !target) return;
        target.width = frames.width;
        target.height = frames.height;
        const image = new ImageData(frames.width, frames.height);
        for (let p = 0; p < frames.width * frames.height; p++) {
          image.data[p * 4] = frames.data[p * 3]!;
          image.data[p * 4 + 1] = frames.data[p * 3 + 1]!;
          image.data[p * 4 + 2] = frames.data[p * 3 + 2]!;
          image.data[p * 4 + 3] = 255;
        }
        target.getContext('2d')?.putImageData(image, 0, 0);
      })
      .catch(() => !cancelled && setFailed(true));
    return () => {
      cancelled = true;
    };
  }, [clipId, frameCount]);

  if (frameCount === null || failed) {
    return (
      <div className="thumb thumb-missing" aria-hidden="true">
        {clipId.split('.').pop()?.toUpperCase()}
      </div>
    );
  }
  return <canvas ref={canvas} className="thumb" aria-hidden="true" />;
}
