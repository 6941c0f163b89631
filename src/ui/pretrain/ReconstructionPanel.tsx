import { useMemo } from 'react';
import { useDataset } from '../../store/dataset.ts';
import { shownView } from '../../store/pretrain-reducer.ts';
import { usePretraining } from '../../store/pretraining.ts';
import type { PretrainSlot } from '../../store/domain.ts';
import { formatCompact, formatPercent } from '../common/format.ts';
import { Filmstrip } from './Filmstrip.tsx';

/**
 * What the model reconstructs: a clip's frames, the masked input the encoder sees (hidden cubes greyed) and
 * the decoder's output, side by side, following the pretraining; any clip of the dataset can be picked.
 */
export function ReconstructionPanel({ slot }: { slot: PretrainSlot }) {
  const clips = useDataset((s) => s.index?.clips);
  const viewClipId = usePretraining((s) => s.viewClipId);
  const live = usePretraining((s) => s.data.slots[slot].view);
  const onDemand = usePretraining((s) => s.onDemand);
  const showClip = usePretraining((s) => s.showClip);
  const asked = onDemand?.slot === slot ? onDemand : null;
  const view = shownView(live, asked?.view ?? null, slot, viewClipId);
  const sorted = useMemo(
    () => [...(clips ?? [])].sort((a, b) => a.split.localeCompare(b.split) || a.path.localeCompare(b.path)),
    [clips],
  );
  return (
    <section className="reconstruction" aria-labelledby="reconstruction-heading" data-testid="reconstruction">
      <div className="row">
        <h4 id="reconstruction-heading">Reconstruction</h4>
        <label className="inline-field">
          <span>Clip</span>
          <select
            value={viewClipId ?? ''}
            onChange={(e) => void showClip(e.target.value === '' ? null : e.target.value)}
            disabled={sorted.length === 0}
            data-testid="reconstruction-clip"
          >
            <option value="">The pretraining’s own (first training clip)</option>
            {sorted.map((clip) => (
              <option key={clip.id} value={clip.id}>
                {clip.split}: {clip.path}
              </option>
            ))}
          </select>
        </label>
        {asked?.loading && <span className="muted small">Reconstructing…</span>}
      </div>
      {asked?.error && (
        <p className="error-text small" role="alert" data-testid="reconstruction-error">
          {asked.error}
        </p>
      )}
      {view ? (
        <figure
          className="reconstruction-view"
          data-testid="reconstruction-view"
          data-step={view.step}
          data-clip={view.clipId}
        >
          <figcaption>
            <strong>{view.path}</strong> · step {view.step} · loss {formatCompact(view.loss)} ·{' '}
            {formatPercent(view.maskRatio, 0)} of the cubes hidden
          </figcaption>
          <div className="reconstruction-strips">
            <span className="strip-label">Original</span>
            <Filmstrip frames={view.original} label="Original frames" testId="reconstruction-original" />
            <span className="strip-label">Masked input</span>
            <Filmstrip frames={view.masked} label="Masked input" testId="reconstruction-masked" />
            <span className="strip-label">Reconstruction</span>
            <Filmstrip frames={view.reconstruction} label="Reconstruction" testId="reconstruction-output" />
          </div>
        </figure>
      ) : (
        <p className="muted small">
          {viewClipId === null
            ? 'Shown once the pretraining has taken its first steps.'
            : 'This slot has no weights yet: the view follows this clip once the pretraining starts.'}
        </p>
      )}
    </section>
  );
}
