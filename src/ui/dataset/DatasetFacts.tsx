import type { DatasetIndex, CountedValue, DatasetSummary } from '../../store/domain.ts';
import { formatDuration } from '../common/format.ts';

function list(values: readonly CountedValue[]): string {
  return values.map((v) => `${v.value} (${v.count})`).join(', ');
}

/** Duration, resolutions, codecs and the labelling rule used. */
export function DatasetFacts({ index, summary }: { index: DatasetIndex; summary: DatasetSummary }) {
  return (
    <dl className="facts" data-testid="dataset-facts">
      <dt>Labels from</dt>
      <dd data-testid="dataset-rule" data-rule={index.rule}>
        {index.ruleText}
        {index.fold !== null ? ` (fold ${index.fold})` : ''}
      </dd>
      <dt>Total duration</dt>
      <dd>{formatDuration(summary.totalDurationS)}</dd>
      <dt>Resolutions</dt>
      <dd>{list(summary.resolutions)}</dd>
      <dt>Codecs</dt>
      <dd data-testid="dataset-codecs">{list(summary.codecs)}</dd>
      <dt>Containers</dt>
      <dd>{list(summary.containers)}</dd>
      <dt>Frame rates</dt>
      <dd>{list(summary.frameRates)}</dd>
    </dl>
  );
}
