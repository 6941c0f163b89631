import type { RunId } from '../../store/domain.ts';
import { formatBytes, formatCount, formatFlops } from '../common/format.ts';
import type { ModelFigures } from './model-figures.ts';
import './model.css';

interface Props {
  figures: ModelFigures;
  batch: Record<RunId, number>;
  /** Classes in the dataset (0 before one is loaded). */
  labels: number;
}

/**
 * The model's cost in three figures on one line (the first screen has room for little else), each with its
 * exact value in a data attribute for tests and the details in its tooltip.
 */
export function ModelFiguresView({ figures, batch, labels }: Props) {
  const head = labels > 0 ? `head for ${labels} classes` : 'head for 2 classes until a dataset is loaded';
  return (
    <p className="figures" data-testid="model-figures">
      <span className="figure" data-testid="model-parameters" data-value={figures.parameters} title={head}>
        <strong className="figure-value">{formatCount(figures.parameters)}</strong> parameters
      </span>
      <span
        className="figure"
        data-testid="model-flops"
        data-value={figures.forwardFlopsPerClip}
        title={`${figures.tokens.toLocaleString('en')} tokens per clip`}
      >
        <strong className="figure-value">{formatFlops(figures.forwardFlopsPerClip)}</strong> per clip forward
        ({figures.tokens.toLocaleString('en')} tokens)
      </span>
      <span
        className="figure"
        data-testid="model-memory"
        data-value={figures.bothBytes}
        title={
          `Weights, gradients and Adam state of both runs, and one step's activations. With WebGPU's fused ` +
          `attention, A's activations take ${formatBytes(figures.activationBytes.A.fused)} instead of ` +
          `${formatBytes(figures.activationBytes.A.stock)}.`
        }
      >
        <strong className="figure-value">{formatBytes(figures.bothBytes)}</strong> to train A and B{' '}
        <span
          className="figure-note"
          data-testid="model-memory-runs"
          data-a={figures.runBytes.A}
          data-b={figures.runBytes.B}
        >
          (A {formatBytes(figures.runBytes.A)} at batch {batch.A}, B {formatBytes(figures.runBytes.B)} at
          batch {batch.B})
        </span>
      </span>
    </p>
  );
}
