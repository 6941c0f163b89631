import type { LayoutSummary } from '../../data/layout-summary.ts';

export function LayoutSummaryTable({ summary }: { summary: LayoutSummary }) {
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
    </table>
  );
}
