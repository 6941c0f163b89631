import type { DatasetWarning } from '../../store/domain.ts';
import './dataset.css';

export function DatasetWarnings({ warnings }: { warnings: readonly DatasetWarning[] }) {
  if (warnings.length === 0) return null;
  return (
    <ul className="notice warning-list" data-testid="dataset-warnings">
      {warnings.map((w) => (
        <li key={w.kind + w.message} data-kind={w.kind}>
          {w.message}
        </li>
      ))}
    </ul>
  );
}
