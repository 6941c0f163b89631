import { useEffect, useRef } from 'react';
import type { DatasetIndex, PreviewFrames } from '../../store/domain.ts';
import { useDataset, type PreviewMode } from '../../store/dataset.ts';
import './dataset.css';

function FrameCanvas({ frames, t }: { frames: PreviewFrames; t: number }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const context = ref.current?.getContext('2d');
    if (!context) return;
    const size = frames.width * frames.height * 4;
    const pixels = new Uint8ClampedArray(
      frames.rgba.buffer as ArrayBuffer,
      frames.rgba.byteOffset + t * size,
      size,
    );
    context.putImageData(new ImageData(pixels, frames.width, frames.height), 0, 0);
  }, [frames, t]);
  return (
    <figure className="preview-frame">
      <canvas ref={ref} width={frames.width} height={frames.height} />
      <figcaption>#{frames.indices[t]}</figcaption>
    </figure>
  );
}

/** The sampled frames of any clip, as the model gets them (before normalisation). */
export function PreviewStrip({ index }: { index: DatasetIndex }) {
  const preview = useDataset((s) => s.preview);
  const previewClip = useDataset((s) => s.previewClip);
  const { frames } = preview;
  return (
    <section className="stack" data-testid="preview-strip">
      <div className="row">
        <label className="field">
          <span>Preview clip</span>
          <select
            value={preview.clipId ?? ''}
            data-testid="preview-clip"
            onChange={(e) => void previewClip(e.target.value || null)}
          >
            {index.classes.map((className) => (
              <optgroup key={className} label={className}>
                {index.clips
                  .filter((c) => c.label === className)
                  .map((c) => (
                    <option key={c.id} value={c.id}>
                      {c.name} ({c.split})
                    </option>
                  ))}
              </optgroup>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Sampling</span>
          <select
            value={preview.mode}
            data-testid="preview-mode"
            onChange={(e) => void previewClip(preview.clipId, { mode: e.target.value as PreviewMode })}
          >
            <option value="eval">Evaluation (centre window, resize)</option>
            <option value="train">Training (random window, scale, crop, flip)</option>
            <option value="uniform">Uniform over the whole clip</option>
          </select>
        </label>
        {preview.mode === 'train' && (
          <button
            type="button"
            onClick={() => void previewClip(preview.clipId, { epoch: preview.epoch + 1 })}
          >
            Another draw
          </button>
        )}
      </div>
      {preview.error && <p className="error-text">{preview.error}</p>}
      {preview.loading && !frames && <p className="muted">Decoding…</p>}
      {frames && (
        <>
          {/* The strip scrolls sideways when the frames overflow it: focusable and named, so a keyboard
              user can scroll it too and a screen reader says what it is. */}
          <div
            className="preview-frames"
            role="region"
            aria-label="Sampled frames"
            tabIndex={0}
            data-testid="preview-frames"
            data-count={frames.indices.length}
          >
            {frames.indices.map((_, t) => (
              <FrameCanvas key={t} frames={frames} t={t} />
            ))}
          </div>
          <p className="muted">
            Frames {frames.indices.join(', ')}
            {frames.padded ? ' (clip shorter than the window: last frame repeated)' : ''}
            {frames.flipped ? ', flipped' : ''}; {frames.width}×{frames.height} each.
          </p>
        </>
      )}
    </section>
  );
}
