import { useEffect, useRef, useState } from 'react';
import { useSettings } from '../../store/settings.ts';
import { useTraining } from '../../store/training.ts';
import type { MixPreviewItem, RunId } from '../../store/domain.ts';
import { Segmented } from '../common/controls.tsx';
import { formatPercent } from '../common/format.ts';
import { useThemeColors } from '../charts/theme-colors.ts';
import './results.css';

/** Frames drawn per clip: enough to see a temporal box start and end. */
const MAX_FRAMES = 8;
const GAP = 4;

function framesToDraw(count: number): number[] {
  if (count <= MAX_FRAMES) return Array.from({ length: count }, (_, i) => i);
  return Array.from({ length: MAX_FRAMES }, (_, i) => Math.round((i * (count - 1)) / (MAX_FRAMES - 1)));
}

/** A mixed clip as a filmstrip, the pasted box outlined on the frames it covers. */
function MixFilmstrip({ item, boxColor }: { item: MixPreviewItem; boxColor: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const indices = framesToDraw(item.frames.length);
  const width = item.frames[0]?.width ?? 0;
  const height = item.frames[0]?.height ?? 0;
  useEffect(() => {
    const context = canvas.current?.getContext('2d');
    if (!context || width === 0) return;
    context.clearRect(0, 0, context.canvas.width, context.canvas.height);
    framesToDraw(item.frames.length).forEach((t, i) => {
      const frame = item.frames[t]!;
      const x = i * (width + GAP);
      context.putImageData(new ImageData(new Uint8ClampedArray(frame.rgba), frame.width, frame.height), x, 0);
      const box = item.box;
      if (box && t >= box.t0 && t < box.t1) {
        // A dark halo under the coloured line keeps the box visible on any texture, even scaled down.
        const rect = [
          x + box.x0 + 1,
          box.y0 + 1,
          Math.max(0, box.x1 - box.x0 - 2),
          Math.max(0, box.y1 - box.y0 - 2),
        ] as const;
        context.lineWidth = 4;
        context.strokeStyle = 'rgb(0 0 0 / 60%)';
        context.strokeRect(...rect);
        context.lineWidth = 2;
        context.strokeStyle = boxColor;
        context.strokeRect(...rect);
      }
    });
  }, [item, width, height, boxColor]);
  const box = item.box;
  const described =
    item.kind === 'none'
      ? `Not mixed: ${item.label}`
      : `${item.label} ${formatPercent(item.lam, 0)} + ${item.pairedLabel} ${formatPercent(1 - item.lam, 0)}`;
  return (
    <figure className="mix-item" data-testid="mix-item" data-kind={item.kind} data-lambda={item.lam}>
      <canvas
        ref={canvas}
        width={indices.length * (width + GAP) - GAP}
        height={height}
        role="img"
        aria-label={`${described}, ${indices.length} frames`}
      />
      <figcaption>
        <strong>{item.kind === 'none' ? 'no mix' : `λ = ${item.lam.toFixed(2)}`}</strong> · {described}
        {box && (
          <span className="muted small">
            {' '}
            · box {box.x1 - box.x0}×{box.y1 - box.y0} px, frames {box.t0}–{box.t1 - 1}
          </span>
        )}
      </figcaption>
    </figure>
  );
}

/** A batch of training clips mixed the way a run's settings mix them: what CutMix does to the input. */
export function MixPreview() {
  const preview = useTraining((s) => s.mixPreview);
  const load = useTraining((s) => s.loadMixPreview);
  const cutmixB = useSettings((s) => s.runs.B.config.cutmix);
  const [runId, setRunId] = useState<RunId>(cutmixB ? 'B' : 'A');
  const colors = useThemeColors();
  const boxColor = runId === 'A' ? colors.runA : colors.runB;
  return (
    <div className="stack" data-testid="mix-preview">
      <div className="row">
        <Segmented<RunId>
          label="Mix as run"
          value={runId}
          options={['A', 'B'] as const}
          optionLabels={{ A: 'As run A', B: 'As run B' }}
          onChange={setRunId}
        />
        <button type="button" onClick={() => void load(runId)} disabled={preview?.loading}>
          {preview?.loading ? 'Mixing…' : 'Show a mixed batch'}
        </button>
      </div>
      {preview?.error && (
        <p className="error-text" role="alert">
          {preview.error}
        </p>
      )}
      {preview && !preview.loading && preview.items.length > 0 && (
        <div className="mix-items">
          {preview.items.map((item, i) => (
            <MixFilmstrip key={i} item={item} boxColor={boxColor} />
          ))}
        </div>
      )}
      {!preview && (
        <p className="muted small">
          Draws a batch of training clips after mixing, with the pasted box outlined and λ, the share of the
          clip's own label, beside it.
        </p>
      )}
    </div>
  );
}
