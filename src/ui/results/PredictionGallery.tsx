import { useState } from 'react';
import { useTraining } from '../../store/training.ts';
import type { RunId } from '../../store/domain.ts';
import { Segmented } from '../common/controls.tsx';
import { formatPercent } from '../common/format.ts';
import { ClipThumbnail } from './ClipThumbnail.tsx';
import './results.css';

/** How many cards to draw at once: enough to scan, few enough that videos stay cheap. */
const PAGE = 24;

export function PredictionGallery({ labels }: { labels: readonly string[] }) {
  const [runId, setRunId] = useState<RunId>('A');
  const [filter, setFilter] = useState<'all' | 'wrong'>('all');
  const predictions = useTraining((s) => s.data.runs[runId].predictions);
  const shown = predictions.filter((p) => filter === 'all' || p.label !== p.predicted);
  const wrong = predictions.filter((p) => p.label !== p.predicted).length;
  const name = (i: number) => labels[i] ?? `class ${i}`;
  return (
    <div className="stack" data-testid="gallery">
      <div className="row">
        <Segmented<RunId>
          label="Run"
          value={runId}
          options={['A', 'B'] as const}
          optionLabels={{ A: 'Run A', B: 'Run B' }}
          onChange={setRunId}
        />
        <Segmented<'all' | 'wrong'>
          label="Which clips"
          value={filter}
          options={['all', 'wrong'] as const}
          optionLabels={{ all: `All (${predictions.length})`, wrong: `Mistakes (${wrong})` }}
          onChange={setFilter}
        />
      </div>
      {predictions.length === 0 ? (
        <p className="muted">Test clips with their true and predicted labels appear when a run finishes.</p>
      ) : (
        <ul className="gallery" data-testid={`gallery-${runId}`}>
          {shown.slice(0, PAGE).map((p) => {
            const right = p.label === p.predicted;
            return (
              <li key={p.clipId} className={`card ${right ? 'right' : 'wrong'}`} data-correct={String(right)}>
                <ClipThumbnail clipId={p.clipId} />
                <div className="card-text">
                  <span className="card-file" title={p.path}>
                    {p.path.split('/').pop()}
                  </span>
                  <span>
                    <span className="muted">true</span> {name(p.label)}
                  </span>
                  <span className={right ? 'ok-text' : 'error-text'}>
                    <span className="muted">predicted</span> {name(p.predicted)} (
                    {formatPercent(p.confidence, 0)})
                  </span>
                </div>
              </li>
            );
          })}
        </ul>
      )}
      {shown.length > PAGE && (
        <p className="muted small">
          Showing {PAGE} of {shown.length}.
        </p>
      )}
    </div>
  );
}
