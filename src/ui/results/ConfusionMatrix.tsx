import type { CSSProperties } from 'react';
import type { EvalPoint, RunId } from '../../store/domain.ts';
import './results.css';

interface Props {
  runId: RunId;
  point: EvalPoint | null;
  labels: readonly string[];
}

/**
 * Rows are true classes, columns predictions; a cell's shade is its share of the row, so a perfect model
 * draws a dark diagonal whatever the class sizes. A table, so screen readers read the counts.
 */
export function ConfusionMatrix({ runId, point, labels }: Props) {
  if (!point || point.confusion.length === 0) {
    return (
      <figure className="confusion" data-testid={`confusion-${runId}`} data-ready="false">
        <figcaption>Run {runId}</figcaption>
        <p className="muted small">Appears after the test evaluation.</p>
      </figure>
    );
  }
  const names = point.confusion.map((_, i) => labels[i] ?? `class ${i}`);
  return (
    <figure
      className={`confusion confusion-${runId.toLowerCase()}`}
      data-testid={`confusion-${runId}`}
      data-ready="true"
    >
      <figcaption>
        Run {runId} · {point.split === 'test' ? 'test' : `validation, epoch ${point.epoch.toFixed(1)}`} ·{' '}
        {point.splitClips !== undefined && point.splitClips !== point.clips
          ? `${point.clips} of ${point.splitClips} clips`
          : `${point.clips} clips`}
      </figcaption>
      <div className="confusion-scroll">
        <table>
          <thead>
            <tr>
              <th scope="col" className="corner">
                <span aria-label="true class down, predicted class across">true ↓ pred →</span>
              </th>
              {names.map((name) => (
                <th scope="col" key={name} className="col-label" title={name}>
                  <span>{name}</span>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {point.confusion.map((row, i) => {
              const total = row.reduce((a, b) => a + b, 0);
              return (
                <tr key={names[i]}>
                  <th scope="row" title={names[i]}>
                    {names[i]}
                  </th>
                  {row.map((count, j) => {
                    const share = total > 0 ? count / total : 0;
                    return (
                      <td
                        key={j}
                        className={i === j ? 'diagonal' : undefined}
                        style={{ '--share': share } as CSSProperties}
                        title={`${names[i]} predicted as ${names[j]}: ${count} of ${total}`}
                        data-dark={share > 0.55 ? 'true' : undefined}
                      >
                        {count}
                      </td>
                    );
                  })}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </figure>
  );
}
