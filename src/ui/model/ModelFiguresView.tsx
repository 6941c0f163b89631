import type { RunId } from '../../worker/training-protocol.ts';
import { formatBytes, formatCount, formatFlops } from '../common/format.ts';
import type { ModelFigures } from './model-figures.ts';

interface Props {
  figures: ModelFigures;
  batch: Record<RunId, number>;
  /** Classes in the dataset (0 before one is loaded). */
  labels: number;
}

/** The model's cost in a few big numbers, each with its exact value in a data attribute for tests. */
export function ModelFiguresView({ figures, batch, labels }: Props) {
  return (
    <div className="figures" data-testid="model-figures">
      <div className="figure" data-testid="model-parameters" data-value={figures.parameters}>
        <span className="figure-value">{formatCount(figures.parameters)}</span>
        <span className="figure-label">parameters</span>
        <span className="figure-note">
          {labels > 0 ? `head for ${labels} classes` : 'head for 2 classes until a dataset is loaded'}
        </span>
      </div>
      <div className="figure" data-testid="model-flops" data-value={figures.forwardFlopsPerClip}>
        <span className="figure-value">{formatFlops(figures.forwardFlopsPerClip)}</span>
        <span className="figure-label">per clip, forward</span>
        <span className="figure-note">{figures.tokens.toLocaleString('en')} tokens</span>
      </div>
      <div className="figure" data-testid="model-memory" data-value={figures.bothBytes}>
        <span className="figure-value">{formatBytes(figures.bothBytes)}</span>
        <span className="figure-label">training memory, A and B</span>
        <span
          className="figure-note"
          data-testid="model-memory-runs"
          data-a={figures.runBytes.A}
          data-b={figures.runBytes.B}
        >
          A {formatBytes(figures.runBytes.A)} (batch {batch.A}) · B {formatBytes(figures.runBytes.B)} (batch{' '}
          {batch.B})
        </span>
        <span className="figure-note">
          fused attention: activations {formatBytes(figures.activationBytes.A.fused)} instead of{' '}
          {formatBytes(figures.activationBytes.A.stock)} for A
        </span>
      </div>
    </div>
  );
}
