import type { DatasetSummary } from '../../store/domain.ts';

/** Clips per class and split. */
export function ClassSplitTable({ summary }: { summary: DatasetSummary }) {
  return (
    <table className="table" data-testid="layout-summary">
      <thead>
        <tr>
          <th scope="col">Class</th>
          {summary.splits.map((split) => (
            <th scope="col" key={split}>
              {split}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {summary.classes.map((className) => (
          <tr key={className}>
            <th scope="row">{className}</th>
            {summary.splits.map((split) => (
              <td key={split}>{summary.counts[className]?.[split] ?? 0}</td>
            ))}
          </tr>
        ))}
      </tbody>
      <tfoot>
        <tr>
          <th scope="row">All</th>
          {summary.splits.map((split) => (
            <td key={split} data-testid={`split-total-${split}`}>
              {summary.splitTotals[split]}
            </td>
          ))}
        </tr>
      </tfoot>
    </table>
  );
}
